package expstatus

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// StatusBudget bounds the status's JSON size: etcd refuses objects over
// 1.5 MiB, and the spec, metadata and managed fields (about 150 bytes per
// variant) share that.
const StatusBudget = 1 << 20

// trimmedDigits is the significant digits a trimmed figure keeps: finer
// than the run-to-run noise of any measurement here.
const trimmedDigits = 4

// KeyFigures are the figures kept when the status must be trimmed: the
// objective's metric, its constraints' figures, the scenario's headline
// figures (catalog Spec.Headline), the container's CPU, throttling, memory
// and GC share, and how much CPU the rest of the machine used.
func KeyFigures(scenario string, obj plan.Objective) []string {
	keep := []string{obj.Metric, aggregate.FigureCores, aggregate.FigureThrottled, aggregate.FigureThrottledTime, aggregate.FigureMemPeak,
		aggregate.FigureGCCPU, catalog.FigureMachineOther}
	for _, c := range obj.Constraints {
		keep = append(keep, c.Metric)
	}
	if e, ok := catalog.Lookup(scenario); ok {
		keep = append(keep, e.Headline...)
	}
	slices.Sort(keep)
	return slices.Compact(keep)
}

// overBudget reports whether st's JSON exceeds StatusBudget.
func overBudget(st *labv1.ExperimentStatus) bool {
	b, err := json.Marshal(st)
	return err != nil || len(b) > StatusBudget
}

// trimFigures keeps only the keep figures in every run's summary, and
// drops its limit segments.
func trimFigures(statuses []labv1.RunStatus, keep []string) {
	for i := range statuses {
		sum := statuses[i].Summary
		if sum == nil {
			continue
		}
		trimmed := make(map[string]float64, len(keep))
		for _, k := range keep {
			if v, ok := sum.Figures[k]; ok {
				trimmed[k] = roundSignificant(v, trimmedDigits)
			}
		}
		c := sum.DeepCopy()
		c.Figures = trimmed
		c.Segments = nil // a resize's split is a few hundred bytes a run
		statuses[i].Summary = c
	}
}

// roundSignificant rounds v to digits significant digits.
func roundSignificant(v float64, digits int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	if err != nil {
		return v
	}
	return r
}

func trimmedNote(keep []string) string {
	return clip(fmt.Sprintf("the status keeps only the key figures (%s), to %d significant digits, and no resize segments, to stay under %d KiB; "+
		"every figure is in each run's termination message (kubectl get pod -o yaml) until the pods are deleted",
		strings.Join(keep, ", "), trimmedDigits, StatusBudget>>10))
}
