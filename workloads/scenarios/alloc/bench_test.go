package alloc

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// steady holds BenchmarkAlloc's allocators. They are built once per
// process and kept across the benchmark's b.N ramp, so the measured run
// starts with full retention rings, as the workload's measured window
// starts after its warmup filled them. Fresh rings would start with an
// empty live heap, GC far more often until they fill, and make the
// baseline slower than the scenario.
var steady struct {
	once   sync.Once
	allocs []*allocator
	err    error
}

// BenchmarkAlloc is the bare baseline hack/bench compares the workload
// binary against: b.N allocation steps shared out over the default number
// of goroutines, each with its own allocator seeded as Run seeds it, and
// nothing of the driver, meter, telemetry or probe around them.
func BenchmarkAlloc(b *testing.B) {
	allocs := defaultAllocators(b)
	bytes := make([]uint64, len(allocs)) // summed as Run sums them
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu := workloadtest.StartCPU()
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
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "objects/cpu-s")
	b.ReportMetric(float64(sum)/b.Elapsed().Seconds(), "bytes/s")
}

// defaultAllocators builds, once, the scenario from its catalogue defaults
// and one allocator per goroutine, as Run builds them.
func defaultAllocators(tb testing.TB) []*allocator {
	tb.Helper()
	steady.once.Do(func() {
		v, err := catalog.Parse(&catalog.Alloc, nil)
		if err != nil {
			steady.err = err
			return
		}
		wl, err := New(v, scenario.Env{})
		if err != nil {
			steady.err = err
			return
		}
		w := wl.(*workload)
		pools := newPools(w)
		for g := range w.goroutines {
			steady.allocs = append(steady.allocs, &allocator{w: w, pools: pools, ring: make([]obj, w.slots),
				rng: rand.New(rand.NewPCG(uint64(g), 0x5eed))})
		}
	})
	if steady.err != nil {
		tb.Fatalf("build alloc workload from defaults: %v", steady.err)
	}
	return steady.allocs
}
