package controller

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// pendingPod is a pod created at created, pending with the given
// scheduling condition and container waiting reason ("" for none).
func pendingPod(created time.Time, unschedulable bool, waiting, message string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: metav1.NewTime(created)},
		Status: corev1.PodStatus{Phase: corev1.PodPending}}
	if unschedulable {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: "Unschedulable", Message: "0/1 nodes are available: 1 Insufficient cpu."}}
	}
	if waiting != "" {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting, Message: message}}}}
	}
	return p
}

func TestPending(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	const timeout = 5 * time.Minute
	early, late := t0.Add(time.Minute), t0.Add(6*time.Minute)
	tests := []struct {
		name    string
		pod     *corev1.Pod
		now     time.Time
		wantWhy string
		wantEnd string
	}{
		{name: "just created, nothing to say", pod: pendingPod(t0, false, "", ""), now: early},
		{name: "being created", pod: pendingPod(t0, false, "ContainerCreating", ""), now: early},
		{name: "unschedulable, waiting", pod: pendingPod(t0, true, "", ""), now: early,
			wantWhy: "pending: not scheduled: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu."},
		{name: "unschedulable past the timeout", pod: pendingPod(t0, true, "", ""), now: late,
			wantWhy: "pending for 6m0s (spec.pendingTimeout 5m0s): not scheduled", wantEnd: labv1.OutcomeUnschedulable},
		{name: "image pull backing off", pod: pendingPod(t0, false, "ImagePullBackOff", `Back-off pulling image "runtime-lab/workload:dev"`), now: early,
			wantWhy: `pending: ImagePullBackOff: Back-off pulling image "runtime-lab/workload:dev"`},
		{name: "image never pulled", pod: pendingPod(t0, false, "ErrImagePull", "not found"), now: late,
			wantWhy: "ErrImagePull: not found", wantEnd: labv1.OutcomeImageError},
		{name: "an invalid image name ends at once", pod: pendingPod(t0, false, "InvalidImageName", "bad"), now: early,
			wantWhy: "InvalidImageName: bad", wantEnd: labv1.OutcomeImageError},
		{name: "a config error past the timeout", pod: pendingPod(t0, false, "CreateContainerConfigError", "secret x not found"), now: late,
			wantWhy: "CreateContainerConfigError: secret x not found", wantEnd: labv1.OutcomeError},
		{name: "silent past the timeout", pod: pendingPod(t0, false, "", ""), now: late,
			wantWhy: "the pod never started", wantEnd: labv1.OutcomeError},
		{name: "running is not pending", pod: pod(plan.RoleWorkload, corev1.PodRunning, time.Time{}), now: late},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why, end := pending(tt.pod, tt.now, timeout)
			if !strings.Contains(why, tt.wantWhy) || (tt.wantWhy == "") != (why == "") || end != tt.wantEnd {
				t.Errorf("got %q, %q; want %q, %q", why, end, tt.wantWhy, tt.wantEnd)
			}
		})
	}
}

// TestPendingRunLifecycle: a pending note shows while the pod waits and
// goes when it starts; past the timeout the attempt ends, retryable, and
// its pod is to be deleted.
func TestPendingRunLifecycle(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	st := &runState{attempt: 1, now: t0.Add(time.Minute), pendingTimeout: 5 * time.Minute,
		pod: pendingPod(t0, false, "ImagePullBackOff", "no such image"), status: labv1.RunStatus{Attempt: 1, Outcome: labv1.OutcomePending}}
	st.observe("gc")
	if st.status.Outcome != labv1.OutcomePending || !strings.HasPrefix(st.status.Reason, "pending: ImagePullBackOff") {
		t.Fatalf("waiting: got %s %q", st.status.Outcome, st.status.Reason)
	}
	st.pod = pod(plan.RoleWorkload, corev1.PodRunning, time.Time{})
	st.observe("gc")
	if st.status.Outcome != labv1.OutcomeRunning || st.status.Reason != "" {
		t.Errorf("started: got %s %q, want Running without the pending note", st.status.Outcome, st.status.Reason)
	}
	st.pod, st.now = pendingPod(t0, false, "ImagePullBackOff", "no such image"), t0.Add(6*time.Minute)
	st.status = labv1.RunStatus{Attempt: 1, Outcome: labv1.OutcomePending}
	st.observe("gc")
	if st.status.Outcome != labv1.OutcomeImageError || !retryable(st.status.Outcome) || len(st.discard) != 1 {
		t.Errorf("past the timeout: got %s %q, discard %d; want ImageError, retryable, its pod deleted", st.status.Outcome, st.status.Reason, len(st.discard))
	}
}

// TestPodLimitsDropped: a pod whose pod-level limits the API server
// dropped ends its attempt as an Error saying why, and is deleted; a pod
// that kept them runs on.
func TestPodLimitsDropped(t *testing.T) {
	cpu := resource.MustParse("1")
	limits := &labv1.PodLimits{CPU: &cpu}
	st := &runState{attempt: 1, podLimitsOf: limits, pod: pod(plan.RoleWorkload, corev1.PodRunning, time.Time{}),
		status: labv1.RunStatus{Attempt: 1, Outcome: labv1.OutcomePending}}
	st.observe("gc")
	if st.status.Outcome != labv1.OutcomeError || st.status.Reason != ReasonPodLimitsDropped || len(st.discard) != 1 {
		t.Errorf("dropped: got %s %q, discard %d; want Error, %q, its pod deleted", st.status.Outcome, st.status.Reason, len(st.discard), ReasonPodLimitsDropped)
	}
	kept := pod(plan.RoleWorkload, corev1.PodRunning, time.Time{})
	kept.Spec.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: cpu}}
	st = &runState{attempt: 1, podLimitsOf: limits, pod: kept, status: labv1.RunStatus{Attempt: 1, Outcome: labv1.OutcomePending}}
	st.observe("gc")
	if st.status.Outcome != labv1.OutcomeRunning {
		t.Errorf("kept: got %s %q, want Running", st.status.Outcome, st.status.Reason)
	}
}
