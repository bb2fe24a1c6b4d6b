package timers

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// TestEveryKindFires runs each kind briefly: firings are counted, their
// lateness recorded and non-negative, and every goroutine and callback
// ends with Run.
func TestEveryKindFires(t *testing.T) {
	kinds, _ := catalog.Timers.Param("kind")
	for _, kind := range kinds.Values {
		t.Run(kind, func(t *testing.T) {
			v, err := catalog.Parse(&catalog.Timers, []string{"timers=8", "interval=2ms", "kind=" + kind})
			if err != nil {
				t.Fatal(err)
			}
			w, err := New(v, scenario.Env{})
			if err != nil {
				t.Fatal(err)
			}
			goroutines := runtime.NumGoroutine()
			m := scenario.NewMeter()
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := w.Run(ctx, m); err != nil {
				t.Fatalf("Run: got %v, want nil", err)
			}
			secs := time.Since(start).Seconds()
			q := m.Latencies()[latencyName].Since(scenario.LatencySnapshot{})
			fires := m.Snapshot()["fires"]
			t.Logf("%d fires in %.2fs; lateness p50 %v p99 %v max %v", fires, secs, q.P50, q.P99, q.Max)
			// 8 timers every 2ms for 0.4s fire 1600 times; a quarter
			// of that leaves room for a busy machine.
			if fires < 400 || uint64(q.Count) != fires {
				t.Errorf("got %d fires and %d lateness records, want the same number, ≥ 400", fires, q.Count)
			}
			if q.P50 <= 0 || q.P50 > q.P99 || q.P99 > q.Max {
				t.Errorf("lateness: got p50 %v p99 %v max %v, want 0 < p50 ≤ p99 ≤ max", q.P50, q.P99, q.Max)
			}
			time.Sleep(10 * time.Millisecond) // let exited goroutines be reaped from the count
			if n := runtime.NumGoroutine(); n > goroutines {
				t.Errorf("goroutines after Run: got %d, want ≤ %d as before", n, goroutines)
			}
		})
	}
}

func TestMixedSpreadsKinds(t *testing.T) {
	w := &workload{kind: kindMixed}
	count := map[string]int{}
	for i := range 100 {
		count[w.kindOf(i)]++
	}
	for _, k := range mixedKinds {
		if count[k] != 25 {
			t.Errorf("kind %s: got %d of 100 timers, want 25", k, count[k])
		}
	}
}

// TestRecorderFlushes: the counter gets a recorder's firings every 256
// firings or every 50ms of its clock, whichever comes first, so late or
// rare firings are still counted in the window they happen in.
func TestRecorderFlushes(t *testing.T) {
	tests := []struct {
		name      string
		gap       time.Duration // between firings
		firings   int
		wantCount uint64
	}{
		{name: "fast firings wait for a batch", gap: 10 * time.Microsecond, firings: 255, wantCount: 0},
		{name: "a full batch", gap: 10 * time.Microsecond, firings: 256, wantCount: 256},
		{name: "batch and a bit", gap: 10 * time.Microsecond, firings: 300, wantCount: 256},
		{name: "first firing after 50ms", gap: 50 * time.Millisecond, firings: 1, wantCount: 1},
		{name: "every 20ms", gap: 20 * time.Millisecond, firings: 5, wantCount: 3}, // three flushed at 60ms, not yet again at 100ms
		{name: "a late firing", gap: time.Second, firings: 3, wantCount: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := scenario.NewMeter()
			fires := m.Counter("fires", "")
			r := newRecorder(m.Latency("l").Shard(), fires)
			now := r.lastFlush
			for range tt.firings {
				now = now.Add(tt.gap)
				r.record(now, time.Millisecond)
			}
			if got := fires.Load(); got != tt.wantCount {
				t.Errorf("after %d firings %v apart: got %d counted, want %d", tt.firings, tt.gap, got, tt.wantCount)
			}
			r.flush()
			if got := fires.Load(); got != uint64(tt.firings) {
				t.Errorf("after flush: got %d counted, want all %d", got, tt.firings)
			}
		})
	}
}

// TestChainStopBeforeFiring: a chain stopped before its first firing runs
// no callback and releases its count at once.
func TestChainStopBeforeFiring(t *testing.T) {
	m := scenario.NewMeter()
	r := newRecorder(m.Latency("l").Shard(), m.Counter("fires", ""))
	var inflight sync.WaitGroup
	c := startChain(r, time.Second, 0, &inflight)
	c.stop()
	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(500 * time.Millisecond):
		t.Fatal("inflight.Wait: still waiting 500ms after stop, want the count released by stop")
	}
	if n := m.Latencies()["l"].Since(scenario.LatencySnapshot{}).Count; n != 0 {
		t.Errorf("got %d firings recorded, want 0", n)
	}
}
