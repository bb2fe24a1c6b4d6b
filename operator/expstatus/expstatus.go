// Package expstatus computes an Experiment's status from its runs'
// statuses: counts, progress, per-variant aggregates, the recommendation,
// and the conditions with the phase derived from them. The operator and the
// local executor both use it, so a local run's status reads like a
// cluster's.
package expstatus

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/recommend"
)

// Condition reasons.
const (
	ReasonRunning       = "RunsInProgress"
	ReasonAllFinished   = "AllRunsFinished"
	ReasonNoResults     = "NoRunProducedResults"
	ReasonNotFailed     = "NotFailed"
	ReasonNotFinished   = "RunsInProgress"
	ReasonPlanningError = "PlanningFailed"
)

// Final reports whether a run outcome will not change by itself.
func Final(outcome string) bool { return slices.Contains(labv1.FinalOutcomes, outcome) }

// Set computes the whole status from the runs' statuses (aligned with
// runs); it is pure but for now, which it takes as an argument. It leaves
// observedGeneration to the caller, who knows whether the pass was clean.
func Set(exp *labv1.Experiment, variants []plan.Variant, runs []plan.Run, statuses []labv1.RunStatus, obj plan.Objective, now metav1.Time) {
	st := &exp.Status
	st.Scenario = exp.Spec.Scenario.Name()
	statuses = slices.Clone(statuses)
	keep := KeyFigures(st.Scenario, obj)
	if st.FiguresTrimmed != "" {
		trimFigures(statuses, keep) // once trimmed, every pass trims alike
	}
	usable, started := fill(st, &exp.Spec, variants, runs, statuses, obj)
	if st.FiguresTrimmed == "" && overBudget(st) {
		st.FiguresTrimmed = trimmedNote(keep)
		trimFigures(statuses, keep)
		fill(st, &exp.Spec, variants, runs, statuses, obj)
	}
	counts := st.Runs
	done := counts.Succeeded + counts.Failed
	if started && st.StartTime == nil {
		st.StartTime = &now
	}
	// Under spec.precision a variant still measuring gets more runs: the
	// Experiment has not finished even when every run so far has.
	finished := done == counts.Total && !measuring(st)
	switch {
	case finished && usable == 0:
		setConditions(st, metav1.ConditionFalse, ReasonAllFinished, metav1.ConditionFalse, ReasonNoResults,
			metav1.ConditionTrue, ReasonNoResults, "no run produced a result; see status.variants[].runs[].reason")
	case finished:
		setConditions(st, metav1.ConditionFalse, ReasonAllFinished, metav1.ConditionTrue, ReasonAllFinished,
			metav1.ConditionFalse, ReasonNotFailed, fmt.Sprintf("%d of %d runs produced results", usable, counts.Total))
	default:
		setConditions(st, metav1.ConditionTrue, ReasonRunning, metav1.ConditionFalse, ReasonNotFinished,
			metav1.ConditionFalse, ReasonNotFailed, fmt.Sprintf("%d of %d runs finished", done, counts.Total)+waiting(st))
	}
	if finished && st.CompletionTime == nil {
		st.CompletionTime = &now
	}
	st.Phase = phase(st)
}

// fill sets the counts, progress, variants with their aggregates, and the
// recommendation; it returns how many runs have results and whether any
// has started.
func fill(st *labv1.ExperimentStatus, spec *labv1.ExperimentSpec, variants []plan.Variant, runs []plan.Run, statuses []labv1.RunStatus, obj plan.Objective) (usable int, started bool) {
	byVariant := map[string][]labv1.RunStatus{}
	var counts labv1.RunCounts
	for i, r := range runs {
		s := statuses[i]
		byVariant[r.Variant.Name] = append(byVariant[r.Variant.Name], s)
		started = started || s.Attempt > 0
		count(&counts, s.Outcome)
		// An OOM kill is a result of the variant, not a failure to measure it.
		if s.Outcome == labv1.OutcomeCompleted || s.Outcome == labv1.OutcomeOOMKilled {
			usable++
		}
	}
	st.Runs = counts
	st.Progress = fmt.Sprintf("%d/%d", counts.Succeeded+counts.Failed, counts.Total)
	st.Variants = make([]labv1.VariantStatus, len(variants))
	for i, v := range variants {
		rs := byVariant[v.Name]
		st.Variants[i] = labv1.VariantStatus{Name: v.Name, Knobs: v.Knobs, Runs: rs, Aggregates: aggregate.Variant(rs)}
		if spec.Precision != nil {
			st.Variants[i].Precision = judgePrecision(spec.Precision, int(spec.Repetitions), obj.Metric, rs, st.Variants[i].Aggregates)
		}
	}
	st.Recommendation = nil
	if usable > 0 {
		st.Recommendation = recommend.Recommend(obj, st.Scenario, st.Variants)
	}
	return usable, started
}

// waiting says what the runs that wait to start wait for, in the words of
// the first one's reason ("pending: ImagePullBackOff: ..."): a stuck
// Experiment says why on its Progressing condition.
func waiting(st *labv1.ExperimentStatus) string {
	n, first := 0, ""
	for _, v := range st.Variants {
		for _, r := range v.Runs {
			if r.Outcome == labv1.OutcomePending && strings.HasPrefix(r.Reason, "pending: ") {
				if n++; first == "" {
					first = fmt.Sprintf("%s-r%d %s", v.Name, r.Index, r.Reason)
				}
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d waiting to start (%s)", n, first)
}

// Where says why the Experiment is where it is: the message (else the
// reason) of its Failed or Complete condition when it has ended, else of
// Progressing; "" when none is true.
func Where(e *labv1.Experiment) string {
	for _, t := range []string{labv1.ConditionFailed, labv1.ConditionComplete, labv1.ConditionProgressing} {
		if c := meta.FindStatusCondition(e.Status.Conditions, t); c != nil && c.Status == metav1.ConditionTrue {
			if c.Message != "" {
				return c.Message
			}
			return c.Reason
		}
	}
	return ""
}

// Tally counts runs by outcome, as status.runs counts them.
func Tally(runs []labv1.RunStatus) labv1.RunCounts {
	var c labv1.RunCounts
	for _, r := range runs {
		count(&c, r.Outcome)
	}
	return c
}

// count adds a run of outcome to counts.
func count(counts *labv1.RunCounts, outcome string) {
	counts.Total++
	switch {
	case outcome == labv1.OutcomeCompleted:
		counts.Succeeded++
	case Final(outcome):
		counts.Failed++
	case outcome == labv1.OutcomeRunning:
		counts.Running++
	default:
		counts.Pending++
	}
}

func setConditions(st *labv1.ExperimentStatus, progressing metav1.ConditionStatus, pReason string,
	complete metav1.ConditionStatus, cReason string, failed metav1.ConditionStatus, fReason, msg string) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: labv1.ConditionProgressing, Status: progressing, Reason: pReason, Message: msg})
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: labv1.ConditionComplete, Status: complete, Reason: cReason, Message: msg})
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: labv1.ConditionFailed, Status: failed, Reason: fReason, Message: msg})
}

// SetPlanningFailed marks an Experiment that cannot be planned.
func SetPlanningFailed(exp *labv1.Experiment, err error) {
	st := &exp.Status
	st.Scenario = exp.Spec.Scenario.Name()
	setConditions(st, metav1.ConditionFalse, ReasonPlanningError, metav1.ConditionFalse, ReasonPlanningError,
		metav1.ConditionTrue, ReasonPlanningError, clip(err.Error()))
	st.Phase = phase(st)
	st.ObservedGeneration = exp.Generation
}

// phase derives the display phase from the conditions.
func phase(st *labv1.ExperimentStatus) string {
	switch {
	case meta.IsStatusConditionTrue(st.Conditions, labv1.ConditionFailed):
		return labv1.PhaseFailed
	case meta.IsStatusConditionTrue(st.Conditions, labv1.ConditionComplete):
		return labv1.PhaseComplete
	case st.StartTime != nil:
		return labv1.PhaseRunning
	}
	return labv1.PhasePending
}

func clip(s string) string { return safetext.Clip(s, 1000) }

// ClipReason fits a run's reason into status.variants[].runs[].reason
// (at most 256 characters), for both executors.
func ClipReason(s string) string {
	return safetext.Clip(strings.TrimSpace(s), 250)
}
