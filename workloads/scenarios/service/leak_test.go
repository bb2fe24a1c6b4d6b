package service

import (
	"context"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// TestHeapLeakOutlivesRun: the heap the server leaked is still live after
// Run returns and a GC runs, as it is when the driver takes the window's
// last sample; exercise 7 reads the heap leak from that sample.
func TestHeapLeakOutlivesRun(t *testing.T) {
	const block = 1 << 20
	w := &workload{cfg: config{role: RoleBoth, serve: "127.0.0.1:0", rate: 200, connections: 4, timeout: time.Second,
		leakEvery: 1, leakKind: "heap", leakBytes: block}, ready: make(chan struct{})}
	m := scenario.NewMeter()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, m) }()
	deadline := time.Now().Add(10 * time.Second)
	for m.Snapshot()["leaks"] < 16 {
		if time.Now().After(deadline) {
			t.Fatalf("got %d leaks after 10s, want 16", m.Snapshot()["leaks"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	leaked := m.Snapshot()["leaks"] * block
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if live := s[0].Value.Uint64(); live < leaked {
		t.Errorf("live heap after Run returned and a GC: got %d bytes, want ≥ the %d leaked", live, leaked)
	}
	runtime.KeepAlive(w)
}
