package controller

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/outcome"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// pod is a run pod as the kubelet reports it; finished is zero while it runs.
func pod(role string, phase corev1.PodPhase, finished time.Time) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: role, Labels: map[string]string{plan.LabelRole: role}},
		Status: corev1.PodStatus{Phase: phase}}
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	if !finished.IsZero() {
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 143, Reason: "Error", FinishedAt: metav1.NewTime(finished)}}
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, State: state}}
	return p
}

// deleting marks p deleted at requested with a 30 s grace period.
func deleting(p *corev1.Pod, requested time.Time) *corev1.Pod {
	p.DeletionTimestamp = ptr.To(metav1.NewTime(requested.Add(30 * time.Second)))
	p.DeletionGracePeriodSeconds = ptr.To(int64(30))
	return p
}

// TestServerDeletion tells a server deleted under load (a user, a drain:
// the attempt is lost) from one deleted after its generator finished (the
// operator stopping it: the run stands).
func TestServerDeletion(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		srv, lg    *corev1.Pod
		want       string
		wantOrphan bool
	}{
		{"deleted while the generator runs", deleting(pod(plan.RoleServer, corev1.PodRunning, time.Time{}), t0),
			pod(plan.RoleLoadgen, corev1.PodRunning, time.Time{}), labv1.OutcomeDeleted, true},
		{"deleted before the generator finished, seen after", deleting(pod(plan.RoleServer, corev1.PodRunning, time.Time{}), t0),
			pod(plan.RoleLoadgen, corev1.PodSucceeded, t0.Add(5*time.Second)), labv1.OutcomeDeleted, false},
		{"deleted after the generator finished, still terminating", deleting(pod(plan.RoleServer, corev1.PodRunning, time.Time{}), t0.Add(25*time.Second)),
			pod(plan.RoleLoadgen, corev1.PodSucceeded, t0.Add(5*time.Second)), labv1.OutcomeRunning, false},
		{"deleted after the generator finished, stuck terminating (node lost)", deleting(pod(plan.RoleServer, corev1.PodRunning, time.Time{}), t0.Add(25*time.Second)),
			pod(plan.RoleLoadgen, corev1.PodSucceeded, t0.Add(5*time.Second)), labv1.OutcomeCompleted, false},
		{"deleted after the generator finished, ended by SIGTERM", deleting(pod(plan.RoleServer, corev1.PodFailed, t0.Add(26*time.Second)), t0.Add(25*time.Second)),
			pod(plan.RoleLoadgen, corev1.PodSucceeded, t0.Add(5*time.Second)), labv1.OutcomeCompleted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lg.Status.Phase == corev1.PodSucceeded {
				tt.lg.Status.ContainerStatuses[0].State.Terminated.Message = lgSummary(t)
			}
			now := t0.Add(time.Minute) // the terminating servers' grace ends at t0+55s
			if strings.Contains(tt.name, "stuck") {
				now = t0.Add(5 * time.Minute)
			}
			st := &runState{attempt: 1, pod: tt.srv, loadgen: tt.lg, now: now, status: labv1.RunStatus{Outcome: labv1.OutcomeRunning, Attempt: 1}}
			st.observe("service")
			if got := st.status.Outcome; got != tt.want || (len(st.discard) > 0) != tt.wantOrphan {
				t.Errorf("got %s %q (orphan %v), want %s (orphan %v)", got, st.status.Reason, len(st.discard) > 0, tt.want, tt.wantOrphan)
			}
			if tt.want == labv1.OutcomeCompleted && st.status.Reason != outcome.ServerFiguresMissing {
				t.Errorf("reason: got %q, want %q", st.status.Reason, outcome.ServerFiguresMissing)
			}
		})
	}
}

// TestPodProcessReadsTheContainerBeforeThePhase: a workload container that
// has terminated ends its process even while the pod's phase still says
// Running (a busy kubelet's status lags; a native sidecar still stops), so
// a load generator that finished is never taken for one still loading when
// its server is already gone.
func TestPodProcessReadsTheContainerBeforeThePhase(t *testing.T) {
	pod := func(term *corev1.ContainerStateTerminated) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: plan.ContainerName, State: corev1.ContainerState{Terminated: term}}}}}
	}
	for _, tc := range []struct {
		name string
		term *corev1.ContainerStateTerminated
		want outcome.Ended
		code int
	}{
		{"still running", nil, outcome.NotEnded, 0},
		{"exited 0", &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}, outcome.Exited, 0},
		{"exited 1", &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}, outcome.Exited, 1},
		{"OOM-killed", &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}, outcome.OOMKilled, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := podProcess(pod(tc.term))
			if p.Ended != tc.want || p.Code != tc.code || !p.Started {
				t.Errorf("got ended %v code %d started %v, want %v %d true", p.Ended, p.Code, p.Started, tc.want, tc.code)
			}
		})
	}
}
