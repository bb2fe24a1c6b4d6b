package plan

import (
	"fmt"
	"maps"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// Variant is one combination of the matrix's knobs.
type Variant struct {
	// Name is stable for a given spec: "v" and the variant's index.
	Name   string
	Knobs  labv1.Knobs
	CPU    labv1.CPUSetting
	Memory labv1.MemorySetting
	// Params are the scenario parameters: spec.scenario's, overridden by
	// the variant's parameter set.
	Params map[string]string
}

// axis is one knob's list of values; an empty list crosses as one default.
type axis struct {
	n     int
	apply func(i int, v *Variant)
}

// Variants crosses the matrix in a fixed order (cpu, memory, gomaxprocs,
// gogc, gomemlimit, godebug, images, paramSets; the last varies fastest).
func Variants(spec *labv1.ExperimentSpec) ([]Variant, error) {
	scen := spec.Scenario.Name()
	if scen == "" {
		return nil, fmt.Errorf("spec.scenario: set exactly one scenario block")
	}
	base := spec.Scenario.Params()
	m := spec.Matrix
	for i, ps := range m.ParamSets {
		if ps.Scenario.Name() != scen {
			return nil, fmt.Errorf("spec.matrix.paramSets[%d] (%s): its block is %q, want the %q of spec.scenario",
				i, ps.Name, ps.Scenario.Name(), scen)
		}
	}
	axes := make([]axis, len(Knobs))
	for i, kn := range Knobs {
		axes[i].n, axes[i].apply = kn.cross(&m)
	}
	total := 1
	for _, a := range axes {
		total *= max(a.n, 1)
	}
	variants := make([]Variant, total)
	width := len(strconv.Itoa(total - 1))
	for idx := range variants {
		v := Variant{Name: fmt.Sprintf("v%0*d", max(width, 3), idx), Params: maps.Clone(base)}
		rest := idx
		for a := len(axes) - 1; a >= 0; a-- {
			n := max(axes[a].n, 1)
			if axes[a].n > 0 {
				axes[a].apply(rest%n, &v)
			}
			rest /= n
		}
		if v.Knobs.Image == "" {
			v.Knobs.Image = spec.Image
		}
		variants[idx] = v
	}
	return variants, nil
}

func qty(q *resource.Quantity) string {
	if q == nil {
		return ""
	}
	return q.String()
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
