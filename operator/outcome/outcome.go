package outcome

import (
	"fmt"
	"slices"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
)

// Ended says how a workload process (a pod's container) ended.
type Ended int

// How a process ended.
const (
	// NotEnded: still pending or running.
	NotEnded Ended = iota
	// Exited: it exited by itself, with Code (0 for success).
	Exited
	// OOMKilled: the kernel killed it at its memory limit.
	OOMKilled
	// DeadlineExceeded: stopped at its deadline (plan.Deadline): by the
	// local executor, or by the kubelet's activeDeadlineSeconds.
	DeadlineExceeded
	// Evicted: the node evicted it.
	Evicted
	// Interrupted: stopped before it finished, by a person (Ctrl-C) or a
	// deletion under load.
	Interrupted
)

// Process is one workload process of a run as its executor saw it.
type Process struct {
	// Started: it ran (a pod Running or later; a process started).
	Started bool
	Ended   Ended
	// Code is the exit code when Exited.
	Code int
	// Why is the executor's account, in its own words: the kubelet's
	// reason and message, a signal, the workload's last line on stderr.
	Why string
	// Summary is the last summary it left, nil when none.
	Summary *result.Summary
	// Stopped: the executor stopped it on purpose once its part was done
	// (a server that outlived its load generator); not a failure.
	Stopped bool
}

// Decision is a run's outcome as of what was seen.
type Decision struct {
	Outcome, Reason string
	// Summary is the run's figures (a service run's merged from its
	// server and load generator); nil when none.
	Summary *labv1.RunSummary
	// DeleteLoadgen: the load generator runs on against a server that is
	// gone; it must be stopped.
	DeleteLoadgen bool
}

// Final reports whether the decision will not change.
func (d Decision) Final() bool { return expstatus.Final(d.Outcome) }

// Reasons the two executors give alike.
const (
	ReasonNoSummary       = "the workload exited 0 without a result summary"
	ReasonOOMKilled       = "the kernel OOM-killed the workload at its memory limit (exit code 137)"
	ServerGoneUnderLoad   = "the server was gone before its load generator finished"
	ServerFiguresMissing  = "the server left no summary: its figures are missing"
	ServerStoppedFigures  = "the server did not stop by itself after its load generator and was stopped; its figures include the wait"
	serverBeforeGenerator = "the server ended before its load generator started"
)

// Single decides a run of one process, under the variant's knobs and the
// Experiment's pod-level limits (nil: none).
func Single(k *labv1.Knobs, pod *labv1.PodLimits, w Process) Decision {
	d := ended(w)
	if d.Outcome == labv1.OutcomeCompleted {
		d = limits(k, pod, w.Summary, d, "")
	}
	d.Reason = expstatus.ClipReason(d.Reason)
	return d
}

// ended is a process's own outcome, without the run's context.
func ended(w Process) Decision {
	var sum *labv1.RunSummary
	if w.Summary != nil {
		sum = aggregate.RunSummary(w.Summary)
	}
	d := Decision{Summary: sum}
	switch w.Ended {
	case NotEnded:
		d.Outcome, d.Summary = labv1.OutcomePending, nil
		if w.Started {
			d.Outcome = labv1.OutcomeRunning
		}
	case Exited:
		switch {
		case w.Code == 0 && sum == nil:
			d.Outcome, d.Reason = labv1.OutcomeError, ReasonNoSummary
		case w.Code == 0:
			d.Outcome = labv1.OutcomeCompleted
		default:
			d.Outcome, d.Reason = labv1.OutcomeError, joinWhy(fmt.Sprintf("exit code %d", w.Code), w.Why)
		}
	case OOMKilled:
		d.Outcome, d.Reason = labv1.OutcomeOOMKilled, ReasonOOMKilled
	case DeadlineExceeded:
		d.Outcome, d.Reason = labv1.OutcomeDeadlineExceeded, joinWhy("stopped at its deadline: it could not finish its work in time", w.Why)
	case Evicted:
		d.Outcome, d.Reason = labv1.OutcomeEvicted, joinWhy("evicted", w.Why)
	case Interrupted:
		d.Outcome, d.Reason = labv1.OutcomeDeleted, joinWhy("interrupted before it finished", w.Why)
	}
	return d
}

// limits turns a completed run whose workload did not run under the
// variant's limits into an Error (expstatus.LimitsSeen).
func limits(k *labv1.Knobs, pod *labv1.PodLimits, s *result.Summary, d Decision, who string) Decision {
	if k == nil || s == nil || slices.Contains(s.Missing, result.MissingContainer) {
		return d // an observed service whose cgroup nobody could read: unverified, and the summary says so
	}
	if why := expstatus.LimitsSeen(*k, pod, s.Settings); why != "" {
		d.Outcome, d.Reason = labv1.OutcomeError, who+why
	}
	return d
}

// Service decides a service run from its server and its load generator;
// nil is a process that does not exist (not created yet, or gone). A
// service run is final only when both have ended, so the server's own
// figures — CPU, throttling, memory, recovered panics — are in its
// summary; those figures are the server's (aggregate.MergeServer), the
// rate and latency the generator's. A server's failure decides the run; a
// generator's failure is an Error of the attempt (it has resources of
// its own), which the operator retries.
func Service(k *labv1.Knobs, pod *labv1.PodLimits, srv, lg *Process) Decision {
	d := service(k, pod, srv, lg)
	d.Reason = expstatus.ClipReason(d.Reason)
	return d
}

func service(k *labv1.Knobs, pod *labv1.PodLimits, srv, lg *Process) Decision {
	switch {
	case srv == nil && lg == nil:
		return Decision{Outcome: labv1.OutcomePending}
	case srv == nil:
		if lg.Ended == NotEnded {
			// The generator would go on against an address nobody serves.
			return Decision{Outcome: labv1.OutcomeDeleted, Reason: ServerGoneUnderLoad, DeleteLoadgen: true}
		}
		return withServer(k, pod, nil, ended(*lg), nil)
	case lg == nil:
		s := ended(*srv)
		switch {
		case !s.Final():
			return Decision{Outcome: s.Outcome}
		case s.Outcome == labv1.OutcomeOOMKilled || s.Outcome == labv1.OutcomeDeleted || s.Outcome == labv1.OutcomeDeadlineExceeded:
			return Decision{Outcome: s.Outcome, Reason: "server: " + s.Reason}
		}
		return Decision{Outcome: labv1.OutcomeError, Reason: "server: " + joinWhy(serverBeforeGenerator, s.Reason)}
	}
	switch {
	case srv.Ended == Interrupted && lg.Ended == Interrupted:
		return Decision{Outcome: labv1.OutcomeDeleted, Reason: joinWhy("interrupted before it finished", srv.Why)}
	case srv.Ended == Interrupted:
		return Decision{Outcome: labv1.OutcomeDeleted, Reason: joinWhy(ServerGoneUnderLoad, srv.Why), DeleteLoadgen: lg.Ended == NotEnded}
	}
	l := ended(*lg)
	if !l.Final() || srv.Ended == NotEnded {
		// The server runs: the run has started, and it has not ended until
		// the server has reported too.
		return Decision{Outcome: labv1.OutcomeRunning}
	}
	return withServer(k, pod, srv, l, srv.Summary)
}

// App decides a run of the app scenario from your service (srv) and the
// lab's load generator (lg), which observed it; nil is a process that does
// not exist. The service leaves no summary: the generator's is the run's,
// with the service's figures it read. The service failing under load — an
// OOM kill, a crash, an exit, its deadline — decides the run; a service
// the executor stopped after the load, as planned, does not. A
// generator's failure is an Error of the attempt, which is retried.
func App(k *labv1.Knobs, pod *labv1.PodLimits, srv, lg *Process) Decision {
	d := app(k, pod, srv, lg)
	d.Reason = expstatus.ClipReason(d.Reason)
	return d
}

func app(k *labv1.Knobs, pod *labv1.PodLimits, srv, lg *Process) Decision {
	switch {
	case srv == nil && lg == nil:
		return Decision{Outcome: labv1.OutcomePending}
	case srv == nil && lg.Ended == NotEnded:
		return Decision{Outcome: labv1.OutcomeDeleted, Reason: ServerGoneUnderLoad, DeleteLoadgen: true}
	case srv == nil:
		// Gone after the load ended: stopped as planned (a deleted pod's
		// object goes once its containers have stopped), its failures
		// under load shown by the generator's errors.
		l := ended(*lg)
		if l.Final() && l.Outcome != labv1.OutcomeCompleted {
			l.Outcome, l.Reason = loadgenFailed(l)
		}
		return l
	case lg == nil:
		if srv.Ended == NotEnded {
			return Decision{Outcome: ended(*srv).Outcome}
		}
		return serviceFailed(srv, serverBeforeGenerator)
	case srv.Ended == Interrupted:
		return Decision{Outcome: labv1.OutcomeDeleted, Reason: joinWhy(ServerGoneUnderLoad, srv.Why), DeleteLoadgen: lg.Ended == NotEnded}
	}
	l := ended(*lg)
	if !l.Final() || srv.Ended == NotEnded {
		return Decision{Outcome: labv1.OutcomeRunning}
	}
	if !srv.Stopped {
		d := serviceFailed(srv, "your service ended during the load")
		d.Summary = l.Summary // what was measured is kept, as the failure's evidence
		return d
	}
	if l.Outcome != labv1.OutcomeCompleted {
		l.Outcome, l.Reason = loadgenFailed(l)
		return l
	}
	return limits(k, pod, lg.Summary, l, "server: ")
}

// serviceFailed is the outcome of your service ending by itself (what
// ended says when it exited 0 or with a code).
func serviceFailed(srv *Process, what string) Decision {
	switch srv.Ended {
	case OOMKilled:
		return Decision{Outcome: labv1.OutcomeOOMKilled, Reason: "server: " + ReasonOOMKilled}
	case Exited:
		return Decision{Outcome: labv1.OutcomeError, Reason: "server: " + joinWhy(fmt.Sprintf("%s (exit code %d)", what, srv.Code), srv.Why)}
	}
	s := ended(*srv)
	return Decision{Outcome: s.Outcome, Reason: "server: " + s.Reason}
}

// withServer completes a service run whose load generator ended (l), from
// its server (nil: gone) and the server's summary.
func withServer(k *labv1.Knobs, pod *labv1.PodLimits, srv *Process, l Decision, srvSum *result.Summary) Decision {
	d := l
	s := Decision{Outcome: labv1.OutcomeCompleted}
	if srv != nil && !srv.Stopped {
		s = ended(*srv)
	}
	switch {
	case s.Outcome != labv1.OutcomeCompleted:
		// A server that failed under load (OOM kill, crash, deadline)
		// decides the run, whatever its load generator saw.
		d.Outcome, d.Reason = s.Outcome, "server: "+s.Reason
	case l.Outcome != labv1.OutcomeCompleted:
		d.Outcome, d.Reason = loadgenFailed(l)
	case srvSum == nil:
		d.Reason = ServerFiguresMissing
	case srv.Stopped && srvSum.Partial:
		d.Reason = ServerStoppedFigures
	}
	if d.Summary != nil {
		var server *labv1.RunSummary // nil: the server's figures are missing, not the generator's
		if srvSum != nil {
			server = aggregate.RunSummary(srvSum)
		}
		aggregate.MergeServer(d.Summary, server)
	}
	if d.Outcome == labv1.OutcomeCompleted {
		d = limits(k, pod, srvSum, d, "server: ")
	}
	return d
}

// loadgenFailed is the outcome of a run whose load generator failed: not
// the variant's doing, so an Error, which is retried, even when the
// generator was OOM-killed.
func loadgenFailed(l Decision) (string, string) {
	reason := l.Reason
	if l.Outcome == labv1.OutcomeOOMKilled {
		reason += "; raise spec.loadGenerator.resources"
	}
	return labv1.OutcomeError, "load generator " + l.Outcome + ": " + reason
}

func joinWhy(what, why string) string {
	if why == "" {
		return what
	}
	return what + ": " + why
}
