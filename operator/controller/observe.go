package controller

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/outcome"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
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
	// discard are pods of the attempt to delete: a load generator whose
	// server is gone, or the pods of an attempt that never started.
	discard []*corev1.Pod
	// pendingTimeout is spec.pendingTimeout.
	pendingTimeout time.Duration
	// podLimitsOf are spec.pod.limits (nil: none).
	podLimitsOf *labv1.PodLimits
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
	switch outcome {
	case labv1.OutcomeError, labv1.OutcomeEvicted, labv1.OutcomeDeleted, labv1.OutcomeUnschedulable, labv1.OutcomeImageError:
		return true
	}
	return false
}

// observe joins the planned runs with their pods and the previous status.
func observe(runs []plan.Run, pods []corev1.Pod, prev *labv1.ExperimentStatus, scenario string, now time.Time, pendingTimeout time.Duration, podLimits *labv1.PodLimits) []*runState {
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
		st := &runState{run: r, now: now, pendingTimeout: pendingTimeout, podLimitsOf: podLimits, status: labv1.RunStatus{Index: int32(r.Index), Outcome: labv1.OutcomePending}}
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
		st.observe(scenario)
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

// podLimits are the pod-level limits its pod runs under, if any.
func (st *runState) podLimits() *labv1.PodLimits { return st.podLimitsOf }

// observe updates the run's status from its pods.
func (st *runState) observe(scenario string) {
	serviceRole := plan.TwoPods(scenario)
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
	if st.observeShapeDropped() || st.observePending() {
		st.finished = final(s.Outcome)
		return
	}
	switch {
	case serviceRole && st.pod == nil && st.loadgen == nil, !serviceRole && st.pod == nil:
		st.observeMissing()
	case serviceRole:
		st.observeService(scenario == catalog.App.Name)
	default:
		d := outcome.Single(st.knobs(), st.podLimits(), podProcess(st.pod))
		st.set(d.Outcome, d.Reason, d.Summary, terminated(st.pod))
	}
	st.finished = final(s.Outcome)
}

// ReasonPodLimitsDropped is why a run under spec.pod.limits fails on a
// cluster whose API server dropped the pod's spec.resources.
const ReasonPodLimitsDropped = "the API server dropped the pod's spec.resources: pod-level limits (spec.pod.limits) need Kubernetes 1.34 or later with the PodLevelResources feature gate; upgrade, or remove spec.pod.limits"

// observeShapeDropped ends an attempt whose pod lost its pod-level limits:
// an API server without pod-level resources drops the field silently, and
// the run would measure a pod without the budget the Experiment asked for.
func (st *runState) observeShapeDropped() bool {
	if st.podLimitsOf == nil || st.pod == nil || st.pod.Spec.Resources != nil {
		return false
	}
	st.set(labv1.OutcomeError, ReasonPodLimitsDropped, nil, nil)
	if st.pod.DeletionTimestamp == nil {
		st.discard = append(st.discard, st.pod)
	}
	if st.loadgen != nil && st.loadgen.DeletionTimestamp == nil {
		st.discard = append(st.discard, st.loadgen)
	}
	return true
}

// observePending handles an attempt with a pod that has not started: its
// reason says what it waits for, and past the pending timeout the attempt
// ends (and its pods are deleted: an unschedulable pod placed later would
// run a stale attempt). It reports whether it decided the run.
func (st *runState) observePending() bool {
	for _, p := range []*corev1.Pod{st.pod, st.loadgen} {
		why, end := pending(p, st.now, st.pendingTimeout)
		if why == "" {
			continue
		}
		if end == "" {
			outcome := labv1.OutcomePending
			if p != st.pod && st.pod != nil { // a service's generator waits; its server runs
				outcome = labv1.OutcomeRunning
			}
			st.set(outcome, why, nil, nil)
			return true
		}
		who := ""
		if p == st.loadgen {
			who = "load generator "
		}
		st.set(end, who+why, nil, nil)
		for _, q := range []*corev1.Pod{st.pod, st.loadgen} {
			if q != nil && q.DeletionTimestamp == nil {
				st.discard = append(st.discard, q)
			}
		}
		return true
	}
	return false
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
	if reason != "" || (final(outcome) && outcome != labv1.OutcomeCompleted) || strings.HasPrefix(s.Reason, pendingPrefix) {
		s.Reason = reason // a pending note goes once the pod starts
	}
	s.Outcome = outcome
	if sum != nil {
		s.Summary = sum
	}
}

// observeService decides a service run from its server and load-generator
// pods (outcome.Service). A server deleted after its generator finished
// (by the operator: it outlived the generator) was stopped on purpose, and
// is waited for while it terminates, as it may still report its figures —
// unless it is stuck terminating (its node lost); one deleted under load
// (a user, a drain) loses the attempt, and its generator is deleted.
func (st *runState) observeService(app bool) {
	var srv, lg *outcome.Process
	if st.loadgen != nil {
		p := podProcess(st.loadgen)
		lg = &p
	}
	if st.pod != nil {
		p := podProcess(st.pod)
		if del := st.pod.DeletionTimestamp; del != nil && p.Ended != outcome.OOMKilled {
			lgEnd := terminated(st.loadgen)
			switch {
			case lgEnd == nil || deletionRequested(st.pod).Before(lgEnd.FinishedAt.Time):
				p.Ended = outcome.Interrupted
			case p.Ended == outcome.NotEnded && st.now.After(del.Add(StuckTerminating)):
				p.Ended, p.Summary, p.Stopped = outcome.Exited, nil, true // its node may be gone: do without its figures
			default:
				p.Stopped = true
			}
		}
		srv = &p
	}
	decide := outcome.Service
	if app {
		decide = outcome.App
	}
	d := decide(st.knobs(), st.podLimits(), srv, lg)
	if d.DeleteLoadgen {
		st.discard = append(st.discard, st.loadgen)
	}
	end := terminated(st.loadgen)
	if end == nil && st.loadgen == nil {
		end = terminated(st.pod)
	}
	st.set(d.Outcome, d.Reason, d.Summary, end)
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

// podProcess is a run's pod as outcome sees it, the way the kubelet
// reports it.
func podProcess(p *corev1.Pod) outcome.Process {
	term := terminated(p)
	o := outcome.Process{Started: p.Status.Phase != corev1.PodPending && p.Status.Phase != ""}
	if term != nil && term.Message != "" {
		if s, err := result.Decode([]byte(strings.TrimSpace(term.Message))); err == nil {
			o.Summary = s
		}
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		o.Ended = outcome.Exited
	case corev1.PodFailed:
		switch {
		case term != nil && term.Reason == "OOMKilled":
			o.Ended = outcome.OOMKilled
		case p.Status.Reason == "Evicted":
			o.Ended, o.Why = outcome.Evicted, p.Status.Message
		case p.Status.Reason == "DeadlineExceeded":
			o.Ended, o.Why = outcome.DeadlineExceeded, p.Status.Message
		case term != nil:
			o.Ended, o.Code, o.Why = outcome.Exited, int(term.ExitCode), term.Reason
		default:
			o.Ended, o.Code, o.Why = outcome.Exited, -1, strings.TrimSpace(p.Status.Reason+" "+p.Status.Message)
		}
		if o.Ended == outcome.Exited && o.Code == 0 {
			o.Code = -1 // failed without an exit code of its own
		}
	default:
		// The workload container has ended, though the pod's phase may
		// lag it (a busy kubelet's status update, a native sidecar still
		// stopping): with restartPolicy Never that end is final. A load
		// generator seen ended only once its server has gone must not
		// count as still running.
		switch {
		case term == nil:
		case term.Reason == "OOMKilled":
			o.Started, o.Ended = true, outcome.OOMKilled
		default:
			o.Started, o.Ended, o.Code, o.Why = true, outcome.Exited, int(term.ExitCode), term.Reason
			if term.ExitCode == 0 {
				o.Why = ""
			}
		}
	}
	return o
}

func terminated(p *corev1.Pod) *corev1.ContainerStateTerminated {
	if p == nil {
		return nil
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.Name == plan.ContainerName && c.State.Terminated != nil {
			return c.State.Terminated
		}
	}
	return nil
}
