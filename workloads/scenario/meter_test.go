package scenario

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMeter(t *testing.T) {
	m := NewMeter()
	a := m.Counter("a", "first")
	if again := m.Counter("a", "first"); again != a {
		t.Error("registering a name twice: got a new counter, want the same one")
	}
	m.Counter("b", "second").Add(5)
	a.Add(2)
	a.Add(3)
	if diff := cmp.Diff(map[string]uint64{"a": 5, "b": 5}, m.Snapshot()); diff != "" {
		t.Errorf("Snapshot mismatch (-want +got):\n%s", diff)
	}
	w := Window{Seconds: 2, Counters: map[string]uint64{"a": 10}}
	if got := w.Rate("a"); got != 5 {
		t.Errorf("Rate: got %v, want 5", got)
	}
	if got := (Window{}).Rate("a"); got != 0 {
		t.Errorf("Rate of an empty window: got %v, want 0", got)
	}
}

func TestLatencyWindow(t *testing.T) {
	m := NewMeter()
	l := m.Latency("rtt")
	a, b := l.Shard(), l.Shard()
	for range 100 {
		a.Record(time.Millisecond) // before the window
	}
	start := m.Latencies()["rtt"]
	for i := range 1000 {
		b.Record(time.Duration(i+1) * time.Microsecond)
	}
	a.Record(time.Hour) // clamped to the 5 minute ceiling
	q := m.Latencies()["rtt"].Since(start)
	if q.Count != 1001 {
		t.Errorf("Count: got %d, want 1001 (the 100 before the window excluded)", q.Count)
	}
	near := func(got, want time.Duration) bool { return got >= want*99/100 && got <= want*101/100 }
	if !near(q.P50, 500*time.Microsecond) || !near(q.P99, 990*time.Microsecond) || !near(q.Max, 5*time.Minute) {
		t.Errorf("got p50 %v p99 %v max %v, want ≈500µs, ≈990µs, ≈5m", q.P50, q.P99, q.Max)
	}
	if empty := (LatencySnapshot{}).Since(LatencySnapshot{}); empty.Count != 0 {
		t.Errorf("empty snapshot: got count %d, want 0", empty.Count)
	}
}
