package gc

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// heap is the live heap BenchmarkGC churns. It is built once per process
// and kept across the benchmark's b.N ramp, as the workload keeps its heap
// from warmup into the measured window.
var heap struct {
	once sync.Once
	w    *workload
	err  error
}

// BenchmarkGC is the bare baseline hack/bench compares the workload binary
// against: b.N unit replacements on the prepared default live heap,
// unthrottled (churnRate=0), shared out over the default mutator
// goroutines with their slots and seeds as Run assigns them, and nothing
// of the driver, meter, telemetry or probe around them.
func BenchmarkGC(b *testing.B) {
	w := preparedHeap(b)
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu := workloadtest.StartCPU()
	for g := range w.goroutines {
		steps := b.N / w.goroutines
		if g < b.N%w.goroutines {
			steps++
		}
		rng := rand.New(rand.NewPCG(uint64(g), 0x9c))
		wg.Go(func() {
			for range steps {
				w.replace(g, rng)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "ops/cpu-s")
}

// preparedHeap builds the default scenario with churnRate=0 and its live
// heap, once.
func preparedHeap(tb testing.TB) *workload {
	tb.Helper()
	heap.once.Do(func() {
		v, err := catalog.Parse(&catalog.GC, []string{"churnRate=0"})
		if err != nil {
			heap.err = err
			return
		}
		w, err := New(v, scenario.Env{})
		if err != nil {
			heap.err = err
			return
		}
		heap.w = w.(*workload)
		heap.err = heap.w.Prepare(context.Background())
	})
	if heap.err != nil {
		tb.Fatalf("prepare gc live heap: %v", heap.err)
	}
	return heap.w
}
