package plan

import (
	"fmt"
	"strings"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Objective is an Experiment's objective with its defaults resolved.
type Objective struct {
	Metric         string
	Minimize       bool
	Constraints    []labv1.Constraint
	AllowOOM       bool
	PreferCheapest bool
}

// Resolve fills an objective's defaults: without one, the scenario's first
// figure in its own direction, cheapest first.
func ResolveObjective(spec *labv1.ExperimentSpec) (Objective, error) {
	entry, ok := catalog.Lookup(spec.Scenario.Name())
	if !ok {
		return Objective{}, fmt.Errorf("spec.scenario: unknown scenario %q", spec.Scenario.Name())
	}
	o := Objective{Metric: entry.Figures[0].Name, PreferCheapest: true}
	if spec.Objective != nil {
		o.Metric, o.Constraints, o.AllowOOM = spec.Objective.Metric, spec.Objective.Constraints, spec.Objective.AllowOOM
		if spec.Objective.PreferCheapest != nil {
			o.PreferCheapest = *spec.Objective.PreferCheapest
		}
	}
	f, ok := entry.Figure(o.Metric)
	if !ok {
		return Objective{}, fmt.Errorf("spec.objective.metric %q: not a figure of %s; use one of %s",
			o.Metric, entry.Name, strings.Join(entry.FigureNames(), ", "))
	}
	o.Minimize = f.Better == catalog.Lower
	if spec.Objective != nil && spec.Objective.Goal != "" {
		o.Minimize = spec.Objective.Goal == labv1.GoalMinimize
	}
	for i, c := range o.Constraints {
		if _, ok := entry.Figure(c.Metric); !ok {
			return Objective{}, fmt.Errorf("spec.objective.constraints[%d].metric %q: not a figure of %s; use one of %s",
				i, c.Metric, entry.Name, strings.Join(entry.FigureNames(), ", "))
		}
	}
	return o, nil
}

// Plan is what both executors run an Experiment from.
type Plan struct {
	Variants []Variant
	// Runs are the variants' repetitions in the order they start.
	Runs      []Run
	Objective Objective
}

// New plans exp: its variants, its runs, its objective with defaults
// resolved, and the memory guard (CheckMemory; machine is the machine's
// memory, 0 when unknown). An error names the field; exp's spec is
// immutable, so it cannot go away by trying again.
func New(spec *labv1.ExperimentSpec, machine int64) (*Plan, error) {
	variants, err := Variants(spec)
	if err != nil {
		return nil, err
	}
	obj, err := ResolveObjective(spec)
	if err != nil {
		return nil, err
	}
	if err := CheckMemory(spec, variants, machine); err != nil {
		return nil, err
	}
	return &Plan{Variants: variants, Runs: Runs(variants, int(spec.Repetitions)), Objective: obj}, nil
}
