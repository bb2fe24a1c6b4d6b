package report

import (
	"fmt"
	"slices"
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
// and constraints, the scenario's headline figures (what its exercises
// teach), then what the container cost: CPU, the time its quota held it
// throttled (which, unlike the share of throttled periods, does not
// saturate), under spec.pod the throttling on the whole cgroup path, and
// memory.
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
	}
	if e, ok := catalog.Lookup(scenarioName(exp)); ok {
		for _, h := range e.Headline {
			add(h)
		}
	}
	add(aggregate.FigureCores)
	add(aggregate.FigureThrottledTime)
	if exp.Spec.Pod != nil {
		// The pod's quota throttles where the container's own counters
		// do not show it.
		add(catalog.FigurePathThrottled)
	}
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
