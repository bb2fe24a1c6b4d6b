package report

import (
	"fmt"
	"slices"
	"strings"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// resizeLines describe, per variant, how its window split where its limits
// changed in place: for each stretch after the first, when the runs saw
// the change and what it did to the limits, GOMAXPROCS (and how soon it
// moved), the CPU, throttling and scheduling latency — medians over the
// completed runs that split alike. Nothing when no run's window split.
func resizeLines(exp *labv1.Experiment) []string {
	var lines []string
	for _, v := range exp.Status.Variants {
		var runs [][]labv1.LimitSegment
		for _, r := range v.Runs {
			if r.Outcome == labv1.OutcomeCompleted && r.Summary != nil && len(r.Summary.Segments) > 1 {
				runs = append(runs, r.Summary.Segments)
			}
		}
		if len(runs) == 0 {
			continue
		}
		n := len(runs[0])
		same := runs[:0:0]
		for _, segs := range runs {
			if len(segs) == n {
				same = append(same, segs)
			}
		}
		med := func(i int, f func(labv1.LimitSegment) float64) float64 {
			xs := make([]float64, len(same))
			for j, segs := range same {
				xs[j] = f(segs[i])
			}
			slices.Sort(xs)
			if len(xs)%2 == 1 {
				return xs[len(xs)/2]
			}
			return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
		}
		for i := 1; i < n; i++ {
			a, b := same[0][i-1], same[0][i]
			moved := "did not move"
			if after := med(i, func(g labv1.LimitSegment) float64 { return g.GOMAXPROCSAfterSeconds }); after > 0 {
				moved = fmt.Sprintf("moved after %.1f s", after)
			}
			rule := "set by hand: the runtime does not follow limits"
			if b.GOMAXPROCSWant > 0 {
				rule = fmt.Sprintf("the runtime's rule gives %d", b.GOMAXPROCSWant)
			}
			gml := "GOMEMLIMIT unchanged"
			if b.GOMEMLIMITChanged {
				gml = "GOMEMLIMIT changed"
			}
			lines = append(lines, fmt.Sprintf("%s (%d runs): at %.1f s cpu %s → %s, memory %s → %s; GOMAXPROCS %d → %d (%s; %s); cores %.2f → %.2f, throttled %.0f%% → %.0f%%, sched p99 %s → %s; %s",
				v.Name, len(same), med(i, func(g labv1.LimitSegment) float64 { return g.AtSeconds }),
				coresOrNone(a.CPULimit), coresOrNone(b.CPULimit), bytesOrNone(a.MemoryLimit), bytesOrNone(b.MemoryLimit),
				a.GOMAXPROCS, b.GOMAXPROCS, rule, moved,
				med(i-1, func(g labv1.LimitSegment) float64 { return g.Cores }), med(i, func(g labv1.LimitSegment) float64 { return g.Cores }),
				100*med(i-1, func(g labv1.LimitSegment) float64 { return g.ThrottledRatio }), 100*med(i, func(g labv1.LimitSegment) float64 { return g.ThrottledRatio }),
				catalog.FormatValue(med(i-1, func(g labv1.LimitSegment) float64 { return g.SchedP99Seconds }), "s"),
				catalog.FormatValue(med(i, func(g labv1.LimitSegment) float64 { return g.SchedP99Seconds }), "s"), gml))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return append([]string{"Limits changed in place during the window (medians over the runs):"}, lines...)
}

func coresOrNone(c float64) string {
	if c <= 0 {
		return "none"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.3g", c), ".0")
}

func bytesOrNone(b int64) string {
	if b <= 0 {
		return "none"
	}
	return catalog.FormatBytes(b)
}
