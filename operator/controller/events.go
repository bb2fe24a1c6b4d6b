package controller

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// transitions emits events and metrics for what changed in this pass only:
// runs that reached an outcome, and the Experiment finishing.
func (r *ExperimentReconciler) transitions(before, after *labv1.Experiment) {
	prev := map[string]string{}
	for _, v := range before.Status.Variants {
		for _, run := range v.Runs {
			prev[fmt.Sprintf("%s-r%d/%d", v.Name, run.Index, run.Attempt)] = run.Outcome
		}
	}
	for _, v := range after.Status.Variants {
		for _, run := range v.Runs {
			key := fmt.Sprintf("%s-r%d/%d", v.Name, run.Index, run.Attempt)
			if !final(run.Outcome) || prev[key] == run.Outcome {
				continue
			}
			typ := corev1.EventTypeNormal
			if run.Outcome != labv1.OutcomeCompleted {
				typ = corev1.EventTypeWarning
			}
			r.event(after, typ, "Run"+run.Outcome, "RunFinished", "run %s-r%d (attempt %d, pod %s): %s %s",
				v.Name, run.Index, run.Attempt, run.Pod, run.Outcome, run.Reason)
			var seconds float64
			if run.StartTime != nil && run.CompletionTime != nil {
				seconds = run.CompletionTime.Sub(run.StartTime.Time).Seconds()
			}
			r.Metrics.runFinished(after.Status.Scenario, run.Outcome, seconds)
		}
	}
	for _, c := range []string{labv1.ConditionComplete, labv1.ConditionFailed} {
		if meta.IsStatusConditionTrue(after.Status.Conditions, c) && !meta.IsStatusConditionTrue(before.Status.Conditions, c) {
			typ, note := corev1.EventTypeNormal, "all runs finished"
			if c == labv1.ConditionFailed {
				typ = corev1.EventTypeWarning
				note = meta.FindStatusCondition(after.Status.Conditions, c).Message
			}
			if rec := after.Status.Recommendation; rec != nil {
				note += "; recommendation: " + rec.Reason
			}
			r.event(after, typ, c, "Finish", "%s", note)
			r.Metrics.experimentFinished(after.Status.Scenario, c)
		}
	}
}

func (r *ExperimentReconciler) event(exp *labv1.Experiment, typ, reason, action, note string, args ...any) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(exp, nil, typ, reason, action, note, args...)
}
