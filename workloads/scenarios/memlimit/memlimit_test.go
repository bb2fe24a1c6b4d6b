package memlimit

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

func parse(t *testing.T, sets ...string) catalog.Values {
	t.Helper()
	v, err := catalog.Parse(&catalog.MemLimit, sets)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewSizesTheHeap(t *testing.T) {
	tests := []struct {
		name       string
		sets       []string
		limit      int64
		limitErr   error
		wantChunks int
		wantErr    []string // substrings of a *catalog.ParseError; nil means none
	}{
		{name: "bytes", sets: []string{"liveHeap=64Mi"}, wantChunks: 1024},
		{name: "bytes win over the fraction", sets: []string{"liveHeap=1Mi", "liveFraction=0.5"}, limit: 1 << 30, wantChunks: 16},
		{name: "under a chunk rounds up", sets: []string{"liveHeap=1Ki"}, wantChunks: 1},
		{name: "fraction of the limit", sets: []string{"liveHeap=0", "liveFraction=0.5"}, limit: 128 << 20, wantChunks: 1024},
		{name: "fraction over the limit", sets: []string{"liveHeap=0", "liveFraction=2"}, limit: 64 << 20, wantChunks: 2048},
		{name: "no limit", sets: []string{"liveHeap=0"},
			wantErr: []string{"parameter liveFraction:", "no memory limit", "set liveHeap"}},
		{name: "limit unreadable", sets: []string{"liveHeap=0"}, limitErr: errors.New("no /proc"),
			wantErr: []string{"parameter liveFraction:", "could not be read (no /proc)", "set liveHeap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := newWithLimit(parse(t, tt.sets...), tt.limit, tt.limitErr)
			if tt.wantErr != nil {
				var pe *catalog.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got error %v, want a *catalog.ParseError", err)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("got error %q, want it to contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if w.chunks != tt.wantChunks {
				t.Errorf("got %d chunks, want %d", w.chunks, tt.wantChunks)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	const limit = 100 << 20
	tests := []struct {
		name  string
		limit int64
		rt    result.Runtime
		peak  uint64
		want  string
	}{
		{name: "calm", limit: limit, rt: result.Runtime{GCCPUFraction: 0.1}, peak: 50 << 20, want: OutcomeSurvived},
		{name: "limiter engaged", limit: limit, rt: result.Runtime{LimiterEnabled: true, GCCPUFraction: 0.1}, want: OutcomeGCThrash},
		{name: "GC at half the CPU", limit: limit, rt: result.Runtime{GCCPUFraction: 0.5}, want: OutcomeGCThrash},
		{name: "thrash wins over near-oom", limit: limit, rt: result.Runtime{GCCPUFraction: 0.7}, peak: limit, want: OutcomeGCThrash},
		{name: "peak at 95%", limit: limit, rt: result.Runtime{GCCPUFraction: 0.49}, peak: limit * 95 / 100, want: OutcomeNearOOM},
		{name: "peak just under 95%", limit: limit, peak: limit*95/100 - 1, want: OutcomeSurvived},
		{name: "no limit, large peak", peak: 1 << 40, want: OutcomeSurvived},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &workload{limit: tt.limit}
			got := w.Outcome(scenario.Window{Seconds: 1, Runtime: tt.rt, Memory: result.Memory{PeakBytes: tt.peak}})
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunHoldsResidentHeap runs the scenario briefly: the heap must reach
// its target in its steps, really be resident (every page written), be
// churned, and Run must return once ctx ends.
func TestRunHoldsResidentHeap(t *testing.T) {
	const target = 32 << 20
	w, err := newWithLimit(parse(t, "liveHeap=32Mi", "steps=2", "stepInterval=50ms", "churnRate=64Mi"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := residentBytes(t)
	m := scenario.NewMeter()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, m) }()
	deadline := time.Now().Add(10 * time.Second)
	for w.held.Load() < target && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // some churn
	rss := residentBytes(t) - before
	held := w.held.Load()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of ctx ending")
	}
	if held != target {
		t.Errorf("held: got %d bytes, want %d", held, target)
	}
	if rss < target*8/10 {
		t.Errorf("resident memory grew by %d bytes, want at least %d of the %d held: pages left untouched", rss, target*8/10, target)
	}
	if c := m.Snapshot()["churn_bytes"]; c == 0 {
		t.Error("churn_bytes: got 0, want some churn at 64Mi/s")
	}
}

// residentBytes reads the process's resident set from /proc/self/statm.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

func TestPacerForgivesOldDebt(t *testing.T) {
	p := pacer{rate: 1 << 20, start: time.Now().Add(-10 * time.Second)} // 10 s behind
	if a := p.ahead(); a > 0 {
		t.Fatalf("ahead: got %v, want ≤ 0 (a batch is due)", a)
	}
	p.done(1 << 20) // one second's worth: more than the 100 ms of debt kept
	if a := p.ahead(); a < 800*time.Millisecond || a > time.Second {
		t.Errorf("ahead after catching up: got %v, want ≈ 900ms (only 100ms of debt kept)", a)
	}
}
