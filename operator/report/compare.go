package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// pair is a variant of A and the variant of B with the same knobs.
type pair struct {
	label string
	a, b  *labv1.VariantStatus
}

// Compare prints, benchstat-style, how each figure changed from A to B for
// every variant the two share: A's and B's median ± the 95% confidence
// interval (as a percentage, "∞" with too few runs), the change in median
// and the p-value of a Mann-Whitney U test, or "~" when the change is not
// significant at α=0.05, then the geometric mean of the medians. Variants
// are matched by their knobs, not their names, since names follow each
// Experiment's own matrix.
func Compare(w io.Writer, a, b *labv1.Experiment) error {
	if sa, sb := scenarioName(a), scenarioName(b); sa != sb {
		return inputErrorf("%s runs scenario %s and %s runs scenario %s: compare Experiments of the same scenario",
			a.Name, sa, b.Name, sb)
	}
	pairs, onlyA, onlyB := matchVariants(a, b)
	if len(pairs) == 0 {
		return inputErrorf("%s and %s have no variant with the same knobs (%s has %s; %s has %s)",
			a.Name, b.Name, a.Name, strings.Join(onlyA, ", "), b.Name, strings.Join(onlyB, ", "))
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "A: %s\nB: %s\n", safetext.Line(describeSide(a)), safetext.Line(describeSide(b)))
	buf.WriteString("Medians ± 95% CI over completed runs; vs A is B's change, ~ when not significant (Mann-Whitney U, α=0.05).\n")
	for _, f := range figures(a) {
		if err := writeFigureComparison(&buf, f, pairs); err != nil {
			return err
		}
	}
	for _, only := range []struct {
		side  string
		names []string
	}{{"A", onlyA}, {"B", onlyB}} {
		if len(only.names) > 0 {
			fmt.Fprintf(&buf, "\nOnly in %s: %s\n", only.side, safetext.Line(strings.Join(only.names, "; ")))
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func describeSide(exp *labv1.Experiment) string {
	s := exp.Name
	if exp.Spec.Image != "" {
		s += " (image " + exp.Spec.Image + ")"
	}
	if exp.Status.Progress != "" {
		s += ", " + exp.Status.Progress + " runs"
	}
	return s
}

// matchVariants pairs the variants of a and b with equal knobs. The image
// is left out of the match when neither Experiment varies it: comparing
// the same matrix on two images (two Go versions) is the common case.
func matchVariants(a, b *labv1.Experiment) (pairs []pair, onlyA, onlyB []string) {
	ignoreImage := len(a.Spec.Matrix.Images) <= 1 && len(b.Spec.Matrix.Images) <= 1
	key := func(k labv1.Knobs) labv1.Knobs {
		if ignoreImage {
			k.Image = ""
		}
		return k
	}
	inB := map[labv1.Knobs]int{}
	for j, v := range b.Status.Variants {
		inB[key(v.Knobs)] = j
	}
	matched := map[int]bool{}
	for i := range a.Status.Variants {
		va := &a.Status.Variants[i]
		j, ok := inB[key(va.Knobs)]
		if !ok {
			onlyA = append(onlyA, va.Name+" ("+plan.Describe(va.Knobs)+")")
			continue
		}
		matched[j] = true
		pairs = append(pairs, pair{label: plan.Describe(va.Knobs), a: va, b: &b.Status.Variants[j]})
	}
	for j, v := range b.Status.Variants {
		if !matched[j] {
			onlyB = append(onlyB, v.Name+" ("+plan.Describe(v.Knobs)+")")
		}
	}
	return pairs, onlyA, onlyB
}

// writeFigureComparison writes one figure's table, or nothing when no pair
// measured the figure on both sides.
func writeFigureComparison(buf *bytes.Buffer, f catalog.Figure, pairs []pair) error {
	var lines []string
	var centersA, centersB []float64
	for _, p := range pairs {
		sa, sb := runValues(p.a, f.Name), runValues(p.b, f.Name)
		if len(sa) == 0 || len(sb) == 0 {
			continue
		}
		line, ca, cb := compareSamples(f, sa, sb)
		lines = append(lines, safetext.Line(p.label)+"\t"+line)
		if ca > 0 && cb > 0 {
			centersA, centersB = append(centersA, ca), append(centersB, cb)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintf(buf, "\n%s (%s is better)\n", f.Name, f.Better)
	tw := tabwriter.NewWriter(buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tA\tB\tvs A")
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	// As in benchstat, a geomean of one row would only repeat it, and
	// values at or below zero have no geometric mean.
	if len(centersA) > 1 {
		ga, gb := geomean(centersA), geomean(centersB)
		fmt.Fprintf(tw, "geomean\t%s\t%s\t%+.2f%%\n", catalog.FormatValue(ga, f.Unit), catalog.FormatValue(gb, f.Unit), (gb/ga-1)*100)
	}
	return tw.Flush()
}

// compareSamples renders "A ± ci\tB ± ci\tdelta (p=… n=…)" and returns the
// two medians.
func compareSamples(f catalog.Figure, va, vb []float64) (string, float64, float64) {
	sa := benchmath.NewSample(va, &benchmath.DefaultThresholds)
	sb := benchmath.NewSample(vb, &benchmath.DefaultThresholds)
	suma := benchmath.AssumeNothing.Summary(sa, aggregate.Confidence)
	sumb := benchmath.AssumeNothing.Summary(sb, aggregate.Confidence)
	c := benchmath.AssumeNothing.Compare(sa, sb)
	line := fmt.Sprintf("%s ± %s\t%s ± %s\t%s (%s)",
		catalog.FormatValue(suma.Center, f.Unit), suma.PctRangeString(),
		catalog.FormatValue(sumb.Center, f.Unit), sumb.PctRangeString(),
		c.FormatDelta(suma.Center, sumb.Center), c)
	return line, suma.Center, sumb.Center
}

// runValues are a figure's values in the runs that count: completed and
// not cut short, the same runs the aggregates use.
func runValues(v *labv1.VariantStatus, figure string) []float64 {
	var out []float64
	for _, r := range v.Runs {
		if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil || r.Summary.Partial {
			continue
		}
		if x, ok := r.Summary.Figures[figure]; ok {
			out = append(out, x)
		}
	}
	return out
}

func geomean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}
