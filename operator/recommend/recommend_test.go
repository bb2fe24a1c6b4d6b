package recommend

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

func f(v float64) *float64 { return &v }

// variant builds a variant whose completed runs measured medians, each run
// spread by ±1% around them, and its aggregates from those runs.
func variant(name, cpu string, outcomes []string, medians map[string]float64) labv1.VariantStatus {
	v := labv1.VariantStatus{Name: name, Knobs: labv1.Knobs{CPULimit: cpu}}
	for i, o := range outcomes {
		r := labv1.RunStatus{Index: int32(i), Outcome: o}
		if o == labv1.OutcomeCompleted {
			r.Summary = &labv1.RunSummary{Figures: map[string]float64{}}
			for k, m := range medians {
				r.Summary.Figures[k] = m * (1 + 0.01*float64(i%3-1))
			}
		}
		v.Runs = append(v.Runs, r)
	}
	v.Aggregates = aggregate.Variant(v.Runs)
	return v
}

func runs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = labv1.OutcomeCompleted
	}
	return out
}

var done6 = runs(6)

func TestRecommend(t *testing.T) {
	variants := []labv1.VariantStatus{
		variant("v000", "250m", done6, map[string]float64{"lat-p99-s": 0.080, "req/s": 500}),
		variant("v001", "500m", done6, map[string]float64{"lat-p99-s": 0.015, "req/s": 500}),
		variant("v002", "1", done6, map[string]float64{"lat-p99-s": 0.004, "req/s": 500}),
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
			want: "v001", inReason: []string{"v001 (cpu=500m)", "cheapest", "lat-p99-s ≤ 20ms", "lat-p99-s median 15ms", "v000: lat-p99-s 80ms > 20ms", "v003: 1 OOM-killed run(s)"}},
		{name: "best metric when not preferring cheap", o: plan.Objective{Metric: "lat-p99-s", Minimize: true, Constraints: slo},
			want: "v002", inReason: []string{"best lat-p99-s"}},
		{name: "nothing meets an impossible SLO", o: plan.Objective{Metric: "lat-p99-s", Minimize: true, PreferCheapest: true,
			Constraints: []labv1.Constraint{{Metric: "lat-p99-s", Max: f(0.001)}}},
			want: "", inReason: []string{"no variant meets the objective", "v002: lat-p99-s 4ms > 1ms"}},
		{name: "maximize: equal throughput is a tie, the cheapest wins", o: plan.Objective{Metric: "req/s"}, want: "v000",
			inReason: []string{"v000, v001, v002 are indistinguishable on req/s", "v000 has the best median"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Recommend(tt.o, "service", variants)
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

// TestTiesBySignificance: variants of one cost whose objective the runs
// cannot tell apart are ties — the runtime's defaults win among them —
// while a real difference over six runs each decides.
func TestTiesBySignificance(t *testing.T) {
	o := plan.Objective{Metric: "sched-p99-s", Minimize: true, PreferCheapest: true}
	knob := func(v labv1.VariantStatus, g string) labv1.VariantStatus { v.Knobs.GOMAXPROCS = g; return v }
	two := runs(2)
	tests := []struct {
		name     string
		variants []labv1.VariantStatus
		want     string
		inReason []string
	}{
		{"two runs each tell nothing: the default wins", []labv1.VariantStatus{
			knob(variant("v000", "500m", two, map[string]float64{"sched-p99-s": 0.0839}), "auto"),
			knob(variant("v001", "500m", two, map[string]float64{"sched-p99-s": 0.0671}), "1"),
			knob(variant("v002", "500m", two, map[string]float64{"sched-p99-s": 0.0839}), "4"),
		}, "v000", []string{"v001, v000, v002 are indistinguishable on sched-p99-s (p=", "≥ α=0.05", "v000 sets fewer knobs"}},
		{"six runs each tell a 20% difference apart", []labv1.VariantStatus{
			knob(variant("v000", "500m", done6, map[string]float64{"sched-p99-s": 0.0839}), "auto"),
			knob(variant("v001", "500m", done6, map[string]float64{"sched-p99-s": 0.0671}), "1"),
		}, "v001", []string{"v001 (cpu=500m gomaxprocs=1)", "sched-p99-s median 67.1ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Recommend(o, "scheduler", tt.variants)
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

// TestMarginalConstraint: a median under the SLO whose interval reaches
// over it is marginal, not met.
func TestMarginalConstraint(t *testing.T) {
	o := plan.Objective{Metric: "lat-p99-s", Minimize: true, PreferCheapest: true, Constraints: []labv1.Constraint{{Metric: "lat-p99-s", Max: f(0.020)}}}
	cheap := variant("v000", "250m", done6, map[string]float64{"lat-p99-s": 0.0195})
	for i := range cheap.Aggregates {
		if cheap.Aggregates[i].Figure == "lat-p99-s" {
			cheap.Aggregates[i].Low, cheap.Aggregates[i].High = f(0.017), f(0.023)
		}
	}
	safe := variant("v001", "500m", done6, map[string]float64{"lat-p99-s": 0.008})
	got := Recommend(o, "service", []labv1.VariantStatus{cheap, safe})
	if got.Variant != "v001" || !strings.Contains(got.Reason, "v000: lat-p99-s 19.5ms is marginal: its interval [17ms, 23ms] reaches over 20ms") {
		t.Errorf("got %s (%s), want v001 with v000 rejected as marginal", got.Variant, got.Reason)
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
