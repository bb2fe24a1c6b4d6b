package report

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// load reads a fixture results directory under testdata/.
func load(t *testing.T, name string) *labv1.Experiment {
	t.Helper()
	exp, err := resultsdir.LoadExperiment(context.Background(), filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking the change):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		golden string
		render func(*bytes.Buffer) error
	}{
		{name: "table with default figures", golden: "table.golden", render: func(b *bytes.Buffer) error {
			return Table(b, load(t, "before"), nil)
		}},
		{name: "table with chosen figures", golden: "table-figures.golden", render: func(b *bytes.Buffer) error {
			return Table(b, load(t, "after"), []string{"req/s", "lat-p50-s", "gc-cpu-frac"})
		}},
		{name: "markdown", golden: "report.md.golden", render: func(b *bytes.Buffer) error {
			return Markdown(b, load(t, "before"))
		}},
		{name: "compare", golden: "compare.golden", render: func(b *bytes.Buffer) error {
			return Compare(b, load(t, "before"), load(t, "after"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, b.Bytes())
		})
	}
}

func TestInputErrors(t *testing.T) {
	before, after := load(t, "before"), load(t, "after")
	other := before.DeepCopy()
	other.Spec.Scenario = labv1.ScenarioSpec{GC: &labv1.GCScenario{}}
	tests := []struct {
		name string
		err  error
		want []string // in the message
	}{
		{name: "table: unknown figure", err: Table(&bytes.Buffer{}, before, []string{"lat-p98-s"}),
			want: []string{`"lat-p98-s"`, "scenario service", "lat-p99-s", "mem-peak-B"}},
		{name: "compare: different scenarios", err: Compare(&bytes.Buffer{}, before, other),
			want: []string{"scenario service", "scenario gc"}},
		{name: "compare: no shared variant", err: Compare(&bytes.Buffer{}, onlyVariant(before, 0), after),
			want: []string{"no variant with the same knobs", "cpu=500m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in *InputError
			if !errors.As(tt.err, &in) {
				t.Fatalf("got error %v, want an *InputError", tt.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(tt.err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", tt.err, w)
				}
			}
		})
	}
}

func onlyVariant(exp *labv1.Experiment, i int) *labv1.Experiment {
	out := exp.DeepCopy()
	out.Status.Variants = out.Status.Variants[i : i+1]
	return out
}

// TestResolutionNoted: a figure read from a runtime histogram says how
// coarse it is under the table, and a figure measured finely says nothing.
func TestResolutionNoted(t *testing.T) {
	exp := &labv1.Experiment{}
	exp.Name = "sched"
	exp.Status.Scenario = "scheduler"
	tests := []struct {
		figures []string
		want    bool
	}{
		{figures: []string{"sched-p99-s", "tasks/s"}, want: true},
		{figures: []string{"tasks/s"}, want: false},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Table(&b, exp, tt.figures); err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(b.String(), "sched-p99-s: runtime histogram: buckets 12.5-25% wide")
		if got != tt.want {
			t.Errorf("figures %v: resolution note shown %v, want %v:\n%s", tt.figures, got, tt.want, b.String())
		}
	}
}

// TestPrecisionShown: under spec.precision the table says what was asked
// and where each variant stopped.
func TestPrecisionShown(t *testing.T) {
	exp := &labv1.Experiment{}
	exp.Name = "p"
	exp.Status.Scenario = "scheduler"
	exp.Spec.Objective = &labv1.Objective{Metric: "tasks/s"}
	exp.Spec.Precision = &labv1.Precision{HalfWidthPercent: 5, MaxRuns: 20}
	exp.Status.Variants = []labv1.VariantStatus{
		{Name: "v000", Precision: &labv1.VariantPrecision{State: labv1.PrecisionMaxRuns, Runs: 20, Reason: "stopped at spec.precision.maxRuns (20 runs)"}},
		{Name: "v001", Precision: &labv1.VariantPrecision{State: labv1.PrecisionReached, Runs: 7, Reason: "tasks/s within ±4.2% (asked ±5%) after 7 runs"}},
	}
	var b bytes.Buffer
	if err := Table(&b, exp, []string{"tasks/s"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"95% CI of tasks/s was within ±5% of its median, 20 runs at most",
		"v000 MaxRuns: stopped at spec.precision.maxRuns (20 runs)", "v001 Reached: tasks/s within ±4.2%"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
