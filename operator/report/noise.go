package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// A run is taken on a busy machine when, during its window, the rest of
// the machine used at least busyOtherCores of CPU or the hypervisor stole
// at least busySteal of it: enough to take CPU a run under a quota would
// otherwise get, and to move its latency.
const (
	busyOtherCores = 0.5
	busySteal      = 0.05
)

// followsLoad is how closely (Spearman's ρ) a variant's objective must
// follow the rest of the machine's CPU across its runs for its spread to
// be put down to the neighbours, with minLoadRuns runs at least over which
// that CPU varied by minLoadRange cores at least (a steady neighbour
// shifts every run alike: a correlation over a narrow range is chance).
const (
	followsLoad  = 0.7
	minLoadRuns  = 5
	minLoadRange = 0.25
)

// listBusy is how many busy runs are named; past it they are counted.
const listBusy = 6

// noiseLines say how busy the machine was during the runs: the runs taken
// on a busy machine, and the variants whose objective follows the
// neighbours' load. Nothing when no run recorded it (older results).
func noiseLines(exp *labv1.Experiment) []string {
	metric := objectiveMetric(exp)
	var busy []string
	var measured, total int
	most, least := 0.0, math.Inf(1)
	var follows []string
	for _, v := range exp.Status.Variants {
		var other, obj []float64
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted || r.Summary == nil {
				continue
			}
			total++
			o, ok := r.Summary.Figures[catalog.FigureMachineOther]
			if !ok {
				continue
			}
			measured++
			most, least = max(most, o), min(least, o)
			steal := r.Summary.Figures[catalog.FigureMachineSteal]
			if o >= busyOtherCores || steal >= busySteal {
				what := fmt.Sprintf("%s-r%d (%.2f cores", v.Name, r.Index, o)
				if steal >= busySteal {
					what += fmt.Sprintf(", %.0f%% stolen", 100*steal)
				}
				busy = append(busy, what+")")
			}
			if x, ok := r.Summary.Figures[metric]; ok {
				other, obj = append(other, o), append(obj, x)
			}
		}
		if rho := spearman(other, obj); len(other) >= minLoadRuns && math.Abs(rho) >= followsLoad &&
			slicesMax(other) >= busyOtherCores && slicesMax(other)-slicesMin(other) >= minLoadRange {
			follows = append(follows, fmt.Sprintf("%s's %s follows the rest of the machine's CPU (Spearman ρ=%.2f over %d runs): its spread is the neighbours'; rerun it on a quieter machine",
				v.Name, metric, rho, len(other)))
		}
	}
	if measured == 0 {
		return nil
	}
	var out []string
	if len(busy) == 0 {
		out = append(out, fmt.Sprintf("Machine: quiet during all %d measured runs (the rest of it used at most %.2f cores).", measured, most))
	} else {
		which := strings.Join(busy, ", ")
		if len(busy) > listBusy {
			which = fmt.Sprintf("%s and %d more; the rest used %.2f to %.2f cores", strings.Join(busy[:listBusy], ", "), len(busy)-listBusy, least, most)
		}
		out = append(out, fmt.Sprintf("Busy machine: %d of %d runs ran while the rest of the machine used ≥ %.1f cores or had ≥ %.0f%% stolen: %s.",
			len(busy), total, busyOtherCores, 100*busySteal, which))
	}
	return append(out, follows...)
}

// spearman is Spearman's rank correlation of x and y (ties get their mean
// rank); NaN with fewer than 2 pairs or a constant side.
func spearman(x, y []float64) float64 {
	if len(x) < 2 || len(x) != len(y) {
		return math.NaN()
	}
	return stat.Correlation(ranks(x), ranks(y), nil)
}

func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

func slicesMin(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func slicesMax(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
