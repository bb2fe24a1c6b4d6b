package scheduler

import (
	"sync"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// BenchmarkScheduler is the bare baseline hack/bench compares the workload
// binary against: one fan-out/fan-in round per iteration, with the
// catalogue's default goroutines and calibrated work, and nothing of the
// driver, meter, telemetry or probe around it.
func BenchmarkScheduler(b *testing.B) {
	w := newDefault(b)
	if w.blockFrac > 0 || w.sysFrac > 0 {
		b.Fatalf("got blockFraction %v and syscallFraction %v by default, want 0: the baseline only covers compute tasks",
			w.blockFrac, w.sysFrac)
	}
	kinds := make([]kind, w.goroutines)
	for i := range kinds {
		kinds[i] = kindOf(i, w.blockFrac, w.sysFrac)
	}
	var wg sync.WaitGroup
	cpu := workloadtest.StartCPU()
	for b.Loop() {
		for _, k := range kinds {
			wg.Go(func() { w.task(k) })
		}
		wg.Wait()
	}
	b.ReportMetric(float64(len(kinds))*float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
	b.ReportMetric(float64(len(kinds))*float64(b.N)/cpu.Seconds(), "tasks/cpu-s")
}

// newDefault builds the scenario from its catalogue defaults, calibrating
// the CPU work before the benchmark's clock starts.
func newDefault(tb testing.TB) *workload {
	tb.Helper()
	v, err := catalog.Parse(&catalog.Scheduler, nil)
	if err != nil {
		tb.Fatalf("parse defaults: %v", err)
	}
	w, err := New(v, scenario.Env{})
	if err != nil {
		tb.Fatalf("new scheduler workload: %v", err)
	}
	return w.(*workload)
}
