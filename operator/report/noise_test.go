package report

import (
	"math"
	"strings"
	"testing"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

func TestSpearman(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		{name: "same order", x: []float64{1, 2, 3, 4}, y: []float64{10, 20, 30, 40}, want: 1},
		{name: "monotone, not linear", x: []float64{1, 2, 3, 4}, y: []float64{1, 8, 27, 1000}, want: 1},
		{name: "reversed", x: []float64{1, 2, 3}, y: []float64{3, 2, 1}, want: -1},
		{name: "ties share their rank", x: []float64{1, 1, 2, 3}, y: []float64{5, 5, 6, 7}, want: 1},
	}
	for _, tt := range tests {
		if got := spearman(tt.x, tt.y); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := spearman([]float64{1}, []float64{2}); !math.IsNaN(got) {
		t.Errorf("one pair: got %v, want NaN", got)
	}
}

// variantRuns makes completed scheduler runs with (other cores, tasks/s)
// pairs.
func variantRuns(name string, pairs ...[2]float64) labv1.VariantStatus {
	v := labv1.VariantStatus{Name: name}
	for i, p := range pairs {
		v.Runs = append(v.Runs, labv1.RunStatus{Index: int32(i), Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{
			Figures: map[string]float64{catalog.FigureMachineOther: p[0], "tasks/s": p[1]}}})
	}
	return v
}

func TestNoiseLines(t *testing.T) {
	quiet := variantRuns("v000", [2]float64{0.05, 100}, [2]float64{0.1, 102}, [2]float64{0.02, 98})
	// The busier the machine, the fewer tasks: the spread is the neighbours'.
	follows := variantRuns("v001", [2]float64{0.1, 100}, [2]float64{0.9, 70}, [2]float64{0.3, 95},
		[2]float64{1.2, 60}, [2]float64{0.2, 97}, [2]float64{0.6, 80})
	// A steady neighbour: every run busy alike, and a chance correlation.
	steady := variantRuns("v002", [2]float64{1.15, 100}, [2]float64{1.18, 102}, [2]float64{1.12, 98},
		[2]float64{1.2, 103}, [2]float64{1.16, 101}, [2]float64{1.14, 99}, [2]float64{1.13, 97}, [2]float64{1.17, 101})
	tests := []struct {
		name     string
		variants []labv1.VariantStatus
		want     []string
		not      []string
	}{
		{name: "quiet", variants: []labv1.VariantStatus{quiet}, want: []string{"Machine: quiet during all 3 measured runs (the rest of it used at most 0.10 cores)"}},
		{name: "busy runs and a variant that follows them", variants: []labv1.VariantStatus{quiet, follows},
			want: []string{"Busy machine: 3 of 9 runs", "v001-r1 (0.90 cores)", "v001-r3 (1.20 cores)", "v001-r5 (0.60 cores)",
				"v001's tasks/s follows the rest of the machine's CPU (Spearman ρ=-1.00 over 6 runs)"},
			not: []string{"v000's tasks/s follows"}},
		{name: "a steady neighbour: counted, and no correlation claimed", variants: []labv1.VariantStatus{steady},
			want: []string{"Busy machine: 8 of 8 runs", "and 2 more; the rest used 1.12 to 1.20 cores"}, not: []string{"follows"}},
		{name: "no machine figures recorded", variants: []labv1.VariantStatus{{Name: "v000", Runs: []labv1.RunStatus{
			{Outcome: labv1.OutcomeCompleted, Summary: &labv1.RunSummary{Figures: map[string]float64{"tasks/s": 1}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := &labv1.Experiment{}
			exp.Status.Scenario = "scheduler"
			exp.Status.Variants = tt.variants
			got := strings.Join(noiseLines(exp), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("has %q:\n%s", n, got)
				}
			}
			if tt.want == nil && got != "" {
				t.Errorf("got %q, want nothing", got)
			}
		})
	}
}
