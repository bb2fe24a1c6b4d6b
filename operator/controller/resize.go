package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// resize applies spec.resizes to the running workload (or server)
// containers: through the pod's resize subresource, as `kubectl patch
// --subresource resize` does, each resize once it is due, counted from the
// container's start plus the warmup. It is level-triggered: a pod whose
// resources are not what is due now is patched to them, so a pass that
// failed is made good by the next. It returns the wait until the next
// resize falls due (0: none).
func (r *ExperimentReconciler) resize(ctx context.Context, exp *labv1.Experiment, states []*runState, now time.Time) (time.Duration, error) {
	if len(exp.Spec.Resizes) == 0 {
		return 0, nil
	}
	var wait time.Duration
	for _, st := range states {
		p := st.pod

		if p == nil || st.run.Variant == nil || p.DeletionTimestamp != nil || final(st.status.Outcome) {
			continue
		}
		started, i := workloadStarted(p)
		if started.IsZero() {
			continue
		}
		want, next := plan.Resized(st.run.Variant, exp.Spec.Resizes, now.Sub(started)-exp.Spec.Warmup.Duration)
		if next > 0 && (wait == 0 || next < wait) {
			wait = next
		}
		if apiequality.Semantic.DeepEqual(p.Spec.Containers[i].Resources, want) {
			continue
		}
		orig := p.DeepCopy()
		p.Spec.Containers[i].Resources = want
		err := r.SubResource("resize").Patch(ctx, p, client.StrategicMergeFrom(orig))
		switch {
		case apierrors.IsNotFound(err):
			continue // the pod is gone; the next pass sees what became of it
		case apierrors.IsInvalid(err) || apierrors.IsForbidden(err):
			// The API server will not resize this pod (a node without
			// in-place resize, a change it forbids, no RBAC for
			// pods/resize): its window would not show the change asked
			// for. The attempt ends, and its pod goes.
			st.set(labv1.OutcomeError, expstatus.ClipReason("spec.resizes: the API server refused the in-place resize: "+err.Error()), nil, nil)
			st.finished = true
			st.discard = append(st.discard, orig)
			continue
		case err != nil:
			return wait, fmt.Errorf("resize pod %s: %w", p.Name, err)
		}
		log.FromContext(ctx).Info("resized a run's container in place", "pod", p.Name,
			"cpu", want.Limits.Cpu().String(), "memory", want.Limits.Memory().String())
		// When it was asked for; the run's summary says when its cgroup
		// changed (the kubelet's part).
		r.event(exp, corev1.EventTypeNormal, "Resized", "Resize", "run %s (pod %s): limits cpu %s memory %s asked in place %.1f s into its window",
			st.run.ID(), p.Name, want.Limits.Cpu(), want.Limits.Memory(), (now.Sub(started) - exp.Spec.Warmup.Duration).Seconds())
	}
	return wait, nil
}

// workloadStarted is when the pod's workload container started running,
// and its index in the pod's containers; zero when it is not running.
func workloadStarted(p *corev1.Pod) (time.Time, int) {
	for i, c := range p.Spec.Containers {
		if c.Name != plan.ContainerName {
			continue
		}
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == c.Name && s.State.Running != nil {
				return s.State.Running.StartedAt.Time, i
			}
		}
	}
	return time.Time{}, 0
}
