package stack

import (
	"runtime"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// BenchmarkStack is one bare cycle per iteration with the catalogue's
// defaults: every goroutine recurses, meets the others at the bottom,
// returns, and one GC shrinks the stacks, with nothing of the driver,
// meter or telemetry around it.
func BenchmarkStack(b *testing.B) {
	v, err := catalog.Parse(&catalog.Stack, nil)
	if err != nil {
		b.Fatal(err)
	}
	wl, err := New(v, scenario.Env{})
	if err != nil {
		b.Fatal(err)
	}
	w := wl.(*workload)
	c := w.startCrew()
	defer c.stop()
	var atDepth uint64
	for b.Loop() {
		atDepth = c.cycle()
		runtime.GC()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	b.ReportMetric(float64(atDepth), "stack-depth-B")
}
