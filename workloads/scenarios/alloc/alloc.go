package alloc

import (
	"context"
	"math/rand/v2"
	"sync"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

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
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	t, s, l := v.Float("tinyWeight"), v.Float("smallWeight"), v.Float("largeWeight")
	sum := t + s + l
	if sum == 0 {
		return nil, &catalog.ParseError{Scenario: catalog.Alloc.Name, Param: "tinyWeight",
			Msg: "tinyWeight, smallWeight and largeWeight are all 0; give at least one a positive weight"}
	}
	if v.Int("appendLen") > 0 && v.Bool("pool") {
		return nil, &catalog.ParseError{Scenario: catalog.Alloc.Name, Param: "appendLen",
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
