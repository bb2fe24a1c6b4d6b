package controller

import (
	"fmt"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// creation is one pod to create.
type creation struct {
	state   *runState
	attempt int
	role    string
}

// schedule decides which pods to create this pass: missing pods of started
// attempts, load generators whose server is up, retries of runs the
// cluster failed (within the retry budget), then new runs in plan order —
// never more active runs than parallelism. It updates the states' status
// for what it schedules.
func schedule(states []*runState, parallelism, retryBudget int, service bool) []creation {
	var out []creation
	active := 0
	for _, st := range states {
		if st.attempt > 0 && !final(st.status.Outcome) {
			active++
		}
	}
	mainRole := plan.RoleWorkload
	if service {
		mainRole = plan.RoleServer
	}
	for _, st := range states {
		switch {
		case st.recreate:
			out = append(out, creation{st, st.attempt, mainRole})
		case service && st.pod != nil && st.loadgen == nil && st.pod.Status.PodIP != "" &&
			st.status.Outcome == labv1.OutcomeRunning:
			out = append(out, creation{st, st.attempt, plan.RoleLoadgen})
		}
	}
	for _, st := range states {
		if active >= parallelism {
			break
		}
		if retryable(st.status.Outcome) && st.attempt < 1+retryBudget {
			st.status.Reason = expstatus.ClipReason(fmt.Sprintf("retry %d after %s: %s", st.attempt, st.status.Outcome, st.status.Reason))
			st.next(mainRole, &out)
			active++
		}
	}
	for _, st := range states {
		if active >= parallelism {
			break
		}
		if st.attempt == 0 {
			st.next(mainRole, &out)
			active++
		}
	}
	return out
}

// next schedules the run's next attempt.
func (st *runState) next(role string, out *[]creation) {
	st.attempt++
	st.pod, st.loadgen = nil, nil
	st.status.Attempt = int32(st.attempt)
	st.status.Outcome = labv1.OutcomePending
	st.status.Summary = nil
	st.status.StartTime, st.status.CompletionTime = nil, nil
	*out = append(*out, creation{st, st.attempt, role})
}
