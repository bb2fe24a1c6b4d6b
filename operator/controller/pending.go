package controller

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// DefaultPendingTimeout is spec.pendingTimeout's default, for Experiments
// stored before the field existed.
const DefaultPendingTimeout = 5 * time.Minute

// pendingPrefix starts a run's reason while its pod waits to start; the
// reason is cleared when the pod starts.
const pendingPrefix = "pending: "

// Waiting reasons of a container that will never start as it is: the
// attempt ends at once.
var permanentWaiting = map[string]bool{"InvalidImageName": true, "ErrImageNeverPull": true}

// imageWaiting are the waiting reasons of an image that cannot be pulled.
var imageWaiting = map[string]bool{"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true, "ErrImageNeverPull": true}

// pending reads a pod that has not started: what it waits for, in the
// scheduler's or the kubelet's own words (empty for a pod that started or
// waits for nothing in particular yet), and the outcome its attempt ends
// with — Unschedulable, ImageError or Error — once it has waited past
// timeout since its creation, or at once when it can never start (an
// invalid image name); "" while it may still start.
func pending(p *corev1.Pod, now time.Time, timeout time.Duration) (why, end string) {
	if p == nil || p.DeletionTimestamp != nil || (p.Status.Phase != corev1.PodPending && p.Status.Phase != "") {
		return "", ""
	}
	kind := labv1.OutcomeError
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			why, kind = strings.TrimSpace("not scheduled: "+c.Reason+": "+c.Message), labv1.OutcomeUnschedulable
		}
	}
	permanent := false
	for _, c := range p.Status.ContainerStatuses {
		w := c.State.Waiting
		if w == nil || w.Reason == "" || w.Reason == "ContainerCreating" || w.Reason == "PodInitializing" {
			continue
		}
		why = strings.TrimSuffix(w.Reason+": "+w.Message, ": ")
		kind = labv1.OutcomeError // CreateContainerConfigError and the like
		if imageWaiting[w.Reason] {
			kind = labv1.OutcomeImageError
		}
		permanent = permanentWaiting[w.Reason]
	}
	waited := now.Sub(p.CreationTimestamp.Time)
	switch {
	case why == "" && waited < timeout:
		return "", ""
	case why == "":
		why = "the pod never started"
	}
	if permanent || waited >= timeout {
		return fmt.Sprintf("pending for %s (spec.pendingTimeout %s): %s", waited.Round(time.Second), timeout, why), kind
	}
	return pendingPrefix + why, ""
}

// pendingWait is how long until the first pending pod of states reaches
// its timeout (0: none pending), so that a pass comes then even when no
// pod changes.
func pendingWait(states []*runState, now time.Time) time.Duration {
	var wait time.Duration
	for _, st := range states {
		for _, p := range []*corev1.Pod{st.pod, st.loadgen} {
			if p == nil || p.Status.Phase != corev1.PodPending && p.Status.Phase != "" || final(st.status.Outcome) {
				continue
			}
			left := p.CreationTimestamp.Add(st.pendingTimeout + time.Second).Sub(now)
			if left > 0 && (wait == 0 || left < wait) {
				wait = left
			}
		}
	}
	return wait
}
