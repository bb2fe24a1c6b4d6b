// Package alloc is the "alloc" scenario: allocation churn over a mix of
// tiny, small and large objects, with a retained share and optional
// sync.Pool reuse. It shows the allocator's fast paths (the tiny allocator,
// per-P size-class caches, large objects straight from the heap), what a
// pool saves, and how much CPU goes to mallocgc.
package alloc
