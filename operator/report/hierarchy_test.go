package report

import (
	"bytes"
	"strings"
	"testing"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func TestHierarchyLines(t *testing.T) {
	run := func(outcome string, flags ...string) labv1.RunStatus {
		return labv1.RunStatus{Outcome: outcome, Summary: &labv1.RunSummary{Flags: flags, Figures: map[string]float64{"tasks/s": 1}}}
	}
	exp := &labv1.Experiment{}
	exp.Name = "pod-limit"
	exp.Spec.Scenario.Scheduler = &labv1.SchedulerScenario{}
	exp.Status.Variants = []labv1.VariantStatus{
		{Name: "shared", Runs: []labv1.RunStatus{
			run(labv1.OutcomeCompleted, "throttled-above", "cpu-shared"), run(labv1.OutcomeCompleted, "throttled-above"),
			run(labv1.OutcomeOOMKilled, "memory-shared"), // not completed: not counted
		}},
		{Name: "own-limits", Runs: []labv1.RunStatus{run(labv1.OutcomeCompleted), run(labv1.OutcomeCompleted)}},
	}
	got := strings.Join(hierarchyLines(exp), "\n")
	for _, want := range []string{"part ways", "shared: cpu-shared in 1 of 2 runs", "shared: throttled-above in 2 of 2 runs", "path-throttled-frac"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "memory-shared") || strings.Contains(got, "own-limits") {
		t.Errorf("lines name a flag of a failed run or a variant without flags:\n%s", got)
	}
	var b bytes.Buffer
	if err := Markdown(&b, exp); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- shared: throttled-above in 2 of 2 runs") {
		t.Errorf("markdown lacks the flag list:\n%s", b.String())
	}
	exp.Status.Variants = exp.Status.Variants[1:]
	if l := hierarchyLines(exp); l != nil {
		t.Errorf("no flags: got %q, want nothing", l)
	}
	// Under spec.pod, runs that saw only their own cgroup are named.
	exp.Spec.Pod = &labv1.PodShape{Sidecar: &labv1.Sidecar{}}
	for i := range exp.Status.Variants[0].Runs {
		exp.Status.Variants[0].Runs[i].Summary.CgroupsVisible = int32(1 + i) // 1 and 2
	}
	if got := strings.Join(hierarchyLines(exp), "\n"); !strings.Contains(got, "1 of 2 runs saw only their own cgroup") {
		t.Errorf("a hidden pod level: got %q", got)
	}
}

func TestResizeLines(t *testing.T) {
	seg := func(at, cpu float64, procs, want int32, after, cores, thr, p99 float64) labv1.LimitSegment {
		return labv1.LimitSegment{AtSeconds: at, CPULimit: cpu, MemoryLimit: 128 << 20, GOMAXPROCS: procs, GOMAXPROCSWant: want,
			GOMAXPROCSAfterSeconds: after, Cores: cores, ThrottledRatio: thr, SchedP99Seconds: p99}
	}
	run := func(segs ...labv1.LimitSegment) labv1.RunStatus {
		return labv1.RunStatus{Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{Segments: segs}}
	}
	exp := &labv1.Experiment{}
	exp.Spec.Scenario.Scheduler = &labv1.SchedulerScenario{}
	exp.Status.Variants = []labv1.VariantStatus{
		{Name: "v000", Runs: []labv1.RunStatus{
			run(seg(0, 0.5, 2, 2, 0, 0.5, 0.98, 0.082), seg(6, 4, 4, 4, 1.2, 3.5, 0.1, 0.012)),
			run(seg(0, 0.5, 2, 2, 0, 0.52, 0.97, 0.080), seg(6.1, 4, 4, 4, 1.0, 3.6, 0.1, 0.011)),
			run(seg(0, 0.5, 2, 2, 0, 0.5, 1, 0.081), seg(5.9, 4, 4, 4, 1.1, 3.4, 0.1, 0.013)),
			run(), // no resize seen: not counted
		}},
		{Name: "v001", Runs: []labv1.RunStatus{run()}},
	}
	got := strings.Join(resizeLines(exp), "\n")
	want := "v000 (3 runs): at 6.0 s cpu 0.5 → 4, memory 128Mi → 128Mi; GOMAXPROCS 2 → 4 (the runtime's rule gives 4; moved after 1.1 s); cores 0.50 → 3.50, throttled 98% → 10%, sched p99 81ms → 12ms; GOMEMLIMIT unchanged"
	if !strings.Contains(got, want) || strings.Contains(got, "v001") {
		t.Errorf("got\n%s\nwant a line\n%s\nand none for v001", got, want)
	}
	exp.Status.Variants = exp.Status.Variants[1:]
	if l := resizeLines(exp); l != nil {
		t.Errorf("no resize: got %q", l)
	}
}
