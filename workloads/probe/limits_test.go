package probe

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// TestSegments: a window with one resize has two segments; the second
// says how long after the change GOMAXPROCS moved, and the rule's value
// for each limit; a watch that saw no change has none.
func TestSegments(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64, usage, periods, throttled uint64) Sample {
		return Sample{At: t0.Add(time.Duration(s * float64(time.Second))),
			Cgroup: cgroup.Stats{Version: 2, HasCPU: true, CPUUsageNanos: usage, Periods: periods, ThrottledPeriods: throttled}}
	}
	w := &LimitWatch{segs: []segment{
		{begin: at(0, 0, 0, 0), cpu: 0.5, procs0: 2, procs: 2, memLimit: math.MaxInt64},
		{begin: at(2, 1e9, 20, 19), cpu: 4, procs0: 2, procs: 4, memLimit: math.MaxInt64,
			changedAt: t0.Add(2 * time.Second), procsAt: t0.Add(2*time.Second + 1100*time.Millisecond)},
	}}
	got := w.Segments(at(4, 7e9, 40, 19))
	if len(got) != 2 {
		t.Fatalf("segments: %d, want 2", len(got))
	}
	a, b := got[0], got[1]
	if a.AtS != 0 || a.Cores != 0.5 || a.ThrottledRatio != 0.95 || a.GOMAXPROCSAfterS != 0 {
		t.Errorf("first: %+v, want at 0, 0.5 cores, 0.95 throttled, GOMAXPROCS unmoved", a)
	}
	if b.AtS != 2 || b.Cores != 3 || b.ThrottledRatio != 0 || b.GOMAXPROCS != 4 || math.Abs(b.GOMAXPROCSAfterS-1.1) > 1e-9 {
		t.Errorf("second: %+v, want at 2 s, 3 cores, none throttled, GOMAXPROCS 4 after 1.1 s", b)
	}
	if w.segs = w.segs[:1]; w.Segments(at(4, 7e9, 40, 19)) != nil {
		t.Error("no change: want no segments")
	}
	var none *LimitWatch
	none.Stop()
	if none.Segments(Sample{}) != nil {
		t.Error("nil watch: want no segments")
	}
}

// TestLookCoalescesOneResize: a resize written in two parts (memory, then
// CPU) and seen between them is one segment; a change a second later is
// another.
func TestLookCoalescesOneResize(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cpu.max", "50000 100000\n")
	write("memory.max", "134217728\n")
	write("cpu.stat", "usage_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n")
	write("memory.current", "1048576\n")
	p := New(cgroup.NewV2(dir))
	w := &LimitWatch{p: p, segs: []segment{{begin: p.Sample(), cpu: 0.5, mem: 128 << 20, procs0: 2, procs: 2}}}
	write("memory.max", "268435456\n")
	w.look()
	write("cpu.max", "150000 100000\n")
	w.look()
	if len(w.segs) != 2 || w.segs[1].cpu != 1.5 || w.segs[1].mem != 256<<20 {
		t.Fatalf("segments %+v, want two, the second at 1.5 CPU and 256Mi", w.segs)
	}
	w.segs[1].changedAt = w.segs[1].changedAt.Add(-time.Second)
	write("cpu.max", "max 100000\n")
	w.look()
	if len(w.segs) != 3 || w.segs[2].cpu != 0 {
		t.Errorf("a change a second later: segments %+v, want a third without a CPU limit", w.segs)
	}
}
