package localexec

import (
	"context"
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
	for _, f := range []string{result.FlagThrottledAbove, result.FlagCPUShared, result.FlagMemoryShared} {
		if !slices.Contains(h.Flags, f) {
			t.Errorf("flags %v lack %s", h.Flags, f)
		}
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
