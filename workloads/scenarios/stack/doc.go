// Package stack is the "stack" scenario: goroutines recurse deep, so their
// stacks grow by doubling and copying, wait at the bottom, return, and a
// forced GC shrinks the stacks they no longer use. It shows what a
// goroutine's stack costs at depth, how many goroutines fit in a MiB, and
// that stacks shrink only at GC, and only by half per cycle.
package stack
