package localexec

import (
	"context"
	"runtime"
	"slices"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// TestPodLimitIsSharedWithASidecar builds the pod-level shape locally: a
// pod cgroup with half a CPU and 256Mi, a sidecar in it burning 0.2 CPU
// and holding 32Mi, and the workload beside it, first without limits of
// its own (it gets the pod's, as the kubelet does), then with a quarter
// CPU of its own. The first run's own cgroup barely throttles while the
// pod's does most of the time, and the summary says so: the effective
// limits are the pod's, and the flags name the throttling above and the
// shared budgets. The second's own quota is the effective one.
func TestPodLimitIsSharedWithASidecar(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: pod-shape}
spec:
  scenario: {scheduler: {goroutines: 8}}
  matrix:
    cpu: [{}, {limit: 250m}]
  pod:
    limits: {cpu: 500m, memory: 256Mi}
    sidecar: {cpu: 200m, memory: 32Mi}
  duration: 3s
  warmup: 1s
  repetitions: 1
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	for _, v := range exp.Status.Variants {
		if r := v.Runs[0]; r.Outcome != labv1.OutcomeCompleted {
			t.Fatalf("%s: %s (%s), want Completed: a container without limits may read its pod's", v.Name, r.Outcome, r.Reason)
		}
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	shared, own := runs["v000-r0"], runs["v001-r0"]
	if shared == nil || own == nil || shared.Hierarchy == nil || own.Hierarchy == nil {
		t.Fatalf("summaries without a hierarchy: %+v %+v", shared, own)
	}
	h := shared.Hierarchy
	var pod result.Level
	for _, l := range h.Levels {
		if l.Up == 1 {
			pod = l
		}
	}
	t.Logf("no limit of its own: own cpu limit %.2f, %.0f%% of periods throttled, %.2f cores; pod: limit %.2f, %.0f%% throttled, %.2f cores, memory peak %d MiB (own %d MiB); flags %v",
		shared.Settings.CPULimitCores, 100*shared.CPU.ThrottledRatio, shared.CPU.Cores, pod.CPULimitCores, 100*pod.ThrottledRatio, pod.Cores,
		pod.MemoryPeakBytes>>20, shared.Memory.PeakBytes>>20, h.Flags)
	if shared.Settings.CPULimitCores != 0.5 || h.CPULimitCores != 0.5 || h.CPULimitUp != 1 || h.MemoryLimitBytes != 256<<20 || h.MemoryLimitUp != 1 {
		t.Errorf("own limit %.2f, effective %.2f at up %d, memory %d at up %d; want the pod's 0.5 copied into its own cgroup, effective 0.5 and 256Mi one level up",
			shared.Settings.CPULimitCores, h.CPULimitCores, h.CPULimitUp, h.MemoryLimitBytes, h.MemoryLimitUp)
	}
	if pod.CPULimitCores != 0.5 || pod.ThrottledRatio < 0.5 || pod.ThrottledRatio < shared.CPU.ThrottledRatio+0.2 {
		t.Errorf("pod level: limit %.2f, throttled %.2f (own %.2f), want 0.5 and throttled in most periods, well above the own cgroup",
			pod.CPULimitCores, pod.ThrottledRatio, shared.CPU.ThrottledRatio)
	}
	for _, f := range []string{result.FlagThrottledAbove, result.FlagMemoryShared} {
		if !slices.Contains(h.Flags, f) {
			t.Errorf("flags %v lack %s", h.Flags, f)
		}
	}
	// The sidecar's share is the kernel's to give: it got 0.02 of the pod's
	// 0.5 cores once in 20 runs beside a CPU-bound neighbour, and 0.18-0.2
	// otherwise. The flag must say what the figures say.
	if sidecar := pod.Cores - shared.CPU.Cores; sidecar > 0.05 && !slices.Contains(h.Flags, result.FlagCPUShared) {
		t.Errorf("the sidecar used %.2f of the pod's cores, but flags %v lack %s", sidecar, h.Flags, result.FlagCPUShared)
	} else if sidecar <= 0.05 {
		t.Logf("the sidecar got only %.2f cores (a busy machine): %s not checked", sidecar, result.FlagCPUShared)
	}
	if got := shared.PathThrottled(); got != pod.ThrottledRatio {
		t.Errorf("path-throttled-frac %.2f, want the pod's %.2f", got, pod.ThrottledRatio)
	}
	if r := exp.Status.Variants[0].Runs[0]; !slices.Contains(r.Summary.Flags, result.FlagThrottledAbove) {
		t.Errorf("the status's run summary lacks the flags: %v", r.Summary.Flags)
	}

	oh := own.Hierarchy
	t.Logf("a quarter CPU of its own: own %.0f%% throttled; effective %.2f at up %d; flags %v", 100*own.CPU.ThrottledRatio, oh.CPULimitCores, oh.CPULimitUp, oh.Flags)
	if own.Settings.CPULimitCores != 0.25 || oh.CPULimitCores != 0.25 || oh.CPULimitUp != 0 {
		t.Errorf("own limit %.2f, effective %.2f at up %d, want 0.25 in its own cgroup", own.Settings.CPULimitCores, oh.CPULimitCores, oh.CPULimitUp)
	}
	if slices.Contains(oh.Flags, result.FlagThrottledAbove) || slices.Contains(oh.Flags, result.FlagCPUShared) {
		t.Errorf("flags %v: its own quota is the one that binds, want no CPU flag", oh.Flags)
	}
}

// TestResizeSplitsTheWindow resizes a run in place, as spec.resizes asks:
// half a CPU and 128Mi, then 1.5 CPUs and 256Mi two seconds into the
// window. The summary splits the window at the change, seen within the
// workload's 100 ms look, with more CPU and less throttling after it;
// GOMEMLIMIT stays where it was (nothing in the runtime reads a memory
// limit), and GOMAXPROCS is what the runtime's rule gives for each limit
// (on a 2-CPU machine 2 for both, so it does not move).
func TestResizeSplitsTheWindow(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: resize}
spec:
  scenario: {scheduler: {goroutines: 8}}
  matrix:
    cpu: [{limit: 500m}]
    memory: [{limit: 128Mi}]
  resizes:
  - {after: 2s, cpu: 1500m, memory: 256Mi}
  duration: 4s
  warmup: 1s
  repetitions: 1
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	if r := exp.Status.Variants[0].Runs[0]; r.Outcome != labv1.OutcomeCompleted {
		t.Fatalf("run: %s (%s), want Completed", r.Outcome, r.Reason)
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := runs["v000-r0"]
	if s == nil || len(s.Limits) != 2 {
		t.Fatalf("limit segments: %+v, want two: before and after the resize", s)
	}
	a, b := s.Limits[0], s.Limits[1]
	t.Logf("before: %.2f CPU %d MiB, GOMAXPROCS %d, %.2f cores, %.0f%% throttled, sched p99 %.1f ms; after %.2f s: %.2f CPU %d MiB, GOMAXPROCS %d (want %d), %.2f cores, %.0f%% throttled, sched p99 %.1f ms; GOMEMLIMIT %d then %d",
		a.CPULimitCores, a.MemoryLimitBytes>>20, a.GOMAXPROCS, a.Cores, 100*a.ThrottledRatio, 1000*a.SchedP99,
		b.AtS, b.CPULimitCores, b.MemoryLimitBytes>>20, b.GOMAXPROCS, b.GOMAXPROCSWant, b.Cores, 100*b.ThrottledRatio, 1000*b.SchedP99, a.GOMEMLIMIT, b.GOMEMLIMIT)
	if a.CPULimitCores != 0.5 || a.MemoryLimitBytes != 128<<20 || b.CPULimitCores != 1.5 || b.MemoryLimitBytes != 256<<20 {
		t.Errorf("limits %g/%d then %g/%d, want 0.5/128Mi then 1.5/256Mi", a.CPULimitCores, a.MemoryLimitBytes, b.CPULimitCores, b.MemoryLimitBytes)
	}
	// The window starts after the process's warmup (and its start-up), so
	// the resize lands about 2 s in, a little earlier as the workload sees it.
	if b.AtS < 1.4 || b.AtS > 2.6 {
		t.Errorf("the change was seen %.2f s into the window, want about 2", b.AtS)
	}
	if a.GOMEMLIMIT != b.GOMEMLIMIT {
		t.Errorf("GOMEMLIMIT %d then %d: nothing in the runtime follows a memory limit", a.GOMEMLIMIT, b.GOMEMLIMIT)
	}
	if want := result.GOMAXPROCSFor(1.5, runtime.NumCPU()); b.GOMAXPROCSWant != want || b.GOMAXPROCS != want {
		t.Errorf("GOMAXPROCS after %d (want %d by the rule), got %d", b.GOMAXPROCS, want, b.GOMAXPROCSWant)
	}
	// Eight busy goroutines on two Ps overrun half a CPU in most periods;
	// a CPU-bound neighbour leaves them one CPU, which still does (CI saw
	// 0.75 of periods then).
	if a.ThrottledRatio < 0.5 {
		t.Errorf("before: %.2f of periods throttled, want most: 8 goroutines under half a CPU", a.ThrottledRatio)
	}
	// More CPU after the quota tripled needs a machine that has it to give.
	if b.Cores < a.Cores+0.3 {
		if s.Machine.OtherCores > 0.5 {
			t.Logf("cores %.2f then %.2f: the rest of the machine used %.2f cores, so the larger quota could not be checked", a.Cores, b.Cores, s.Machine.OtherCores)
		} else {
			t.Errorf("cores %.2f then %.2f, want clearly more after the quota tripled", a.Cores, b.Cores)
		}
	}
}
