package expstatus

import (
	"testing"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
)

// runsOf makes completed runs whose metric takes the given values, then
// runs with the given outcomes.
func runsOf(values []float64, outcomes ...string) []labv1.RunStatus {
	var out []labv1.RunStatus
	for _, v := range values {
		out = append(out, labv1.RunStatus{Index: int32(len(out)), Attempt: 1, Outcome: labv1.OutcomeCompleted,
			Summary: &labv1.RunSummary{Figures: map[string]float64{"tasks/s": v}}})
	}
	for _, o := range outcomes {
		out = append(out, labv1.RunStatus{Index: int32(len(out)), Attempt: 1, Outcome: o})
	}
	return out
}

func TestJudgePrecision(t *testing.T) {
	tight := []float64{100, 101, 99, 100, 102, 98} // ±2 % at most
	wide := []float64{100, 150, 60, 120, 80, 140}  // far wider than ±5 %
	p := &labv1.Precision{HalfWidthPercent: 5, MaxRuns: 8}
	tests := []struct {
		name      string
		runs      []labv1.RunStatus
		want      string
		wantWidth bool
	}{
		{name: "narrow enough", runs: runsOf(tight), want: labv1.PrecisionReached, wantWidth: true},
		{name: "too wide with runs left", runs: runsOf(wide), want: labv1.PrecisionMeasuring, wantWidth: true},
		{name: "too wide at maxRuns", runs: runsOf(append(wide, 90, 110)), want: labv1.PrecisionMaxRuns, wantWidth: true},
		{name: "too few runs for an interval", runs: runsOf(tight[:3]), want: labv1.PrecisionMeasuring},
		{name: "failed runs count toward maxRuns", runs: runsOf(wide, labv1.OutcomeError, labv1.OutcomeOOMKilled), want: labv1.PrecisionMaxRuns, wantWidth: true},
		{name: "first runs all OOM-killed", runs: runsOf(nil, labv1.OutcomeOOMKilled, labv1.OutcomeOOMKilled, labv1.OutcomeOOMKilled), want: labv1.PrecisionNoResults},
		{name: "first runs not all ended", runs: runsOf(nil, labv1.OutcomeOOMKilled, labv1.OutcomeRunning, labv1.OutcomePending), want: labv1.PrecisionMeasuring},
		{name: "an exact zero is reached", runs: runsOf([]float64{0, 0, 0, 0, 0, 0}), want: labv1.PrecisionReached, wantWidth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgePrecision(p, 3, "tasks/s", tt.runs, aggregate.Variant(tt.runs))
			if got.State != tt.want {
				t.Errorf("state %s (%s), want %s", got.State, got.Reason, tt.want)
			}
			if (got.HalfWidthPercent != nil) != tt.wantWidth {
				t.Errorf("half-width %v, want one: %v", got.HalfWidthPercent, tt.wantWidth)
			}
			if got.Runs != int32(len(tt.runs)) || got.Reason == "" {
				t.Errorf("runs %d reason %q, want %d and a reason", got.Runs, got.Reason, len(tt.runs))
			}
		})
	}
}

func TestMoreRunsWaitsForTheRound(t *testing.T) {
	exp := &labv1.Experiment{Spec: labv1.ExperimentSpec{Precision: &labv1.Precision{HalfWidthPercent: 5, MaxRuns: 20}}}
	measuring := &labv1.VariantPrecision{State: labv1.PrecisionMeasuring}
	reached := &labv1.VariantPrecision{State: labv1.PrecisionReached}
	exp.Status.Variants = []labv1.VariantStatus{
		{Name: "v000", Runs: runsOf([]float64{1, 2}), Precision: measuring},
		{Name: "v001", Runs: runsOf([]float64{1, 2}), Precision: reached},
		{Name: "v002", Runs: runsOf([]float64{1}, labv1.OutcomeOOMKilled), Precision: measuring},
	}
	if got := MoreRuns(exp); len(got) != 2 || got[0] != "v000" || got[1] != "v002" {
		t.Errorf("MoreRuns = %v, want [v000 v002]", got)
	}
	exp.Status.Variants[1].Runs = runsOf([]float64{1}, labv1.OutcomeRunning)
	if got := MoreRuns(exp); got != nil {
		t.Errorf("MoreRuns with a run going = %v, want none until the round ends", got)
	}
	exp.Spec.Precision = nil
	exp.Status.Variants[1].Runs = runsOf([]float64{1, 2})
	if got := MoreRuns(exp); got != nil {
		t.Errorf("MoreRuns without spec.precision = %v, want none", got)
	}
}
