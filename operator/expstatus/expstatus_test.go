package expstatus

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// TestSetCountsAndConditions: counts, progress and the conditions follow
// the runs' outcomes, and the status Set writes passes Check.
func TestSetCountsAndConditions(t *testing.T) {
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "counts"}, Spec: labv1.ExperimentSpec{
		Scenario: labv1.ScenarioSpec{GC: &labv1.GCScenario{}}, Repetitions: 2,
		Duration: metav1.Duration{Duration: time.Second},
		Matrix:   labv1.Matrix{GOMAXPROCS: []string{"1", "2"}, Memory: []labv1.MemorySetting{{Limit: ptr.To("256Mi")}}},
	}}
	p, err := plan.New(&exp.Spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := &labv1.RunSummary{Figures: map[string]float64{"ops/s": 5}}
	tests := []struct {
		name     string
		outcomes []string
		want     labv1.RunCounts
		progress string
		phase    string
	}{
		{"none started", []string{"Pending", "Pending", "Pending", "Pending"}, labv1.RunCounts{Total: 4, Pending: 4}, "0/4", labv1.PhasePending},
		{"under way", []string{"Completed", "Running", "Pending", "Pending"}, labv1.RunCounts{Total: 4, Pending: 2, Running: 1, Succeeded: 1}, "1/4", labv1.PhaseRunning},
		{"done, some failed", []string{"Completed", "OOMKilled", "DeadlineExceeded", "Completed"}, labv1.RunCounts{Total: 4, Succeeded: 2, Failed: 2}, "4/4", labv1.PhaseComplete},
		{"nothing usable", []string{"Error", "Deleted", "Evicted", "DeadlineExceeded"}, labv1.RunCounts{Total: 4, Failed: 4}, "4/4", labv1.PhaseFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := exp.DeepCopy()
			statuses := make([]labv1.RunStatus, len(p.Runs))
			for i, r := range p.Runs {
				statuses[i] = labv1.RunStatus{Index: int32(r.Index), Outcome: tt.outcomes[i]}
				if tt.outcomes[i] != labv1.OutcomePending {
					statuses[i].Attempt = 1
				}
				if tt.outcomes[i] == labv1.OutcomeCompleted {
					statuses[i].Summary = done
				}
			}
			Set(e, p.Variants, p.Runs, statuses, p.Objective, metav1.Now())
			if e.Status.Runs != tt.want || e.Status.Progress != tt.progress || e.Status.Phase != tt.phase {
				t.Errorf("got %+v %s %s, want %+v %s %s", e.Status.Runs, e.Status.Progress, e.Status.Phase, tt.want, tt.progress, tt.phase)
			}
			if errs := Check(e); len(errs) > 0 {
				t.Errorf("the status Set wrote fails Check: %v", errs)
			}
		})
	}
}
