package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// transitions emits events and metrics for what changed in this pass only:
// run attempts that reached an outcome (retried ones included), and the
// Experiment finishing.
func (r *ExperimentReconciler) transitions(before, after *labv1.Experiment, finished []finishedRun) {
	for _, f := range finished {
		run := f.status
		typ := corev1.EventTypeNormal
		if run.Outcome != labv1.OutcomeCompleted {
			typ = corev1.EventTypeWarning
		}
		r.event(after, typ, "Run"+run.Outcome, "RunFinished", "run %s-r%d (attempt %d, pod %s): %s %s",
			f.variant, run.Index, run.Attempt, run.Pod, run.Outcome, run.Reason)
		var seconds float64
		if run.StartTime != nil && run.CompletionTime != nil {
			seconds = run.CompletionTime.Sub(run.StartTime.Time).Seconds()
		}
		r.Metrics.runFinished(after.Status.Scenario, run.Outcome, seconds)
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
