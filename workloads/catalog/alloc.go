package catalog

import (
	"fmt"
)

// Alloc is the alloc scenario's catalogue entry.
var Alloc = Spec{
	Name:    "alloc",
	Summary: "allocation churn over a tiny/small/large size mix, with retention and optional sync.Pool reuse",
	Doc: "Each of `goroutines` goroutines allocates objects drawn from a size mix: tiny (8 B, pointer-free, " +
		"served by the tiny allocator), small (16 B to `smallMax`, from the per-P size-class caches) and large " +
		"(`largeSize`, over 32 KiB, allocated straight from the heap). With `appendLen` N, a small object is " +
		"instead a slice of N elements filled by append, grown by the runtime (each growth a new array, the old one " +
		"garbage) or, with `prealloc`, made at its final capacity. A `retain` share is kept in a ring of " +
		"`retainSlots` per goroutine, so the live heap stays bounded while objects survive a while. With " +
		"`pool` on, small and large buffers come from a sync.Pool and go back to it. The allocator's CPU " +
		"share comes from a CPU profile of the measured window (samples inside runtime.mallocgc).",
	Memory: allocMemory,
	Params: []Param{
		{Name: "goroutines", Kind: Int, Default: "4", Min: "1", Max: "10000",
			Doc: "allocating goroutines"},
		{Name: "tinyWeight", Kind: Float, Default: "0.5", Min: "0", Max: "1",
			Doc: "relative share of tiny (8 B pointer-free) objects"},
		{Name: "smallWeight", Kind: Float, Default: "0.45", Min: "0", Max: "1",
			Doc: "relative share of small objects"},
		{Name: "largeWeight", Kind: Float, Default: "0.05", Min: "0", Max: "1",
			Doc: "relative share of large objects"},
		{Name: "smallMax", Kind: Bytes, Default: "1Ki", Min: "16", Max: "32Ki",
			Doc: "largest small object; sizes are uniform from 16 B to this"},
		{Name: "largeSize", Kind: Bytes, Default: "64Ki", Min: "33Ki", Max: "16Mi",
			Doc: "size of a large object"},
		{Name: "pointers", Kind: Bool, Default: "false",
			Doc: "make small objects pointer slices, which the GC must scan, instead of bytes"},
		{Name: "retain", Kind: Float, Default: "0.01", Min: "0", Max: "1",
			Doc: "share of objects kept alive in the retention ring"},
		{Name: "retainSlots", Kind: Int, Default: "4096", Min: "1", Max: "10000000",
			Doc: "retention ring size per goroutine; bounds the live heap"},
		{Name: "pool", Kind: Bool, Default: "false",
			Doc: "reuse small and large buffers through sync.Pool instead of allocating"},
		{Name: "appendLen", Kind: Int, Default: "0", Min: "0", Max: "65536",
			Doc: "with N > 0, build each small object as a slice of N 8-byte elements by append (as code filling a result does) instead of allocating it at its size; not with pool"},
		{Name: "prealloc", Kind: Bool, Default: "false",
			Doc: "with appendLen, make each slice with its final capacity first (make(s, 0, N)) instead of letting append grow it"},
	},
	Headline: []string{"objects/s", "heap-alloc-B/s", "malloc-cpu-frac", "gc-cpu-frac"},
	Figures: []Figure{
		{Name: "objects/s", Unit: "1/s", Better: Higher, Doc: "objects requested per second (allocated or taken from the pool)"},
		{Name: "bytes/s", Unit: "B/s", Better: Higher, Doc: "bytes requested per second"},
		{Name: "heap-alloc-B/s", Unit: "B/s", Better: Lower, Doc: "bytes the runtime actually allocated per second (/gc/heap/allocs:bytes)"},
		{Name: "malloc-cpu-frac", Unit: "ratio", Better: Lower, Doc: "share of CPU profile samples inside runtime.mallocgc; absent without a profile of the window"},
		{Name: "gc-cpu-frac", Unit: "ratio", Better: Lower, Doc: "share of available CPU the GC used"},
	},
}

// allocMemory: every goroutine's retention ring full of objects of the
// mix's average size (empty slots when nothing is retained), and a stack
// each.
func allocMemory(v Values, _ MemoryInput) Need {
	g, slots := int64(v.Int("goroutines")), int64(v.Int("retainSlots"))
	tiny, small, large := v.Float("tinyWeight"), v.Float("smallWeight"), v.Float("largeWeight")
	smallSize := float64(16+v.Bytes("smallMax")) / 2
	if n := v.Int("appendLen"); n > 0 {
		smallSize = float64(8 * n)
	}
	avg := 0.0
	if w := tiny + small + large; w > 0 && v.Float("retain") > 0 {
		avg = (tiny*8 + small*smallSize + large*float64(v.Bytes("largeSize"))) / w
	}
	per := int64(avg) + 32 // the object and its slot
	return Need{satAdd(satMul(g, slots, per), satMul(g, goroutineBytes)),
		fmt.Sprintf("%d goroutines × %d retained objects × %s", g, slots, approxBytes(per))}
}
