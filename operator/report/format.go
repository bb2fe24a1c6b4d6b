package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// InputError is a request the Experiment cannot answer: an unknown figure,
// knob or format, or two Experiments that cannot be compared. Callers treat
// it as bad input rather than a failure.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErrorf(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// figures lists the figures of the Experiment's scenario in catalogue
// order, then the common ones it does not already declare.
func figures(exp *labv1.Experiment) []catalog.Figure {
	if e, ok := catalog.Lookup(scenarioName(exp)); ok {
		return e.AllFigures()
	}
	return slices.Clone(catalog.CommonFigures)
}

// lookupFigure finds a figure by name, or says which names are valid.
func lookupFigure(exp *labv1.Experiment, name string) (catalog.Figure, error) {
	all := figures(exp)
	for _, f := range all {
		if f.Name == name {
			return f, nil
		}
	}
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name
	}
	return catalog.Figure{}, inputErrorf("figure %q is not a figure of scenario %s; use one of %s",
		name, scenarioName(exp), strings.Join(names, ", "))
}

func scenarioName(exp *labv1.Experiment) string {
	if n := exp.Spec.Scenario.Name(); n != "" {
		return n
	}
	return exp.Status.Scenario
}

// defaultFigures are what a reader checks first: the objective's metric
// and constraints, then what the container cost.
func defaultFigures(exp *labv1.Experiment) []string {
	var out []string
	add := func(f string) {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if o := exp.Spec.Objective; o != nil {
		add(o.Metric)
		for _, c := range o.Constraints {
			add(c.Metric)
		}
	} else if e, ok := catalog.Lookup(exp.Spec.Scenario.Name()); ok && len(e.Figures) > 0 {
		add(e.Figures[0].Name)
	}
	add(aggregate.FigureCores)
	add(aggregate.FigureThrottled)
	add(aggregate.FigureMemPeak)
	return out
}

// resolveFigures checks the chosen figures, or picks the defaults.
func resolveFigures(exp *labv1.Experiment, names []string) ([]catalog.Figure, error) {
	if len(names) == 0 {
		names = defaultFigures(exp)
	}
	out := make([]catalog.Figure, 0, len(names))
	for _, n := range names {
		f, err := lookupFigure(exp, n)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// prefix is one step of a unit's scale.
type prefix struct {
	factor float64
	suffix string
}

var (
	secondScale = []prefix{{1e-9, "ns"}, {1e-6, "µs"}, {1e-3, "ms"}, {1, "s"}}
	byteScale   = []prefix{{1, "B"}, {1 << 10, "KiB"}, {1 << 20, "MiB"}, {1 << 30, "GiB"}, {1 << 40, "TiB"}}
	siScale     = []prefix{{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}}
)

// formatValue renders v in a figure's unit with three significant digits
// and a prefix, so columns of very different magnitudes stay narrow:
// 0.0123 s is "12.3ms", 1288490188 B is "1.2GiB", 45612 /s is "45.6k".
func formatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return scaled(v, secondScale, "")
	case "ms":
		return scaled(v/1e3, secondScale, "")
	case "B":
		return scaled(v, byteScale, "")
	case "B/s":
		return scaled(v, byteScale, "/s")
	}
	return scaled(v, siScale, "")
}

func scaled(v float64, scale []prefix, tail string) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64) + baseSuffix(scale) + tail
	}
	i := 0
	for i+1 < len(scale) && math.Abs(v) >= scale[i+1].factor {
		i++
	}
	r := roundSig(v / scale[i].factor)
	// Rounding can carry into the next prefix: 999.7ms is 1s, not 1000ms.
	if math.Abs(r) >= 1000 && i+1 < len(scale) {
		i++
		r = roundSig(v / scale[i].factor)
	}
	return sig3(r) + scale[i].suffix + tail
}

// baseSuffix is the suffix of the unprefixed unit, e.g. "s" or "B".
func baseSuffix(scale []prefix) string {
	for _, p := range scale {
		if p.factor == 1 {
			return p.suffix
		}
	}
	return ""
}

// roundSig rounds to three significant digits.
func roundSig(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// sig3 prints a number already rounded to three significant digits without
// trailing zeros.
func sig3(v float64) string {
	if math.Abs(v) < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
