package plan

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// CheckMemory refuses, before anything runs, a variant whose parameters
// need more memory than it will have (catalog's estimate): its memory
// limit, or with none the machine's memory (machine; 0 when unknown, as
// for the operator, which does not know the node yet). The error names the
// variant, its knobs and the estimate.
func CheckMemory(spec *labv1.ExperimentSpec, variants []Variant, machine int64) error {
	s, ok := catalog.Lookup(spec.Scenario.Name())
	if !ok {
		return fmt.Errorf("spec.scenario: unknown scenario %q", spec.Scenario.Name())
	}
	window := spec.Warmup.Duration + spec.Duration.Duration
	for i := range variants {
		v := &variants[i]
		values, err := catalog.ParseMap(s, v.Params)
		if err != nil {
			return fmt.Errorf("variant %s: %w", v.Name, err)
		}
		var limit int64
		if v.Knobs.MemoryLimit != "" {
			q, err := resource.ParseQuantity(v.Knobs.MemoryLimit)
			if err != nil {
				return fmt.Errorf("variant %s: memory limit %q: %w", v.Name, v.Knobs.MemoryLimit, err)
			}
			limit = q.Value()
		}
		if err := s.CheckMemory(values, catalog.MemoryInput{Window: window, Limit: limit}, machine); err != nil {
			return fmt.Errorf("variant %s (%s): %w", v.Name, Describe(v.Knobs), err)
		}
	}
	return nil
}
