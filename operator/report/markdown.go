package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Markdown writes the Experiment as a markdown report: its settings, the
// variant table with the default figures, the recommendation, and every
// run that did not complete with its reason.
func Markdown(w io.Writer, exp *labv1.Experiment) error {
	g, err := buildGrid(exp, nil)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Experiment %s\n\n", mdEscape(exp.Name))
	writeSettings(&b, exp)
	b.WriteString("## Results\n\n")
	b.WriteString("Medians over each variant's completed runs, with the 95% confidence interval in brackets, " +
		"or the number of runs when there were too few for one.\n\n")
	writeMarkdownGrid(&b, g)
	if notes := resolutionNotes(g.figures); len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
	}
	if lines := precisionLines(exp); len(lines) > 0 {
		b.WriteString("\n" + mdEscape(lines[0]) + "\n\n")
		for _, l := range lines[1:] {
			b.WriteString("- " + mdEscape(strings.TrimSpace(l)) + "\n")
		}
	}
	for _, l := range noiseLines(exp) {
		b.WriteString("\n" + mdEscape(l) + "\n")
	}
	for _, lines := range [][]string{hierarchyLines(exp), resizeLines(exp), missingLines(exp)} {
		if len(lines) > 0 {
			b.WriteString("\n" + mdEscape(lines[0]) + "\n\n")
			for _, l := range lines[1:] {
				b.WriteString("- " + mdEscape(l) + "\n")
			}
		}
	}
	b.WriteString("\n## Recommendation\n\n")
	b.WriteString(mdEscape(recommendationLine(exp)) + "\n")
	b.WriteString("\n## Failed runs\n\n")
	writeFailedRuns(&b, exp)
	_, err = w.Write(b.Bytes())
	return err
}

func writeSettings(b *bytes.Buffer, exp *labv1.Experiment) {
	s := &exp.Spec
	rows := [][2]string{
		{"Scenario", scenarioName(exp)},
		{"Parameters", paramsText(s.Scenario.Params())},
	}
	for _, ps := range s.Matrix.ParamSets {
		rows = append(rows, [2]string{"Parameter set " + ps.Name, paramsText(ps.Scenario.Params())})
	}
	if s.Image != "" {
		rows = append(rows, [2]string{"Image", s.Image})
	}
	rows = append(rows,
		[2]string{"Duration", fmt.Sprintf("%s measured after a %s warmup", s.Duration.Duration, s.Warmup.Duration)},
		[2]string{"Repetitions", strconv.Itoa(int(s.Repetitions))},
		[2]string{"Objective", objectiveText(exp)},
		[2]string{"Status", statusText(exp)},
	)
	b.WriteString("| Setting | Value |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s |\n", mdEscape(r[0]), mdEscape(r[1]))
	}
	b.WriteString("\n")
}

// paramsText lists the parameters the Experiment set; the rest take the
// scenario's defaults.
func paramsText(p map[string]string) string {
	if len(p) == 0 {
		return "defaults"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ") + " (others default)"
}

// objectiveText states the objective with its defaults resolved, as the
// recommendation applied it.
func objectiveText(exp *labv1.Experiment) string {
	o, err := plan.ResolveObjective(&exp.Spec)
	if err != nil {
		return err.Error()
	}
	goal := "maximize"
	if o.Minimize {
		goal = "minimize"
	}
	parts := []string{goal + " " + o.Metric}
	if o.PreferCheapest {
		parts[0] += ", cheapest first"
	}
	for _, c := range o.Constraints {
		f, _ := lookupFigure(exp, c.Metric)
		if c.Max != nil {
			parts = append(parts, fmt.Sprintf("%s ≤ %s", c.Metric, catalog.FormatValue(*c.Max, f.Unit)))
		}
		if c.Min != nil {
			parts = append(parts, fmt.Sprintf("%s ≥ %s", c.Metric, catalog.FormatValue(*c.Min, f.Unit)))
		}
	}
	if !o.AllowOOM {
		parts = append(parts, "no OOM kill")
	}
	return strings.Join(parts, "; ")
}

func statusText(exp *labv1.Experiment) string {
	st := exp.Status
	if st.Phase == "" {
		return "not started"
	}
	s := st.Phase
	if st.Progress != "" {
		s += ", " + st.Progress + " runs"
	}
	if st.Runs.Total > 0 {
		s += fmt.Sprintf(" (%d succeeded, %d failed)", st.Runs.Succeeded, st.Runs.Failed)
	}
	return s
}

func writeMarkdownGrid(b *bytes.Buffer, g grid) {
	head := []string{"Variant", "Knobs", "Runs"}
	for _, f := range g.figures {
		head = append(head, f.Name)
	}
	writeMarkdownRow(b, head)
	b.WriteString("|" + strings.Repeat("---|", len(head)) + "\n")
	for _, r := range g.rows {
		cells := append([]string{r.name, r.knobs, r.runs}, r.cells...)
		for i := range cells {
			cells[i] = mdEscape(cells[i])
		}
		if r.best {
			cells[0] = "**" + cells[0] + "** ★"
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}

// writeMarkdownRow writes one row of plain-text cells.
func writeMarkdownRow(b *bytes.Buffer, cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = mdEscape(c)
	}
	b.WriteString("| " + strings.Join(esc, " | ") + " |\n")
}

// writeFailedRuns lists the runs that ended without completing, because
// their reason (an OOM kill, an eviction) often explains a missing median.
func writeFailedRuns(b *bytes.Buffer, exp *labv1.Experiment) {
	var rows [][]string
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			switch r.Outcome {
			case labv1.OutcomeCompleted, labv1.OutcomePending, labv1.OutcomeRunning:
				continue
			}
			reason := r.Reason
			if reason == "" {
				reason = "-"
			}
			rows = append(rows, []string{v.Name, plan.Describe(v.Knobs), strconv.Itoa(int(r.Index)), r.Pod, r.Outcome, reason})
		}
	}
	if len(rows) == 0 {
		b.WriteString("None.\n")
		return
	}
	writeMarkdownRow(b, []string{"Variant", "Knobs", "Run", "Pod", "Outcome", "Reason"})
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		writeMarkdownRow(b, r)
	}
}

// mdEscape keeps a value from breaking a table row or turning into markup.
// mdEscape keeps any text one plain Markdown table cell or line: controls
// and newlines escaped, markup characters quoted.
var mdEscape = safetext.Markdown
