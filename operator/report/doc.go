// Package report renders an Experiment's results for people: a terminal
// table, a markdown report, plots of a figure against a knob, and a
// benchstat-style comparison of two Experiments. It is pure rendering: it
// reads only the Experiment it is given (status included) and writes only
// to the writer it is given, so `kubectl lab report`, `compare` and the
// local executor render identical output from a cluster or a results
// directory.
package report
