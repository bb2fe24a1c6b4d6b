package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// TestLargestStatusFitsInEtcd writes the status of the largest Experiment
// the API allows (1,000 runs, one variant each, of the scenario with the
// most figures) through the real API server, as the operator patches it:
// etcd must accept it.
func TestLargestStatusFitsInEtcd(t *testing.T) {
	ns := namespace(t)
	e := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "right-size-the-checkout-service", Namespace: ns},
		Spec: labv1.ExperimentSpec{
			Scenario: labv1.ScenarioSpec{Service: &labv1.ServiceScenario{}},
			Matrix: labv1.Matrix{GOMAXPROCS: []string{"1", "2", "4", "8", "auto"},
				GOGC: []string{"25", "50", "100", "150", "200", "400", "800", "off"}},
			Duration: metav1.Duration{Duration: time.Minute}, Warmup: metav1.Duration{Duration: 10 * time.Second},
			Repetitions: 1, Parallelism: 10,
			Objective: &labv1.Objective{Metric: "lat-p99-s", Constraints: []labv1.Constraint{{Metric: "error-frac", Max: ptr.To(0.01)}}},
		}}
	for i := range 5 {
		e.Spec.Matrix.CPU = append(e.Spec.Matrix.CPU, labv1.CPUSetting{Limit: ptr.To(resource.MustParse(fmt.Sprintf("%dm", 250*(i+1))))})
		e.Spec.Matrix.Memory = append(e.Spec.Matrix.Memory, labv1.MemorySetting{Limit: ptr.To(fmt.Sprintf("%dMi", 128*(i+1)))})
	}
	if err := k8s.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	variants, err := plan.Variants(&e.Spec)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := plan.ResolveObjective(&e.Spec)
	runs := plan.Runs(variants, 1)
	entry, _ := catalog.Lookup("service")
	statuses := make([]labv1.RunStatus, len(runs))
	start := metav1.Now()
	for i, r := range runs {
		figs := map[string]float64{aggregate.FigureCores: 0.41234567, aggregate.FigureThrottled: 0.31234567,
			aggregate.FigureMemPeak: 123456789, aggregate.FigureGCCPU: 0.052345678}
		for j, f := range entry.Figures {
			figs[f.Name] = 0.0012345678 * float64(1+i%97+j)
		}
		statuses[i] = labv1.RunStatus{Index: int32(r.Index), Attempt: 1, Outcome: labv1.OutcomeCompleted,
			Pod: plan.PodName(e, r, 1, plan.RoleServer), StartTime: &start, CompletionTime: &start,
			Summary: &labv1.RunSummary{GOMAXPROCS: 2, Figures: figs}}
	}
	before := e.DeepCopy()
	expstatus.Set(e, variants, runs, statuses, obj, metav1.Now())
	if err := k8s.Status().Patch(context.Background(), e, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		t.Fatalf("status of %d variants: %v", len(variants), err)
	}
	got := get(t, e)
	b, _ := json.Marshal(got)
	t.Logf("1,000 service variants: stored object %d bytes (status trimmed: %v)", len(b), got.Status.FiguresTrimmed != "")
	if got.Status.Recommendation == nil || len(got.Status.Variants) != 1000 {
		t.Errorf("stored status: got %d variants and recommendation %v", len(got.Status.Variants), got.Status.Recommendation)
	}
}
