package expstatus

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// serviceExperiment crosses cpus × memories × 5 GOMAXPROCS × 8 GOGC values
// of the service scenario, the one with the most figures.
func serviceExperiment(t *testing.T, cpus, memories int) (*labv1.Experiment, []plan.Variant, []plan.Run, plan.Objective) {
	t.Helper()
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: "right-size-the-checkout-service", Namespace: "capacity"},
		Spec: labv1.ExperimentSpec{
			Scenario:    labv1.ScenarioSpec{Service: &labv1.ServiceScenario{}},
			Repetitions: 1,
			Objective: &labv1.Objective{Metric: "lat-p99-s", Constraints: []labv1.Constraint{
				{Metric: "error-frac", Max: ptr.To(0.01)}}},
		}}
	for i := range cpus {
		exp.Spec.Matrix.CPU = append(exp.Spec.Matrix.CPU, labv1.CPUSetting{Limit: ptr.To(resource.MustParse(fmt.Sprintf("%dm", 250*(i+1))))})
	}
	for i := range memories {
		exp.Spec.Matrix.Memory = append(exp.Spec.Matrix.Memory, labv1.MemorySetting{Limit: ptr.To(fmt.Sprintf("%dMi", 128*(i+1)))})
	}
	exp.Spec.Matrix.GOMAXPROCS = []string{"1", "2", "4", "8", "auto"}
	exp.Spec.Matrix.GOGC = []string{"25", "50", "100", "150", "200", "400", "800", "off"}
	variants, err := plan.Variants(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := plan.ResolveObjective(&exp.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return exp, variants, plan.Runs(variants, 1), obj
}

// completed is a finished run with every figure the service reports.
func completed(exp *labv1.Experiment, r plan.Run, i int) labv1.RunStatus {
	e, _ := catalog.Lookup("service")
	figs := map[string]float64{aggregate.FigureCores: 0.4123456, aggregate.FigureThrottled: 0.3123456,
		aggregate.FigureMemPeak: 123456789, aggregate.FigureGCCPU: 0.0523456}
	for j, f := range e.Figures {
		figs[f.Name] = 0.001234567 * float64(1+i%97+j)
	}
	start := metav1.NewTime(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(95 * time.Second))
	return labv1.RunStatus{Index: int32(r.Index), Attempt: 1, Outcome: labv1.OutcomeCompleted,
		Pod: plan.PodName(exp, r, 1, plan.RoleServer), StartTime: &start, CompletionTime: &end,
		Summary: &labv1.RunSummary{GOMAXPROCS: 2, Figures: figs, Flags: []string{"cpu-shared"}, CgroupsVisible: 1,
			Segments: []labv1.LimitSegment{{CPULimit: 0.5, GOMAXPROCS: 2, Cores: 0.5}, {AtSeconds: 5, CPULimit: 1.5, GOMAXPROCS: 2, Cores: 1.4}}}}
}

func statusBytes(t *testing.T, st *labv1.ExperimentStatus) int {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// TestLargeExperimentStatusStaysUnderBudget: 1,000 service variants with
// every figure would need about 2 MB of status, over etcd's limit; the
// status keeps the key figures instead, says so, and still recommends.
func TestLargeExperimentStatusStaysUnderBudget(t *testing.T) {
	exp, variants, runs, obj := serviceExperiment(t, 5, 5)
	if len(runs) != 1000 {
		t.Fatalf("got %d runs, want 1000", len(runs))
	}
	statuses := make([]labv1.RunStatus, len(runs))
	for i, r := range runs {
		statuses[i] = completed(exp, r, i)
	}
	full := exp.DeepCopy()
	fill(&full.Status, &full.Spec, variants, runs, statuses, obj)
	untrimmed := statusBytes(t, &full.Status)

	now := metav1.Now()
	Set(exp, variants, runs, statuses, obj, now)
	got := statusBytes(t, &exp.Status)
	t.Logf("1,000 service variants: status %d bytes with every figure, %d bytes trimmed (budget %d)", untrimmed, got, StatusBudget)
	if untrimmed <= StatusBudget {
		t.Fatalf("untrimmed status: got %d bytes, want over the %d budget (else this test proves nothing)", untrimmed, StatusBudget)
	}
	if got > StatusBudget || exp.Status.FiguresTrimmed == "" {
		t.Fatalf("got %d bytes and figuresTrimmed %q, want at most %d and a note", got, exp.Status.FiguresTrimmed, StatusBudget)
	}
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			if r.Summary != nil && (r.Summary.Segments != nil || len(r.Summary.Flags) != 1) {
				t.Fatalf("variant %s run %d: segments %v, flags %v; want the segments dropped and the flags kept", v.Name, r.Index, r.Summary.Segments, r.Summary.Flags)
			}
		}
	}
	keep := KeyFigures("service", obj)
	for _, want := range []string{"lat-p99-s", "error-frac", "cpu-cores", "throttled-frac", "mem-peak-B", "gc-cpu-frac", "req/s"} {
		if !slices.Contains(keep, want) {
			t.Errorf("key figures %v: want %s among them", keep, want)
		}
	}
	for _, v := range exp.Status.Variants {
		for _, a := range v.Aggregates {
			if !slices.Contains(keep, a.Figure) {
				t.Fatalf("variant %s: aggregate %s kept, want only key figures", v.Name, a.Figure)
			}
		}
		if _, ok := aggregate.Median(v.Aggregates, "lat-p99-s"); !ok {
			t.Fatalf("variant %s: no lat-p99-s aggregate, want the objective's figure kept", v.Name)
		}
	}
	if exp.Status.Recommendation == nil || exp.Status.Recommendation.Variant != full.Status.Recommendation.Variant {
		t.Errorf("recommendation: got %+v, want %s as with every figure", exp.Status.Recommendation, full.Status.Recommendation.Variant)
	}

	// The next pass starts from the saved (trimmed) runs: same status.
	saved := map[string]labv1.RunStatus{}
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			saved[fmt.Sprintf("%s-r%d", v.Name, r.Index)] = r
		}
	}
	again := make([]labv1.RunStatus, len(runs))
	for i, r := range runs {
		again[i] = saved[r.ID()]
	}
	before := exp.Status.DeepCopy()
	Set(exp, variants, runs, again, obj, now)
	if statusBytes(t, &exp.Status) != statusBytes(t, before) || exp.Status.Recommendation.Variant != before.Recommendation.Variant {
		t.Errorf("second pass changed the trimmed status")
	}
}

// TestSmallExperimentKeepsEveryFigure: trimming is for large Experiments only.
func TestSmallExperimentKeepsEveryFigure(t *testing.T) {
	exp, variants, runs, obj := serviceExperiment(t, 1, 1)
	statuses := make([]labv1.RunStatus, len(runs))
	for i, r := range runs {
		statuses[i] = completed(exp, r, i)
	}
	Set(exp, variants, runs, statuses, obj, metav1.Now())
	if exp.Status.FiguresTrimmed != "" {
		t.Errorf("figuresTrimmed: got %q for %d runs, want empty", exp.Status.FiguresTrimmed, len(runs))
	}
	if got, want := len(exp.Status.Variants[0].Runs[0].Summary.Figures), len(statuses[0].Summary.Figures); got != want {
		t.Errorf("run figures: got %d, want all %d", got, want)
	}
}
