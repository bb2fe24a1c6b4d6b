// Package gc is the "gc" scenario: a live heap of a given size and pointer
// density, churned at a given rate. It shows the pacer at work: GC
// frequency and CPU against GOGC and GOMEMLIMIT, stop-the-world pauses,
// the heap goal against the live heap, and what is left for the mutator.
package gc
