package controller

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// finishedRun is a run attempt whose final outcome this pass found.
type finishedRun struct {
	variant string
	status  labv1.RunStatus
}

// finishedRuns lists the attempts that reached their outcome in this pass,
// copied before schedule replaces a failed attempt with its retry: a
// retried failure is still reported.
func finishedRuns(states []*runState) []finishedRun {
	var out []finishedRun
	for _, st := range states {
		if st.finished {
			out = append(out, finishedRun{variant: st.run.Variant.Name, status: *st.status.DeepCopy()})
		}
	}
	return out
}

// serversToStop returns the service servers still running more than grace
// after their load generator finished, and the load generators whose
// server is gone; and how long until the next server reaches its grace
// (0: none is waiting).
func serversToStop(states []*runState, now time.Time, grace time.Duration) (stop []*corev1.Pod, wait time.Duration) {
	for _, st := range states {
		for _, p := range st.discard {
			if p != nil && p.DeletionTimestamp == nil {
				stop = append(stop, p)
			}
		}
		srv, lg := st.pod, st.loadgen
		if srv == nil || lg == nil || final(st.status.Outcome) {
			continue
		}
		term := terminated(lg)
		if term == nil || srv.Status.Phase == corev1.PodSucceeded || srv.Status.Phase == corev1.PodFailed {
			continue
		}
		left := term.FinishedAt.Add(grace).Sub(now)
		if srv.DeletionTimestamp != nil {
			// Deleted already: come back when it counts as stuck.
			left = srv.DeletionTimestamp.Add(StuckTerminating + time.Second).Sub(now)
		} else if left <= 0 {
			stop = append(stop, srv)
			continue
		}
		if left > 0 && (wait == 0 || left < wait) {
			wait = left
		}
	}
	return stop, wait
}
