package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// grid is the variant table as text cells, shared by the terminal and the
// markdown renderings so they never disagree.
type grid struct {
	figures []catalog.Figure
	rows    []gridRow
}

type gridRow struct {
	best              bool
	name, knobs, runs string
	cells             []string
}

func buildGrid(exp *labv1.Experiment, figureNames []string) (grid, error) {
	figs, err := resolveFigures(exp, figureNames)
	if err != nil {
		return grid{}, err
	}
	g := grid{figures: figs}
	best := ""
	if r := exp.Status.Recommendation; r != nil {
		best = r.Variant
	}
	for _, v := range exp.Status.Variants {
		row := gridRow{best: v.Name == best && best != "", name: v.Name, knobs: plan.Describe(v.Knobs),
			runs: runsCell(v.Runs, exp.Spec.Repetitions)}
		for _, f := range figs {
			row.cells = append(row.cells, figureCell(v.Aggregates, f))
		}
		g.rows = append(g.rows, row)
	}
	return g, nil
}

// failedOutcomes are the outcomes counted next to the completed runs, in
// the order they are listed.
var failedOutcomes = append(slices.Clone(labv1.FinalOutcomes[1:]), labv1.OutcomeRunning, labv1.OutcomePending)

// runsCell reads "3/3", or "2/3 1 OOMKilled" when some runs did not
// complete: the reader sees at once how much each median rests on.
func runsCell(runs []labv1.RunStatus, repetitions int32) string {
	count := map[string]int{}
	for _, r := range runs {
		count[r.Outcome]++
	}
	total := max(len(runs), int(repetitions))
	s := fmt.Sprintf("%d/%d", count[labv1.OutcomeCompleted], total)
	var rest []string
	for _, o := range failedOutcomes {
		if count[o] > 0 {
			rest = append(rest, fmt.Sprintf("%d %s", count[o], o))
		}
	}
	if len(rest) > 0 {
		s += " " + strings.Join(rest, ", ")
	}
	return s
}

// figureCell is "median [low, high]", or "median (n=N)" when there were
// too few runs for a confidence interval, or "-" without a median.
func figureCell(aggs []labv1.Aggregate, f catalog.Figure) string {
	for _, a := range aggs {
		if a.Figure != f.Name {
			continue
		}
		m := catalog.FormatValue(a.Median, f.Unit)
		if a.Low != nil && a.High != nil {
			return fmt.Sprintf("%s [%s, %s]", m, catalog.FormatValue(*a.Low, f.Unit), catalog.FormatValue(*a.High, f.Unit))
		}
		return fmt.Sprintf("%s (n=%d)", m, a.N)
	}
	return "-"
}

// Table prints the Experiment's variants as a terminal table: name, knobs,
// runs completed, and for each figure (the defaults when figures is empty)
// the median with its 95% confidence interval; "*" marks the recommended
// variant, and the recommendation's reason follows. An unknown figure is
// an *InputError naming the valid ones.
func Table(w io.Writer, exp *labv1.Experiment, figures []string) error {
	g, err := buildGrid(exp, figures)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintln(&b, safetext.Line(title(exp)))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"", "VARIANT", "KNOBS", "RUNS"}
	for _, f := range g.figures {
		head = append(head, f.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range g.rows {
		mark := ""
		if r.best {
			mark = "*"
		}
		cells := append([]string{mark, safetext.Line(r.name), safetext.Line(r.knobs), r.runs}, r.cells...)
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(&b, "Medians over completed runs, with [95% CI] or (n=runs) when too few runs for one; * is recommended.")
	for _, n := range resolutionNotes(g.figures) {
		fmt.Fprintln(&b, n)
	}
	for _, l := range slices.Concat(precisionLines(exp), noiseLines(exp), hierarchyLines(exp), resizeLines(exp), missingLines(exp)) {
		fmt.Fprintln(&b, safetext.Line(l))
	}
	fmt.Fprintln(&b, safetext.Line(recommendationLine(exp)))
	_, err = w.Write(b.Bytes())
	return err
}

// resolutionNotes says, for each figure measured more coarsely than the
// table prints it, how coarsely.
func resolutionNotes(figs []catalog.Figure) []string {
	var notes []string
	for _, f := range figs {
		if f.Resolution != "" {
			notes = append(notes, f.Name+": "+f.Resolution+".")
		}
	}
	return notes
}

// precisionLines say, under spec.precision, where each variant stopped.
func precisionLines(exp *labv1.Experiment) []string {
	p := exp.Spec.Precision
	if p == nil {
		return nil
	}
	out := []string{fmt.Sprintf("Precision: runs were added until the 95%% CI of %s was within ±%d%% of its median, %d runs at most:",
		objectiveMetric(exp), p.HalfWidthPercent, p.MaxRuns)}
	for _, v := range exp.Status.Variants {
		if vp := v.Precision; vp != nil {
			out = append(out, fmt.Sprintf("  %s %s: %s", v.Name, vp.State, vp.Reason))
		}
	}
	return out
}

// objectiveMetric is the objective's figure, or the scenario's first.
func objectiveMetric(exp *labv1.Experiment) string {
	if o := exp.Spec.Objective; o != nil {
		return o.Metric
	}
	if e, ok := catalog.Lookup(scenarioName(exp)); ok && len(e.Figures) > 0 {
		return e.Figures[0].Name
	}
	return ""
}

// title says what the table is about and how far the Experiment got.
func title(exp *labv1.Experiment) string {
	parts := []string{"scenario " + scenarioName(exp)}
	if p := exp.Status.Phase; p != "" {
		parts = append(parts, p)
	}
	if p := exp.Status.Progress; p != "" {
		parts = append(parts, p+" runs")
	}
	return exp.Name + ": " + strings.Join(parts, ", ")
}

func recommendationLine(exp *labv1.Experiment) string {
	r := exp.Status.Recommendation
	switch {
	case r == nil && exp.Status.Phase != "":
		return "No recommendation yet (" + exp.Status.Phase + ")."
	case r == nil:
		return "No recommendation yet."
	case r.Variant == "":
		return "No recommendation: " + r.Reason
	}
	return "Recommendation: " + r.Reason
}
