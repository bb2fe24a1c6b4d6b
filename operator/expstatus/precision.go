package expstatus

import (
	"fmt"
	"math"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// judgePrecision says where spec.precision stands for one variant: Reached
// when the objective's 95% interval is as narrow as asked, MaxRuns when the
// variant has used its runs, NoResults when its first repetitions runs all
// ended and none completed, Measuring otherwise. reps is spec.repetitions.
func judgePrecision(p *labv1.Precision, reps int, metric string, runs []labv1.RunStatus, aggs []labv1.Aggregate) *labv1.VariantPrecision {
	vp := &labv1.VariantPrecision{Runs: int32(len(runs))}
	target := float64(p.HalfWidthPercent)
	hw, n := halfWidthPercent(aggs, metric)
	if !math.IsInf(hw, 0) {
		vp.HalfWidthPercent = &hw
	}
	ended, completed := 0, 0
	for _, r := range runs {
		if Final(r.Outcome) {
			ended++
		}
		if r.Outcome == labv1.OutcomeCompleted {
			completed++
		}
	}
	maxRuns := max(int(p.MaxRuns), reps)
	switch {
	case hw <= target:
		vp.State = labv1.PrecisionReached
		vp.Reason = fmt.Sprintf("%s within ±%.1f%% (asked ±%d%%) after %d runs", metric, hw, p.HalfWidthPercent, len(runs))
	case len(runs) >= maxRuns:
		vp.State = labv1.PrecisionMaxRuns
		vp.Reason = fmt.Sprintf("stopped at spec.precision.maxRuns (%d runs): %s %s, asked ±%d%%", len(runs), metric, widthText(hw, n), p.HalfWidthPercent)
	case completed == 0 && ended >= reps:
		vp.State = labv1.PrecisionNoResults
		vp.Reason = fmt.Sprintf("none of the first %d runs completed: more runs would not narrow %s", ended, metric)
	default:
		vp.State = labv1.PrecisionMeasuring
		vp.Reason = fmt.Sprintf("%s %s after %d runs, asked ±%d%%: another run each round", metric, widthText(hw, n), len(runs), p.HalfWidthPercent)
	}
	return vp
}

// halfWidthPercent is the larger side of the metric's interval as a
// percentage of its median (benchstat's "±"), and how many runs it rests
// on; +Inf without an interval. A median of 0 with an interval of [0, 0]
// is exact; with any other interval it has no relative width.
func halfWidthPercent(aggs []labv1.Aggregate, metric string) (float64, int) {
	for _, a := range aggs {
		if a.Figure != metric {
			continue
		}
		if a.Low == nil || a.High == nil {
			return math.Inf(1), int(a.N)
		}
		lo, hi, m := *a.Low, *a.High, a.Median
		if m == 0 {
			if lo == 0 && hi == 0 {
				return 0, int(a.N)
			}
			return math.Inf(1), int(a.N)
		}
		return 100 * max(hi-m, m-lo) / math.Abs(m), int(a.N)
	}
	return math.Inf(1), 0
}

func widthText(hw float64, n int) string {
	if math.IsInf(hw, 0) {
		return fmt.Sprintf("has no interval yet (%d completed runs; it takes 6)", n)
	}
	return fmt.Sprintf("within ±%.1f%%", hw)
}

// MoreRuns names the variants that get another run under spec.precision:
// those still Measuring, once every run in status has ended (rounds are
// whole, so the variants' runs stay interleaved). Nil when the Experiment
// has no precision, a run is still going, or every variant has stopped.
func MoreRuns(exp *labv1.Experiment) []string {
	if exp.Spec.Precision == nil {
		return nil
	}
	var out []string
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			if !Final(r.Outcome) {
				return nil
			}
		}
		if v.Precision != nil && v.Precision.State == labv1.PrecisionMeasuring {
			out = append(out, v.Name)
		}
	}
	return out
}

// measuring reports whether some variant still wants runs.
func measuring(st *labv1.ExperimentStatus) bool {
	for _, v := range st.Variants {
		if v.Precision != nil && v.Precision.State == labv1.PrecisionMeasuring {
			return true
		}
	}
	return false
}
