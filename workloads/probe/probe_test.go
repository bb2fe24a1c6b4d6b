package probe

import (
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	h := &metrics.Float64Histogram{
		Buckets: []float64{math.Inf(-1), 0, 1, 2, 4, inf},
		Counts:  []uint64{0, 50, 40, 9, 1},
	}
	tests := []struct {
		name string
		h    *metrics.Float64Histogram
		q    float64
		want float64
	}{
		// 50 values in [0,1), 40 in [1,2), 9 in [2,4), 1 in [4,∞).
		{name: "median interpolated in first bucket", h: h, q: 0.5, want: 1},
		{name: "p25 halfway through first bucket", h: h, q: 0.25, want: 0.5},
		{name: "p70 halfway through second bucket", h: h, q: 0.7, want: 1.5},
		{name: "p99 at the top of third bucket", h: h, q: 0.99, want: 4},
		{name: "p945 halfway through third bucket", h: h, q: 0.945, want: 3},
		{name: "max in open top bucket gives its lower bound", h: h, q: 1, want: 4},
		{name: "q above 1 is the max", h: h, q: 2, want: 4},
		{name: "empty", h: &metrics.Float64Histogram{Buckets: []float64{0, 1}, Counts: []uint64{0}}, q: 0.5, want: 0},
		{name: "nil", h: nil, q: 0.5, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quantile(tt.h, tt.q); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	h.Counts[4] = 0
	if got := Max(h); got != 4 {
		t.Errorf("Max: got %v, want 4", got)
	}
}

func TestHistDelta(t *testing.T) {
	a := &metrics.Float64Histogram{Buckets: []float64{0, 1, 2}, Counts: []uint64{3, 4}}
	b := &metrics.Float64Histogram{Buckets: []float64{0, 1, 2}, Counts: []uint64{5, 4}}
	d := histDelta(a, b)
	if d.Counts[0] != 2 || d.Counts[1] != 0 {
		t.Errorf("got counts %v, want [2 0]", d.Counts)
	}
	if got := Quantile(d, 0.99); got > 1 {
		t.Errorf("quantile of the delta: got %v, want at most 1 (the old counts must not count)", got)
	}
}

var sink []byte

// TestWindowSeesGC reads the real runtime: two forced GCs between samples
// must show as two cycles, with pauses, and allocation must be counted.
func TestWindowSeesGC(t *testing.T) {
	p := New(nil)
	a := p.Sample()
	for range 1000 {
		sink = make([]byte, 1024)
	}
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	b := p.Sample()
	r := Runtime(a, b)
	if r.GCCycles < 2 {
		t.Errorf("GCCycles: got %d, want ≥ 2", r.GCCycles)
	}
	if r.GCPauseMax <= 0 {
		t.Errorf("GCPauseMax: got %v, want > 0", r.GCPauseMax)
	}
	if r.AllocBytes < 1000*1024 {
		t.Errorf("AllocBytes: got %d, want ≥ %d", r.AllocBytes, 1000*1024)
	}
	if r.GCCPUFraction <= 0 || r.GCCPUFraction > 1 {
		t.Errorf("GCCPUFraction: got %v, want in (0, 1]", r.GCCPUFraction)
	}
	if r.Goroutines == 0 || r.HeapGoalBytes == 0 {
		t.Errorf("gauges: got goroutines %d heap goal %d, want both > 0", r.Goroutines, r.HeapGoalBytes)
	}
	s := Settings(b)
	if s.GOMAXPROCS != runtime.GOMAXPROCS(0) || s.GoVersion != runtime.Version() {
		t.Errorf("Settings: got %+v", s)
	}
}

func TestCPUWithoutCgroupUsesProcessTime(t *testing.T) {
	p := New(nil)
	a := p.Sample()
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	c := CPU(a, p.Sample())
	if c.UsageSeconds < 0.02 {
		t.Errorf("UsageSeconds: got %v, want ≥ 0.02 after spinning 50ms", c.UsageSeconds)
	}
	if c.Periods != 0 || c.ThrottledRatio != 0 {
		t.Errorf("got throttling %+v without a cgroup, want none", c)
	}
}

func TestCPUFromCgroup(t *testing.T) {
	a := Sample{At: time.Unix(0, 0), Cgroup: cgroup.Stats{HasCPU: true, CPUUsageNanos: 1e9, Periods: 10, ThrottledPeriods: 2, ThrottledNanos: 5e8}}
	b := Sample{At: time.Unix(2, 0), Cgroup: cgroup.Stats{HasCPU: true, CPUUsageNanos: 2e9, Periods: 30, ThrottledPeriods: 17, ThrottledNanos: 15e8}}
	c := CPU(a, b)
	if c.UsageSeconds != 1 || c.Cores != 0.5 || c.Periods != 20 || c.ThrottledPeriods != 15 || c.ThrottledSeconds != 1 || c.ThrottledRatio != 0.75 {
		t.Errorf("got %+v, want usage 1s, 0.5 cores, 20 periods, 15 throttled, 1s throttled, ratio 0.75", c)
	}
}

// TestCPUProfileBreakdown parses a real CPU profile of an allocation loop:
// most samples must be inside runtime.mallocgc.
func TestCPUProfileBreakdown(t *testing.T) {
	prof, err := StartCPUProfile()
	if err != nil {
		t.Skipf("cannot profile here: %v", err)
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		for range 1000 {
			sink = make([]byte, 64)
		}
	}
	b, err := prof.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if b.Samples < 5 {
		t.Skipf("only %d samples; machine too busy to judge", b.Samples)
	}
	if b.Malloc < 0.2 || b.Malloc > 1 {
		t.Errorf("Malloc share of an allocation loop: got %v, want between 0.2 and 1", b.Malloc)
	}
}

// TestMachineSeesANeighbour: a CPU-bound child process is the rest of the
// machine to this one; over a second it shows as other cores, and this
// process's own CPU is not counted in them.
func TestMachineSeesANeighbour(t *testing.T) {
	workloadtest.NeedMachine(t)
	p := New(nil)
	child := exec.Command("sh", "-c", "while :; do :; done")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	time.Sleep(200 * time.Millisecond)
	a := p.Sample()
	time.Sleep(time.Second)
	b := p.Sample()
	own := (b.ProcessCPU - a.ProcessCPU).Seconds()
	m := Machine(a, b, own)
	some := "n/a (no PSI)"
	if m.CPUSomeFrac != nil {
		some = fmt.Sprintf("%.3f", *m.CPUSomeFrac)
	}
	t.Logf("machine: %d CPUs, other cores %.2f, steal %.3f, cpu some %s", m.CPUs, m.OtherCores, m.StealFrac, some)
	if m.CPUs < runtime.NumCPU() {
		t.Errorf("CPUs: got %d, want at least runtime.NumCPU() = %d", m.CPUs, runtime.NumCPU())
	}
	if m.OtherCores < 0.5 || m.OtherCores > float64(m.CPUs) {
		t.Errorf("other cores: got %.2f, want the busy child's (about 1) at least 0.5 and at most %d", m.OtherCores, m.CPUs)
	}
	if m.StealFrac < 0 || m.StealFrac > 1 {
		t.Errorf("steal: got %v, want a share", m.StealFrac)
	}
	if f := m.CPUSomeFrac; f != nil && (*f < 0 || *f > 1) {
		t.Errorf("cpu some: got %v, want a share", *f)
	}
}

// TestMachineClampsToItsCPUs: /proc/stat's ticks can count a little more
// busy time than the window holds on a saturated machine (a flake check
// saw 2.00+ other cores on 2 CPUs); the figures stay within the machine.
func TestMachineClampsToItsCPUs(t *testing.T) {
	at := time.Unix(1000, 0)
	tests := []struct {
		name                 string
		busy, steal, own     float64
		wantOther, wantSteal float64
	}{
		{"saturated, a tick over", 2.03, 0, 0, 2, 0},
		{"own CPU taken out", 2, 0, 0.5, 1.5, 0},
		{"steal over the window", 1, 2.1, 0, 1, 1},
		{"quiet", 0.1, 0, 0.05, 0.05, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Sample{At: at, machine: machineSample{ok: true, cpus: 2}}
			b := Sample{At: at.Add(time.Second), machine: machineSample{ok: true, cpus: 2, busy: tt.busy, steal: tt.steal}}
			m := Machine(a, b, tt.own)
			if math.Abs(m.OtherCores-tt.wantOther) > 1e-9 || math.Abs(m.StealFrac-tt.wantSteal) > 1e-9 {
				t.Errorf("got other %.3f steal %.3f, want %.3f and %.3f", m.OtherCores, m.StealFrac, tt.wantOther, tt.wantSteal)
			}
		})
	}
}
