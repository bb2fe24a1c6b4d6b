package alloc

import (
	"context"
	"math/rand/v2"
	"sync"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// Spec is the alloc scenario's catalogue entry.
var Spec = scenario.Spec{
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
	Params: []scenario.Param{
		{Name: "goroutines", Kind: scenario.Int, Default: "4", Min: "1", Max: "10000",
			Doc: "allocating goroutines"},
		{Name: "tinyWeight", Kind: scenario.Float, Default: "0.5", Min: "0", Max: "1",
			Doc: "relative share of tiny (8 B pointer-free) objects"},
		{Name: "smallWeight", Kind: scenario.Float, Default: "0.45", Min: "0", Max: "1",
			Doc: "relative share of small objects"},
		{Name: "largeWeight", Kind: scenario.Float, Default: "0.05", Min: "0", Max: "1",
			Doc: "relative share of large objects"},
		{Name: "smallMax", Kind: scenario.Bytes, Default: "1Ki", Min: "16", Max: "32Ki",
			Doc: "largest small object; sizes are uniform from 16 B to this"},
		{Name: "largeSize", Kind: scenario.Bytes, Default: "64Ki", Min: "33Ki", Max: "16Mi",
			Doc: "size of a large object"},
		{Name: "pointers", Kind: scenario.Bool, Default: "false",
			Doc: "make small objects pointer slices, which the GC must scan, instead of bytes"},
		{Name: "retain", Kind: scenario.Float, Default: "0.01", Min: "0", Max: "1",
			Doc: "share of objects kept alive in the retention ring"},
		{Name: "retainSlots", Kind: scenario.Int, Default: "4096", Min: "1", Max: "10000000",
			Doc: "retention ring size per goroutine; bounds the live heap"},
		{Name: "pool", Kind: scenario.Bool, Default: "false",
			Doc: "reuse small and large buffers through sync.Pool instead of allocating"},
		{Name: "appendLen", Kind: scenario.Int, Default: "0", Min: "0", Max: "65536",
			Doc: "with N > 0, build each small object as a slice of N 8-byte elements by append (as code filling a result does) instead of allocating it at its size; not with pool"},
		{Name: "prealloc", Kind: scenario.Bool, Default: "false",
			Doc: "with appendLen, make each slice with its final capacity first (make(s, 0, N)) instead of letting append grow it"},
	},
	Figures: []scenario.Figure{
		{Name: "objects/s", Unit: "1/s", Better: scenario.Higher, Doc: "objects requested per second (allocated or taken from the pool)"},
		{Name: "bytes/s", Unit: "B/s", Better: scenario.Higher, Doc: "bytes requested per second"},
		{Name: "heap-alloc-B/s", Unit: "B/s", Better: scenario.Lower, Doc: "bytes the runtime actually allocated per second (/gc/heap/allocs:bytes)"},
		{Name: "malloc-cpu-frac", Unit: "ratio", Better: scenario.Lower, Doc: "share of CPU profile samples inside runtime.mallocgc; absent without a profile of the window"},
		{Name: "gc-cpu-frac", Unit: "ratio", Better: scenario.Lower, Doc: "share of available CPU the GC used"},
	},
}

type workload struct {
	goroutines          int
	tiny, small         float64 // cumulative weights, normalised
	smallMax, largeSize int
	pointers            bool
	retain              float64
	slots               int
	pool                bool
	appendLen           int
	prealloc            bool
}

// New builds the scenario from validated parameters.
func New(v scenario.Values, _ scenario.Env) (scenario.Workload, error) {
	t, s, l := v.Float("tinyWeight"), v.Float("smallWeight"), v.Float("largeWeight")
	sum := t + s + l
	if sum == 0 {
		return nil, &scenario.ParseError{Scenario: Spec.Name, Param: "tinyWeight",
			Msg: "tinyWeight, smallWeight and largeWeight are all 0; give at least one a positive weight"}
	}
	if v.Int("appendLen") > 0 && v.Bool("pool") {
		return nil, &scenario.ParseError{Scenario: Spec.Name, Param: "appendLen",
			Msg: "appendLen builds fresh slices, pool reuses buffers; set one of them"}
	}
	return &workload{
		goroutines: v.Int("goroutines"),
		tiny:       t / sum,
		small:      (t + s) / sum,
		smallMax:   int(v.Bytes("smallMax")),
		largeSize:  int(v.Bytes("largeSize")),
		pointers:   v.Bool("pointers"),
		retain:     v.Float("retain"),
		slots:      v.Int("retainSlots"),
		pool:       v.Bool("pool"),
		appendLen:  v.Int("appendLen"),
		prealloc:   v.Bool("prealloc"),
	}, nil
}

// batch is how many objects a goroutine allocates between counter updates.
const batch = 256

func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	objects := m.Counter("objects", "Objects requested.")
	bytes := m.Counter("bytes", "Bytes requested.")
	pools := newPools(w)
	var wg sync.WaitGroup
	for g := range w.goroutines {
		wg.Go(func() {
			a := &allocator{w: w, pools: pools, ring: make([]obj, w.slots),
				rng: rand.New(rand.NewPCG(uint64(g), 0x5eed))}
			for ctx.Err() == nil {
				var n uint64
				for range batch {
					n += uint64(a.one())
				}
				objects.Add(batch)
				bytes.Add(n)
			}
		})
	}
	wg.Wait()
	return nil
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	f := map[string]float64{
		"objects/s":   win.Rate("objects"),
		"bytes/s":     win.Rate("bytes"),
		"gc-cpu-frac": win.Runtime.GCCPUFraction,
	}
	if win.MallocCPUFraction >= 0 { // negative: no CPU profile of the window
		f["malloc-cpu-frac"] = win.MallocCPUFraction
	}
	if win.Seconds > 0 {
		f["heap-alloc-B/s"] = float64(win.Runtime.AllocBytes) / win.Seconds
	}
	return f
}
