package recommend

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

func f(v float64) *float64 { return &v }

// variant builds a variant with completed runs and the given medians.
func variant(name, cpu string, outcomes []string, medians map[string]float64) labv1.VariantStatus {
	v := labv1.VariantStatus{Name: name, Knobs: labv1.Knobs{CPULimit: cpu}}
	for _, o := range outcomes {
		v.Runs = append(v.Runs, labv1.RunStatus{Outcome: o})
	}
	for k, m := range medians {
		v.Aggregates = append(v.Aggregates, labv1.Aggregate{Figure: k, Median: m, N: 3})
	}
	return v
}

var done3 = []string{labv1.OutcomeCompleted, labv1.OutcomeCompleted, labv1.OutcomeCompleted}

func TestRecommend(t *testing.T) {
	variants := []labv1.VariantStatus{
		variant("v000", "250m", done3, map[string]float64{"lat-p99-s": 0.080, "req/s": 500}),
		variant("v001", "500m", done3, map[string]float64{"lat-p99-s": 0.015, "req/s": 500}),
		variant("v002", "1", done3, map[string]float64{"lat-p99-s": 0.004, "req/s": 500}),
		variant("v003", "100m", []string{labv1.OutcomeOOMKilled}, nil),
	}
	slo := []labv1.Constraint{{Metric: "lat-p99-s", Max: f(0.020)}}
	tests := []struct {
		name     string
		o        plan.Objective
		want     string
		inReason []string
	}{
		{name: "cheapest meeting the SLO", o: plan.Objective{Metric: "lat-p99-s", Minimize: true, Constraints: slo, PreferCheapest: true},
			want: "v001", inReason: []string{"v001 (cpu=500m)", "cheapest", "lat-p99-s ≤ 0.02", "v000: lat-p99-s 0.08 > 0.02", "v003: 1 OOM-killed run(s)"}},
		{name: "best metric when not preferring cheap", o: plan.Objective{Metric: "lat-p99-s", Minimize: true, Constraints: slo},
			want: "v002", inReason: []string{"best lat-p99-s"}},
		{name: "nothing meets an impossible SLO", o: plan.Objective{Metric: "lat-p99-s", Minimize: true, PreferCheapest: true,
			Constraints: []labv1.Constraint{{Metric: "lat-p99-s", Max: f(0.001)}}},
			want: "", inReason: []string{"no variant meets the objective", "v002: lat-p99-s 0.004 > 0.001"}},
		{name: "maximize", o: plan.Objective{Metric: "req/s"}, want: "v000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Recommend(tt.o, variants)
			if got.Variant != tt.want {
				t.Errorf("variant: got %q, want %q (reason %q)", got.Variant, tt.want, got.Reason)
			}
			for _, s := range tt.inReason {
				if !strings.Contains(got.Reason, s) {
					t.Errorf("reason %q lacks %q", got.Reason, s)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	spec := labv1.ExperimentSpec{Scenario: labv1.ScenarioSpec{Service: &labv1.ServiceScenario{}}, Duration: metav1.Duration{}}
	got, err := plan.ResolveObjective(&spec)
	if err != nil {
		t.Fatal(err)
	}
	want := plan.Objective{Metric: "req/s", Minimize: false, PreferCheapest: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default objective (-want +got):\n%s", diff)
	}
	spec.Objective = &labv1.Objective{Metric: "lat-p99-s"}
	if got, _ := plan.ResolveObjective(&spec); !got.Minimize {
		t.Error("lat-p99-s: got maximize, want minimize (the figure's own direction)")
	}
	spec.Objective = &labv1.Objective{Metric: "latency"}
	if _, err := plan.ResolveObjective(&spec); err == nil || !strings.Contains(err.Error(), `spec.objective.metric "latency": not a figure of service; use one of req/s`) {
		t.Errorf("unknown metric: got %v", err)
	}
}
