package report

import (
	"strings"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// TestMissingLines says once per missing code in how many runs and which
// variants the service did not expose it, and how to get it back;
// nothing when all was read.
func TestMissingLines(t *testing.T) {
	run := func(outcome string, missing ...string) labv1.RunStatus {
		return labv1.RunStatus{Outcome: outcome, Summary: &labv1.RunSummary{Missing: missing}}
	}
	exp := &labv1.Experiment{Status: labv1.ExperimentStatus{Variants: []labv1.VariantStatus{
		{Name: "v000", Runs: []labv1.RunStatus{run(labv1.OutcomeCompleted, result.MissingSched), run(labv1.OutcomeCompleted), run(labv1.OutcomeError, result.MissingMetrics)}},
		{Name: "v001", Runs: []labv1.RunStatus{run(labv1.OutcomeCompleted)}},
	}}}
	got := strings.Join(missingLines(exp), "\n")
	for _, want := range []string{"absent, not zero", "sched-latency missing in 1 of 3 runs (v000)", "collectors.MetricsScheduler"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "v001") || strings.Contains(got, "metrics missing") || strings.Count(got, "\n") != 1 {
		t.Errorf("a variant that read all, or a failed run, is listed:\n%s", got)
	}
	exp.Status.Variants = exp.Status.Variants[1:]
	if l := missingLines(exp); l != nil {
		t.Errorf("got %q, want nothing when all was read", l)
	}
}
