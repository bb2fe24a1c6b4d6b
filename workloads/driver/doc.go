// Package driver runs one scenario the same way every time: it owns the
// parameters, the warmup and measured window, the watchdog, signals, the
// telemetry endpoint and the result summary, so a scenario only has to
// drive its runtime subsystem and count its work.
package driver
