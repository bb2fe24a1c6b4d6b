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
