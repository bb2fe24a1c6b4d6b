package controller

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// runState is one run as this pass sees it.
type runState struct {
	run plan.Run
	// attempt is the latest attempt with a pod or a status entry (0: none).
	attempt int
	pod     *corev1.Pod // the latest attempt's workload or server pod
	loadgen *corev1.Pod // the latest attempt's load generator (service)
	status  labv1.RunStatus
	// finished is set when this pass found the attempt's final outcome.
	finished bool
	// orphan is a load generator whose server is gone: it is deleted.
	orphan *corev1.Pod
	// now is the pass's clock.
	now time.Time
	// recreate is set when the latest attempt's pod was created but is not
	// there and never ran: a stale cache or a deletion before it started;
	// creating it again is safe either way (AlreadyExists is ignored).
	recreate bool
}

// final reports whether the run's outcome will not change.
func final(outcome string) bool { return expstatus.Final(outcome) }

// retryable outcomes are the cluster's doing, not the run's result.
func retryable(outcome string) bool {
	return outcome == labv1.OutcomeError || outcome == labv1.OutcomeEvicted || outcome == labv1.OutcomeDeleted
}

// observe joins the planned runs with their pods and the previous status.
func observe(runs []plan.Run, pods []corev1.Pod, prev *labv1.ExperimentStatus, serviceRole bool, now time.Time) []*runState {
	byRun := map[string][]*corev1.Pod{}
	for i := range pods {
		p := &pods[i]
		byRun[p.Labels[plan.LabelRun]] = append(byRun[p.Labels[plan.LabelRun]], p)
	}
	prevRuns := map[string]labv1.RunStatus{}
	for _, v := range prev.Variants {
		for _, r := range v.Runs {
			prevRuns[fmt.Sprintf("%s-r%d", v.Name, r.Index)] = r
		}
	}
	states := make([]*runState, len(runs))
	for i, r := range runs {
		st := &runState{run: r, now: now, status: labv1.RunStatus{Index: int32(r.Index), Outcome: labv1.OutcomePending}}
		if p, ok := prevRuns[r.ID()]; ok {
			st.status, st.attempt = p, int(p.Attempt)
		}
		for _, p := range byRun[r.ID()] {
			a, _ := strconv.Atoi(p.Labels[plan.LabelAttempt])
			if a > st.attempt {
				st.attempt, st.pod, st.loadgen = a, nil, nil
			}
			if a == st.attempt {
				if p.Labels[plan.LabelRole] == plan.RoleLoadgen {
					st.loadgen = p
				} else {
					st.pod = p
				}
			}
		}
		st.observe(serviceRole)
		states[i] = st
	}
	return states
}

// knobs are the limits the run's workload (or server) must run under.
func (st *runState) knobs() *labv1.Knobs {
	if st.run.Variant == nil {
		return nil
	}
	return &st.run.Variant.Knobs
}

// observe updates the run's status from its pods.
func (st *runState) observe(serviceRole bool) {
	s := &st.status
	if final(s.Outcome) && int(s.Attempt) == st.attempt && st.attempt > 0 {
		// This attempt's outcome is settled: its pods going away (the TTL,
		// a user) must not turn it into Deleted or Running again.
		return
	}
	s.Attempt = int32(st.attempt)
	if st.attempt == 0 {
		return
	}
	if st.pod != nil {
		s.Pod = st.pod.Name
		created := st.pod.CreationTimestamp
		s.StartTime = &created
	}
	switch {
	case serviceRole:
		st.observeService()
	case st.pod == nil:
		st.observeMissing()
	default:
		outcome, reason, sum := podOutcome(st.pod, st.knobs())
		st.set(outcome, reason, sum, terminated(st.pod))
	}
	st.finished = final(s.Outcome)
}

// observeMissing handles an attempt whose pod is not there.
func (st *runState) observeMissing() {
	s := &st.status
	switch s.Outcome {
	case labv1.OutcomeRunning:
		s.Outcome, s.Reason = labv1.OutcomeDeleted, "the pod was deleted before it finished"
	case labv1.OutcomePending:
		st.recreate = true
	}
}

// set records an outcome read from a pod. A retry note in the reason stays
// while the new attempt pends or runs, and after it completes.
func (st *runState) set(outcome, reason string, sum *labv1.RunSummary, term *corev1.ContainerStateTerminated) {
	s := &st.status
	if term != nil && final(outcome) {
		finished := term.FinishedAt
		s.CompletionTime = &finished
	}
	if reason != "" || (final(outcome) && outcome != labv1.OutcomeCompleted) {
		s.Reason = reason
	}
	s.Outcome = outcome
	if sum != nil {
		s.Summary = sum
	}
}

// observeService decides a service run from its server and load-generator
// pods. The run is final only when both have ended (or the server is gone
// after its load generator finished), so the server's own figures —
// throttling, memory, recovered panics — are in the summary.
func (st *runState) observeService() {
	s := &st.status
	srv, lg := st.pod, st.loadgen
	switch {
	case srv == nil && lg == nil:
		st.observeMissing()
	case srv == nil:
		lo, lr, lsum := podOutcome(lg, nil)
		if !final(lo) {
			// The generator would go on against an address nobody serves;
			// it goes, and a retry makes both pods again.
			s.Outcome, s.Reason = labv1.OutcomeDeleted, serverDeletedUnderLoad
			st.orphan = lg
			return
		}
		st.set(lo, lr, lsum, terminated(lg))
		if s.Summary != nil {
			aggregate.MergeServer(s.Summary, nil)
		}
		if lo == labv1.OutcomeCompleted {
			s.Reason = serverFiguresMissing
		} else {
			s.Outcome, s.Reason = loadgenFailed(lo, lr)
		}
	case lg == nil:
		outcome, reason, _ := podOutcome(srv, st.knobs())
		if !final(outcome) {
			s.Outcome = outcome
			return
		}
		if outcome != labv1.OutcomeOOMKilled {
			outcome, reason = labv1.OutcomeError, "the server ended before its load generator started; "+reason
		}
		s.Outcome, s.Reason = outcome, expstatus.ClipReason("server: "+reason)
	default:
		st.observeServiceBoth(srv, lg)
	}
}

// observeServiceBoth decides a run whose server and load generator both
// exist. A server deleted after its generator finished (by the operator:
// it outlived the generator) is waited for while it terminates, as it may
// still report its figures; one deleted under load (a user, a drain) loses
// the attempt.
func (st *runState) observeServiceBoth(srv, lg *corev1.Pod) {
	s := &st.status
	lo, lr, lsum := podOutcome(lg, nil)
	so, sr, ssum := podOutcome(srv, st.knobs())
	lgEnd := terminated(lg)
	deleted := srv.DeletionTimestamp != nil && so != labv1.OutcomeOOMKilled
	if deleted && (lgEnd == nil || deletionRequested(srv).Before(lgEnd.FinishedAt.Time)) {
		s.Outcome, s.Reason = labv1.OutcomeDeleted, serverDeletedUnderLoad
		if !final(lo) {
			st.orphan = lg
		}
		return
	}
	stuck := deleted && !final(so) && st.now.After(srv.DeletionTimestamp.Add(StuckTerminating))
	if !final(lo) || (!final(so) && !stuck) {
		// The server runs: the run has started, and it has not ended until
		// the server has reported too (serversToStop ends a server that
		// outlives its generator).
		s.Outcome = labv1.OutcomeRunning
		return
	}
	if stuck {
		so, ssum = labv1.OutcomeCompleted, nil // its node may be gone: do without its figures
	}
	st.set(lo, lr, lsum, lgEnd)
	switch {
	case so != labv1.OutcomeCompleted && !deleted:
		// A server that failed under load (OOM kill, crash) decides the
		// run, whatever its load generator saw.
		s.Outcome, s.Reason = so, expstatus.ClipReason("server: "+sr)
	case lo != labv1.OutcomeCompleted:
		s.Outcome, s.Reason = loadgenFailed(lo, lr)
	case deleted:
		s.Reason = "the server outlived its load generator and was deleted; its figures include the idle time"
		if ssum == nil {
			s.Reason = serverFiguresMissing
		}
	}
	if s.Summary != nil {
		aggregate.MergeServer(s.Summary, ssum)
	}
}

// loadgenFailed is the outcome of a run whose load generator failed: not
// the variant's doing (the generator has its own resources), so an Error,
// which is retried, even when the generator was OOM-killed.
func loadgenFailed(outcome, reason string) (string, string) {
	if outcome == labv1.OutcomeOOMKilled {
		reason += "; raise spec.loadGenerator.resources"
	}
	return labv1.OutcomeError, expstatus.ClipReason("load generator " + outcome + ": " + reason)
}

// deletionRequested is when a pod's deletion was asked for.
func deletionRequested(p *corev1.Pod) time.Time {
	t := p.DeletionTimestamp.Time
	if g := p.DeletionGracePeriodSeconds; g != nil {
		t = t.Add(-time.Duration(*g) * time.Second)
	}
	return t
}

// StuckTerminating is how long past its grace period a deleted server may
// stay terminating (its node lost, its kubelet gone) before its run is
// decided without it.
const StuckTerminating = 2 * time.Minute

// serverDeletedUnderLoad explains a service attempt lost with its server.
const serverDeletedUnderLoad = "the server pod was deleted before its load generator finished"

// serverFiguresMissing explains a completed service run without its server's figures.
const serverFiguresMissing = "the server pod was gone before it reported: the server's figures are missing"

// podOutcome reads a pod the way the kubelet reports it. knobs, when not
// nil, are the limits the pod's workload must have run under
// (expstatus.LimitsSeen): a pod that completed under others is an Error.
func podOutcome(p *corev1.Pod, knobs *labv1.Knobs) (outcome, reason string, sum *labv1.RunSummary) {
	term := terminated(p)
	var full *result.Summary
	if term != nil && term.Message != "" {
		if s, err := result.Decode([]byte(strings.TrimSpace(term.Message))); err == nil {
			full, sum = s, aggregate.RunSummary(s)
		}
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		if sum == nil {
			return labv1.OutcomeError, "the workload exited 0 without a result summary", nil
		}
		if knobs != nil {
			if why := expstatus.LimitsSeen(*knobs, full.Settings); why != "" {
				return labv1.OutcomeError, expstatus.ClipReason(why), sum
			}
		}
		return labv1.OutcomeCompleted, "", sum
	case corev1.PodFailed:
		switch {
		case term != nil && term.Reason == "OOMKilled":
			return labv1.OutcomeOOMKilled, "the container exceeded its memory limit (exit code 137)", sum
		case p.Status.Reason == "Evicted":
			return labv1.OutcomeEvicted, expstatus.ClipReason(p.Status.Message), sum
		case term != nil:
			return labv1.OutcomeError, expstatus.ClipReason(fmt.Sprintf("exit code %d (%s)", term.ExitCode, term.Reason)), sum
		}
		return labv1.OutcomeError, expstatus.ClipReason(p.Status.Reason + " " + p.Status.Message), sum
	case corev1.PodRunning:
		return labv1.OutcomeRunning, "", nil
	}
	return labv1.OutcomePending, "", nil
}

func terminated(p *corev1.Pod) *corev1.ContainerStateTerminated {
	for _, c := range p.Status.ContainerStatuses {
		if c.Name == plan.ContainerName && c.State.Terminated != nil {
			return c.State.Terminated
		}
	}
	return nil
}
