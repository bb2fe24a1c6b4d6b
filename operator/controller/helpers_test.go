package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// states are runs v000-r0, v001-r0, v000-r1, v001-r1 (repetition-major),
// with the given outcomes and attempts (0: never started).
func states(outcomes []string, attempts []int) []*runState {
	vs := []plan.Variant{{Name: "v000"}, {Name: "v001"}}
	runs := []plan.Run{{Variant: &vs[0], Index: 0}, {Variant: &vs[1], Index: 0}, {Variant: &vs[0], Index: 1}, {Variant: &vs[1], Index: 1}}
	out := make([]*runState, len(runs))
	for i, r := range runs {
		out[i] = &runState{run: r, attempt: attempts[i], status: labv1.RunStatus{Index: int32(r.Index), Outcome: outcomes[i], Attempt: int32(attempts[i])}}
	}
	return out
}

func describeCreations(cs []creation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.state.run.ID()+"/a"+string(rune('0'+c.attempt))+"/"+c.role)
	}
	return out
}

// TestSchedule: at most parallelism runs active; retries of the cluster's
// failures within the budget before new runs; new runs in plan order.
func TestSchedule(t *testing.T) {
	P, R, C, E, O := labv1.OutcomePending, labv1.OutcomeRunning, labv1.OutcomeCompleted, labv1.OutcomeError, labv1.OutcomeOOMKilled
	tests := []struct {
		name        string
		outcomes    []string
		attempts    []int
		parallelism int
		budget      int
		want        []string
	}{
		{"first wave, one at a time", []string{P, P, P, P}, []int{0, 0, 0, 0}, 1, 2, []string{"v000-r0/a1/workload"}},
		{"first wave, two at a time", []string{P, P, P, P}, []int{0, 0, 0, 0}, 2, 2, []string{"v000-r0/a1/workload", "v001-r0/a1/workload"}},
		{"one running, room for one", []string{R, P, P, P}, []int{1, 0, 0, 0}, 2, 2, []string{"v001-r0/a1/workload"}},
		{"full", []string{R, R, P, P}, []int{1, 1, 0, 0}, 2, 2, nil},
		{"a retry before new runs", []string{E, C, P, P}, []int{1, 1, 0, 0}, 1, 2, []string{"v000-r0/a2/workload"}},
		{"retry budget spent", []string{E, C, P, P}, []int{3, 1, 0, 0}, 1, 2, []string{"v000-r1/a1/workload"}},
		{"an OOM kill is the variant's, not retried", []string{O, C, P, P}, []int{1, 1, 0, 0}, 1, 2, []string{"v000-r1/a1/workload"}},
		{"all done", []string{C, C, O, C}, []int{1, 1, 1, 1}, 4, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describeCreations(schedule(states(tt.outcomes, tt.attempts), tt.parallelism, tt.budget, false))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("creations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScheduleRetryNote: a retried run says why in its reason, and starts
// afresh (no summary, no times).
func TestScheduleRetryNote(t *testing.T) {
	ss := states([]string{labv1.OutcomeError, labv1.OutcomeCompleted, labv1.OutcomeCompleted, labv1.OutcomeCompleted}, []int{1, 1, 1, 1})
	ss[0].status.Reason, ss[0].status.Summary = "exit code 2: boom", &labv1.RunSummary{}
	schedule(ss, 1, 2, false)
	s := ss[0].status
	if s.Outcome != labv1.OutcomePending || s.Attempt != 2 || s.Summary != nil || !strings.HasPrefix(s.Reason, "retry 1 after Error: exit code 2: boom") {
		t.Errorf("got %+v, want a Pending second attempt saying why", s)
	}
}

// TestSettled: the Experiment is settled when every run is final and no
// failure has retries left.
func TestSettled(t *testing.T) {
	C, E, R := labv1.OutcomeCompleted, labv1.OutcomeError, labv1.OutcomeRunning
	tests := []struct {
		name     string
		outcomes []string
		attempts []int
		want     bool
	}{
		{"all completed", []string{C, C, C, C}, []int{1, 1, 1, 1}, true},
		{"one running", []string{C, R, C, C}, []int{1, 1, 1, 1}, false},
		{"an error with retries left", []string{C, E, C, C}, []int{1, 1, 1, 1}, false},
		{"an error out of retries", []string{C, E, C, C}, []int{1, 3, 1, 1}, true},
		{"past its deadline: final, not retried", []string{C, labv1.OutcomeDeadlineExceeded, C, C}, []int{1, 1, 1, 1}, true},
	}
	for _, tt := range tests {
		if got := settled(states(tt.outcomes, tt.attempts), 2); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestServersToStop: a server outliving its load generator by the grace is
// stopped; before that the pass comes back when it is due; a deleted one
// is waited for until it counts as stuck; an orphaned generator goes.
func TestServersToStop(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	lgDone := func(at time.Time) *corev1.Pod { return pod(plan.RoleLoadgen, corev1.PodSucceeded, at) }
	running := func() *corev1.Pod { return pod(plan.RoleServer, corev1.PodRunning, time.Time{}) }
	tests := []struct {
		name      string
		srv, lg   *corev1.Pod
		orphan    *corev1.Pod
		now       time.Time
		wantStop  []string
		wantAfter time.Duration
	}{
		{"generator still running", running(), pod(plan.RoleLoadgen, corev1.PodRunning, time.Time{}), nil, t0, nil, 0},
		{"within the grace: come back when it ends", running(), lgDone(t0), nil, t0.Add(5 * time.Second), nil, 15 * time.Second},
		{"past the grace: stop it", running(), lgDone(t0), nil, t0.Add(21 * time.Second), []string{"server"}, 0},
		{"server ended by itself", pod(plan.RoleServer, corev1.PodSucceeded, t0), lgDone(t0), nil, t0.Add(time.Minute), nil, 0},
		{"deleted: come back when it counts as stuck", deleting(running(), t0), lgDone(t0), nil, t0.Add(time.Minute), nil, StuckTerminating - 29*time.Second},
		{"an orphaned generator goes", nil, nil, pod(plan.RoleLoadgen, corev1.PodRunning, time.Time{}), t0, []string{"loadgen"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &runState{pod: tt.srv, loadgen: tt.lg, discard: []*corev1.Pod{tt.orphan}, status: labv1.RunStatus{Outcome: labv1.OutcomeRunning}}
			stop, after := serversToStop([]*runState{st}, tt.now, 20*time.Second)
			var names []string
			for _, p := range stop {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(tt.wantStop, names); diff != "" || after != tt.wantAfter {
				t.Errorf("stop (-want +got):\n%s\nrequeue after %s, want %s", diff, after, tt.wantAfter)
			}
		})
	}
}
