// Package timers is the "timers" scenario: many goroutines each waiting on
// a timer, a ticker, a sleep or an AfterFunc callback, with optional
// CPU-bound goroutines competing for the Ps. It shows how late timers fire
// (the runtime runs them from the scheduler loop of whichever P gets to
// them) idle and under CPU load, and what each kind of timer costs.
package timers
