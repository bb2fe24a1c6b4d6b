package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/report"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
)

// renderReport prints the results table and writes the markdown report and
// a plot of the objective against the first knob the matrix varies.
func renderReport(w io.Writer, dir string, exp *labv1.Experiment) error {
	if err := report.Table(w, exp, nil); err != nil {
		return err
	}
	var md bytes.Buffer
	if err := report.Markdown(&md, exp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, resultsdir.ReportFile), md.Bytes(), 0o644); err != nil {
		return err
	}
	files := []string{filepath.Join(dir, resultsdir.ReportFile)}
	if knob := firstVaryingKnob(exp); knob != "" && exp.Status.Runs.Succeeded > 0 {
		obj, err := plan.ResolveObjective(&exp.Spec)
		if err != nil {
			return err
		}
		for _, format := range []string{"png", "svg"} {
			b, err := report.Plot(exp, obj.Metric, knob, format, 800, 500*vg.Length(1), false)
			if err != nil {
				return err
			}
			path := filepath.Join(dir, resultsdir.PlotsDir, fmt.Sprintf("%s-vs-%s.%s", sanitize(obj.Metric), knob, format))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return err
			}
			files = append(files, path)
		}
	}
	fmt.Fprintf(w, "\nResults in %s:\n", dir)
	for _, f := range files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	return nil
}

// firstVaryingKnob is the first plottable knob with more than one value,
// in matrix order.
func firstVaryingKnob(exp *labv1.Experiment) string {
	ks := make([]labv1.Knobs, len(exp.Status.Variants))
	for i, v := range exp.Status.Variants {
		ks[i] = v.Knobs
	}
	for _, k := range plan.Varying(ks) {
		if k.Plot {
			return k.Name
		}
	}
	return ""
}

func sanitize(s string) string {
	out := []rune{}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			out = append(out, r)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}
