// Package plan turns an Experiment into what should exist: its variants
// (the matrix crossed), its runs (variants × repetitions), and each run's
// Pod. It is pure — no client, no context, no I/O — so the operator and the
// local executor plan identically and tests compare whole objects.
package plan
