package alloc

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// BenchmarkAlloc is the bare baseline hack/bench compares the workload
// binary against: b.N allocation steps shared out over the default number
// of goroutines, each with its own allocator seeded as Run seeds it, and
// nothing of the driver, meter, telemetry or probe around them.
func BenchmarkAlloc(b *testing.B) {
	w := newDefault(b)
	pools := newPools(w)
	allocs := make([]*allocator, w.goroutines)
	for g := range allocs {
		allocs[g] = &allocator{w: w, pools: pools, ring: make([]obj, w.slots),
			rng: rand.New(rand.NewPCG(uint64(g), 0x5eed))}
	}
	bytes := make([]uint64, len(allocs)) // summed as Run sums them
	var wg sync.WaitGroup
	b.ResetTimer()
	for g, a := range allocs {
		steps := b.N / len(allocs)
		if g < b.N%len(allocs) {
			steps++
		}
		wg.Go(func() {
			var n uint64
			for range steps {
				n += uint64(a.one())
			}
			bytes[g] = n
		})
	}
	wg.Wait()
	b.StopTimer()
	var sum uint64
	for _, n := range bytes {
		sum += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(sum)/b.Elapsed().Seconds(), "bytes/s")
}

// newDefault builds the scenario from its catalogue defaults.
func newDefault(tb testing.TB) *workload {
	tb.Helper()
	v, err := scenario.Parse(&Spec, nil)
	if err != nil {
		tb.Fatalf("parse defaults: %v", err)
	}
	w, err := New(v)
	if err != nil {
		tb.Fatalf("new alloc workload: %v", err)
	}
	return w.(*workload)
}
