package timers

import (
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// BenchmarkTimers is the bare cost of one timer firing: a goroutine
// re-arms a time.Timer with the shortest interval the catalogue allows
// and waits for it, b.N times, recording each lateness as the scenario
// does, with nothing of the driver, meter or telemetry around it.
func BenchmarkTimers(b *testing.B) {
	const interval = 10 * time.Microsecond
	shard := scenario.NewMeter().Latency(latencyName).Shard()
	t := time.NewTimer(interval)
	defer t.Stop()
	for b.Loop() {
		due := <-t.C
		shard.Record(time.Since(due))
		t.Reset(interval)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fires/s")
}
