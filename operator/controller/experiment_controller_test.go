package controller

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// newExperiment creates a gc Experiment crossing two GOMAXPROCS values
// under one CPU and memory limit.
func newExperiment(t *testing.T, ns string, reps, parallelism int32, mutate ...func(*labv1.Experiment)) *labv1.Experiment {
	t.Helper()
	cpu := resource.MustParse("500m")
	e := &labv1.Experiment{
		ObjectMeta: metav1.ObjectMeta{Name: "gomaxprocs", Namespace: ns},
		Spec: labv1.ExperimentSpec{
			Scenario: labv1.ScenarioSpec{GC: &labv1.GCScenario{LiveHeap: ptr.To("64Mi")}},
			Matrix: labv1.Matrix{
				CPU:        []labv1.CPUSetting{{Limit: &cpu}},
				Memory:     []labv1.MemorySetting{{Limit: ptr.To("256Mi")}},
				GOMAXPROCS: []string{"1", "4"},
			},
			Duration: metav1.Duration{Duration: 10 * time.Second}, Warmup: metav1.Duration{Duration: time.Second},
			Repetitions: reps, Parallelism: parallelism,
			Objective: &labv1.Objective{Metric: "ops/s"},
		},
	}
	for _, m := range mutate {
		m(e)
	}
	if err := k8s.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func pods(t *testing.T, ns string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list.Items
}

func waitPods(t *testing.T, ns string, n int) []corev1.Pod {
	t.Helper()
	var got []corev1.Pod
	eventually(t, "pods", func() (bool, error) { got = pods(t, ns); return len(got) == n, nil })
	time.Sleep(300 * time.Millisecond) // no more than n may appear
	if got = pods(t, ns); len(got) != n {
		t.Fatalf("got %d pods, want %d", len(got), n)
	}
	return got
}

func get(t *testing.T, e *labv1.Experiment) *labv1.Experiment {
	t.Helper()
	out := &labv1.Experiment{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(e), out); err != nil {
		t.Fatal(err)
	}
	return out
}

// summary is a workload's result summary as it writes it.
func summary(ops float64, partial bool) string {
	b, err := result.Encode(&result.Summary{Version: result.SchemaVersion, Scenario: "gc", Partial: partial,
		Settings: result.Settings{GOMAXPROCS: 2}, Figures: map[string]float64{"ops/s": ops, "gc-cpu-frac": 0.1},
		CPU: result.CPU{Cores: 0.5, ThrottledRatio: 0.8}, Memory: result.Memory{PeakBytes: 100 << 20}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// kubelet sets a pod's status the way the kubelet reports a finished
// container. A result summary in message gets the limits of the pod's
// container as its settings, as the workload reads them from the cgroup
// the kubelet made.
func kubelet(t *testing.T, p *corev1.Pod, phase corev1.PodPhase, reason string, exit int32, message string) {
	t.Helper()
	if s, err := result.Decode([]byte(message)); err == nil && message != "" {
		lim := p.Spec.Containers[0].Resources.Limits
		s.Settings.CgroupVersion = 2
		s.Settings.CPULimitCores = float64(lim.Cpu().MilliValue()) / 1000
		s.Settings.MemoryLimitBytes = lim.Memory().Value()
		b, err := result.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		message = string(b)
	}
	unenforced(t, p, phase, reason, exit, message)
}

// unenforced is kubelet without touching the summary: a workload that did
// not run under its pod's limits.
func unenforced(t *testing.T, p *corev1.Pod, phase corev1.PodPhase, reason string, exit int32, message string) {
	t.Helper()
	p.Status.Phase = phase
	p.Status.PodIP = "10.1.2.3"
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Reason: reason,
			Message: message, FinishedAt: metav1.Now()}}
	}
	// A kubelet with in-place resize reports the resources it applied; the
	// API server takes resizes only for pods that show them.
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, State: state, Image: p.Spec.Containers[0].Image,
		Resources: p.Spec.Containers[0].Resources.DeepCopy()}}
	if err := k8s.Status().Update(context.Background(), p); err != nil {
		t.Fatalf("kubelet update of %s: %v", p.Name, err)
	}
}

func TestPodsCarryTheKnobs(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	newExperiment(t, ns, 1, 2)
	got := waitPods(t, ns, 2)
	for i, want := range []string{"1", "4"} {
		p := got[i]
		c := p.Spec.Containers[0]
		if p.Name != "gomaxprocs-v00"+string(rune('0'+i))+"-r0-a1" {
			t.Errorf("pod %d: got name %s", i, p.Name)
		}
		if l := c.Resources.Limits; l.Cpu().String() != "500m" || l.Memory().String() != "256Mi" {
			t.Errorf("%s limits: got %v, want cpu 500m memory 256Mi", p.Name, l)
		}
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		if env["GOMAXPROCS"] != want || env["RUNTIMELAB_EXPERIMENT"] != "gomaxprocs" {
			t.Errorf("%s env: got %v, want GOMAXPROCS=%s", p.Name, env, want)
		}
		if p.Labels[plan.LabelScenario] != "gc" || p.Labels[plan.LabelVariant] == "" || metav1.GetControllerOf(&p) == nil {
			t.Errorf("%s: got labels %v and owner %v", p.Name, p.Labels, p.OwnerReferences)
		}
		if c.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError || !*c.SecurityContext.ReadOnlyRootFilesystem {
			t.Errorf("%s: termination message policy %q or security context wrong", p.Name, c.TerminationMessagePolicy)
		}
	}
}

// TestPodShapeReachesTheAPIServer: a real API server keeps the shape
// spec.pod gives a run's pod (pod-level limits, a native sidecar), and a
// run that read the pod's limits in its own cgroup completes.
func TestPodShapeReachesTheAPIServer(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix = labv1.Matrix{GOMAXPROCS: []string{"2"}}
		cpu := resource.MustParse("1")
		e.Spec.Pod = &labv1.PodShape{Limits: &labv1.PodLimits{CPU: &cpu, Memory: ptr.To("256Mi")},
			Sidecar: &labv1.Sidecar{CPU: resource.MustParse("250m")}}
	})
	p := waitPods(t, ns, 1)[0]
	if r := p.Spec.Resources; r == nil || r.Limits.Cpu().String() != "1" || r.Limits.Memory().String() != "256Mi" {
		t.Fatalf("pod-level resources as stored: %+v, want limits of 1 CPU and 256Mi", r)
	}
	if len(p.Spec.InitContainers) != 1 || p.Spec.InitContainers[0].RestartPolicy == nil {
		t.Fatalf("init containers as stored: %+v, want the sidecar with restartPolicy Always", p.Spec.InitContainers)
	}
	// The kubelet copied the pod's limits into the container's cgroup.
	b, err := result.Encode(&result.Summary{Version: result.SchemaVersion, Scenario: "gc", Phase: "done",
		Settings: result.Settings{GOMAXPROCS: 2, CgroupVersion: 1, CPULimitCores: 1, MemoryLimitBytes: 256 << 20},
		Figures:  map[string]float64{"ops/s": 10}})
	if err != nil {
		t.Fatal(err)
	}
	unenforced(t, &p, corev1.PodSucceeded, "Completed", 0, string(b))
	eventually(t, "completed", func() (bool, error) {
		r := get(t, e).Status.Variants
		return len(r) == 1 && len(r[0].Runs) == 1 && r[0].Runs[0].Outcome == labv1.OutcomeCompleted, nil
	})
}

// TestResultsFlowIntoStatus plays the kubelet: one run completes with its
// summary, the other is OOM-killed. Status, aggregates, recommendation,
// conditions and events must follow.
func TestResultsFlowIntoStatus(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 2)
	ps := waitPods(t, ns, 2)
	kubelet(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(5000, false))
	kubelet(t, &ps[1], corev1.PodFailed, "OOMKilled", 137, summary(9000, true))
	var got *labv1.Experiment
	eventually(t, "Complete", func() (bool, error) {
		got = get(t, e)
		return meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionComplete), nil
	})
	st := got.Status
	if st.Phase != labv1.PhaseComplete || st.Progress != "2/2" || st.Runs.Succeeded != 1 || st.Runs.Failed != 1 || st.CompletionTime == nil {
		t.Errorf("got phase %s progress %s runs %+v", st.Phase, st.Progress, st.Runs)
	}
	v0, v1 := st.Variants[0], st.Variants[1]
	if v0.Runs[0].Outcome != labv1.OutcomeCompleted || v0.Runs[0].Summary.Figures["ops/s"] != 5000 {
		t.Errorf("v000 run: got %+v", v0.Runs[0])
	}
	if v1.Runs[0].Outcome != labv1.OutcomeOOMKilled || v1.Runs[0].Summary == nil || !v1.Runs[0].Summary.Partial {
		t.Errorf("v001 run: got %+v, want OOMKilled with its partial summary", v1.Runs[0])
	}
	if len(v0.Aggregates) == 0 || v0.Knobs.GOMAXPROCS != "1" {
		t.Errorf("v000: got aggregates %v knobs %+v", v0.Aggregates, v0.Knobs)
	}
	if st.Recommendation == nil || st.Recommendation.Variant != "v000" || !strings.Contains(st.Recommendation.Reason, "v001: 1 OOM-killed run(s)") {
		t.Errorf("recommendation: got %+v, want v000 (v001 was OOM-killed)", st.Recommendation)
	}
	if st.ObservedGeneration != got.Generation {
		t.Errorf("observedGeneration: got %d, want %d", st.ObservedGeneration, got.Generation)
	}
	eventually(t, "events", func() (bool, error) {
		var evs eventsv1.EventList
		if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
			return false, err
		}
		reasons := map[string]int{}
		for _, ev := range evs.Items {
			reasons[ev.Reason]++
		}
		ok := reasons["RunCompleted"] == 1 && reasons["RunOOMKilled"] == 1 && reasons["Complete"] == 1
		if !ok {
			return false, fmt.Errorf("events by reason: %v", reasons)
		}
		return true, nil
	})
}

func TestParallelismIsRespected(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	newExperiment(t, ns, 2, 1) // 4 runs, one at a time
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(1, false))
	ps = waitPods(t, ns, 2)
	if ps[1].Name != "gomaxprocs-v001-r0-a1" {
		t.Errorf("second pod: got %s, want gomaxprocs-v001-r0-a1 (repetition-major order)", ps[1].Name)
	}
}

// TestRestartKeepsResultsAndCreatesNoDuplicates stops the manager mid-run
// and starts another: the finished result stays, no pod is created twice.
func TestRestartKeepsResultsAndCreatesNoDuplicates(t *testing.T) {
	stop := startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 2)
	ps := waitPods(t, ns, 2)
	kubelet(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(42, false))
	eventually(t, "the first result", func() (bool, error) { return get(t, e).Status.Runs.Succeeded == 1, nil })
	stop()
	// The finished pod goes while no operator runs (a user cleaning up).
	if err := k8s.Delete(context.Background(), &ps[0]); err != nil {
		t.Fatal(err)
	}
	startManager(t)
	ps = waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(43, false))
	eventually(t, "Complete", func() (bool, error) {
		return meta.IsStatusConditionTrue(get(t, e).Status.Conditions, labv1.ConditionComplete), nil
	})
	st := get(t, e).Status
	if f := st.Variants[0].Runs[0].Summary.Figures["ops/s"]; f != 42 || st.Variants[0].Runs[0].Outcome != labv1.OutcomeCompleted {
		t.Errorf("v000 after restart: got %v %v, want Completed with ops/s 42 kept from status", st.Variants[0].Runs[0].Outcome, f)
	}
}

// TestFailedRunIsRetriedWithinBudget: an Error is the cluster's doing, so
// the run gets one more attempt (budget 1), then stays Error.
func TestFailedRunIsRetriedWithinBudget(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodFailed, "Error", 1, "")
	ps = waitPods(t, ns, 2)
	if ps[1].Name != "gomaxprocs-v000-r0-a2" {
		t.Fatalf("retry: got %s, want attempt 2", ps[1].Name)
	}
	kubelet(t, &ps[1], corev1.PodFailed, "Error", 2, "")
	eventually(t, "Failed", func() (bool, error) {
		return meta.IsStatusConditionTrue(get(t, e).Status.Conditions, labv1.ConditionFailed), nil
	})
	run := get(t, e).Status.Variants[0].Runs[0]
	if run.Outcome != labv1.OutcomeError || run.Attempt != 2 || !strings.Contains(run.Reason, "exit code 2") {
		t.Errorf("got %+v, want Error after attempt 2 with its exit code", run)
	}
	waitPods(t, ns, 2) // no third attempt
}

// TestDeletedRunningPodIsRecorded: a run whose pod vanishes while running
// is Deleted, then retried.
func TestDeletedRunningPodIsRecorded(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodRunning, "", 0, "")
	eventually(t, "Running", func() (bool, error) { return get(t, e).Status.Runs.Running == 1, nil })
	if err := k8s.Delete(context.Background(), &ps[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a retry after the deletion", func() (bool, error) {
		run := get(t, e).Status.Variants[0].Runs[0]
		return run.Attempt == 2 && strings.Contains(run.Reason, "retry 1 after Deleted: the pod was deleted before it finished"), nil
	})
}

// TestRunNotUnderItsLimitsIsNoResult: a workload that completed but saw
// no limits in its cgroup (a kubelet that did not enforce the pod's, a
// LimitRange that changed them) measured something else; it is an Error
// naming both, never a result under the variant's knobs.
func TestRunNotUnderItsLimitsIsNoResult(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	ps := waitPods(t, ns, 1)
	unenforced(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(7, false))
	eventually(t, "an Error naming the limits", func() (bool, error) {
		run := get(t, e).Status.Variants[0].Runs[0]
		return strings.Contains(run.Reason, "limits not enforced (cpu 500m asked, none seen; memory 256Mi asked, none seen"), nil
	})
	if st := get(t, e).Status; st.Runs.Succeeded != 0 || len(st.Variants[0].Aggregates) != 0 {
		t.Errorf("got %d succeeded and aggregates %v, want none from a run that did not run under its limits", st.Runs.Succeeded, st.Variants[0].Aggregates)
	}
}

// TestDeadlineExceeded: every pod has the run's deadline as
// activeDeadlineSeconds; a pod the kubelet ends for it is a
// DeadlineExceeded run with its partial summary, not retried (the variant
// cannot do its work in time, and would not the next time either).
func TestDeadlineExceeded(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	ps := waitPods(t, ns, 1)
	// 1 s warmup + 10 s window + 31.1 s grace + 120 s for the image pull
	if d := ps[0].Spec.ActiveDeadlineSeconds; d == nil || *d != 163 {
		t.Errorf("activeDeadlineSeconds: got %v, want 163", d)
	}
	ps[0].Status.Reason, ps[0].Status.Message = "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"
	kubelet(t, &ps[0], corev1.PodFailed, "Error", 143, summary(3, true))
	eventually(t, "DeadlineExceeded", func() (bool, error) {
		run := get(t, e).Status.Variants[0].Runs[0]
		return run.Outcome == labv1.OutcomeDeadlineExceeded && strings.Contains(run.Reason, "longer than the specified deadline") &&
			run.Summary != nil && run.Summary.Partial, nil
	})
	time.Sleep(500 * time.Millisecond)
	if n := len(pods(t, ns)); n != 1 {
		t.Errorf("got %d pods, want 1: a run past its deadline is not retried", n)
	}
}

func TestTTLDeletesPodsAndKeepsResults(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix.GOMAXPROCS = nil
		e.Spec.TTLSecondsAfterFinished = ptr.To(int32(1))
	})
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodSucceeded, "Completed", 0, summary(7, false))
	eventually(t, "pods deleted after the TTL", func() (bool, error) { return len(pods(t, ns)) == 0, nil })
	st := get(t, e).Status
	if st.Phase != labv1.PhaseComplete || st.Variants[0].Runs[0].Summary.Figures["ops/s"] != 7 {
		t.Errorf("after TTL: got phase %s and run %+v, want the result kept", st.Phase, st.Variants[0].Runs[0])
	}
}

func TestPlanningErrorFailsTheExperiment(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	// The API server cannot tell a parameter set's block from the
	// scenario's (they are separate fields); planning can.
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix.ParamSets = []labv1.ParamSet{{Name: "x", Scenario: labv1.ScenarioSpec{Alloc: &labv1.AllocScenario{}}}}
	})
	eventually(t, "Failed", func() (bool, error) {
		c := meta.FindStatusCondition(get(t, e).Status.Conditions, labv1.ConditionFailed)
		return c != nil && c.Status == metav1.ConditionTrue && strings.Contains(c.Message, `spec.matrix.paramSets[0] (x): its block is "alloc"`), nil
	})
	if n := len(pods(t, ns)); n != 0 {
		t.Errorf("got %d pods, want none for an Experiment that cannot be planned", n)
	}
}

// TestResizePatchesTheRunningPod: spec.resizes reach a running pod through
// its resize subresource once they are due (the container's start, the
// warmup, then after), its requests following its limits so that the pod
// stays Guaranteed; a pod that has not started is left alone.
func TestResizePatchesTheRunningPod(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix.GOMAXPROCS = nil
		cpu := resource.MustParse("1500m")
		e.Spec.Resizes = []labv1.Resize{{After: metav1.Duration{Duration: time.Second}, CPU: &cpu, Memory: ptr.To("512Mi")}}
	})
	p := waitPods(t, ns, 1)[0]
	time.Sleep(2500 * time.Millisecond) // past when it would be due, had it started
	if got := pods(t, ns)[0].Spec.Containers[0].Resources.Limits.Cpu().String(); got != "500m" {
		t.Fatalf("a pod that has not started: cpu limit %s, want the variant's 500m", got)
	}
	started := time.Now()
	unenforced(t, &p, corev1.PodRunning, "", 0, "")
	var c corev1.Container
	eventually(t, "resized", func() (bool, error) {
		c = pods(t, ns)[0].Spec.Containers[0]
		return c.Resources.Limits.Cpu().String() == "1500m", nil
	})
	took := time.Since(started)
	if l, q := c.Resources.Limits, c.Resources.Requests; l.Memory().String() != "512Mi" || q.Cpu().String() != "1500m" || q.Memory().String() != "512Mi" {
		t.Errorf("resized to limits %v requests %v, want 1500m/512Mi for both", l, q)
	}
	// Due 2 s after the start (1 s warmup + 1 s); the pass is requeued for
	// it. A pod's start time has whole seconds, so up to 1 s earlier.
	if took < time.Second || took > 6*time.Second {
		t.Errorf("resized %s after the container started, want about 2 s", took.Round(100*time.Millisecond))
	}
	eventually(t, "a Resized event", func() (bool, error) {
		var evs eventsv1.EventList
		if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, ev := range evs.Items {
			if ev.Reason == "Resized" && ev.Regarding.Name == e.Name && strings.Contains(ev.Note, "cpu 1500m memory 512Mi") {
				return true, nil
			}
		}
		return false, nil
	})
}

// TestRefusedResizeEndsTheAttempt: a node without in-place resize (its
// kubelet reports no container resources) makes the API server refuse the
// resize; the attempt ends as an Error saying so (retried within the
// budget) and its pod goes, rather than a run whose window never changed
// counting as the variant's.
func TestRefusedResizeEndsTheAttempt(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix.GOMAXPROCS = nil
		cpu := resource.MustParse("1")
		e.Spec.Resizes = []labv1.Resize{{After: metav1.Duration{Duration: 0}, CPU: &cpu}}
	})
	p := waitPods(t, ns, 1)[0]
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}} // no Resources: an old kubelet
	if err := k8s.Status().Update(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	// The attempt's end is an event (the status moves on to the retry).
	eventually(t, "a RunError saying the resize was refused", func() (bool, error) {
		var evs eventsv1.EventList
		if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, ev := range evs.Items {
			if ev.Reason == "RunError" && strings.Contains(ev.Note, "attempt 1") && strings.Contains(ev.Note, "refused the in-place resize") {
				return true, nil
			}
		}
		return false, nil
	})
	eventually(t, "its pod deleted", func() (bool, error) {
		for _, q := range pods(t, ns) {
			if q.Name == p.Name && q.DeletionTimestamp == nil {
				return false, nil
			}
		}
		return true, nil
	})
}

// TestServiceRunsItsLoadGeneratorInItsOwnPod: the server pod first; once it
// runs with an IP, a load-generator pod aimed at it; the run's result is
// the generator's latency joined with the server's CPU figures.
func TestServiceRunsItsLoadGeneratorInItsOwnPod(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Scenario = labv1.ScenarioSpec{Service: &labv1.ServiceScenario{Rate: ptr.To(int64(200))}}
		e.Spec.Matrix.GOMAXPROCS = nil
		e.Spec.Objective = &labv1.Objective{Metric: "lat-p99-s"}
		e.Spec.LoadGenerator = &labv1.LoadGenerator{Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}
	})
	ps := waitPods(t, ns, 1)
	server := ps[0]
	if server.Labels[plan.LabelRole] != plan.RoleServer || !strings.Contains(strings.Join(server.Spec.Containers[0].Args, " "), "--role server --serve :8080") {
		t.Fatalf("first pod: got role %s args %v, want the server", server.Labels[plan.LabelRole], server.Spec.Containers[0].Args)
	}
	kubelet(t, &server, corev1.PodRunning, "", 0, "")
	ps = waitPods(t, ns, 2)
	lg := ps[1]
	args := strings.Join(lg.Spec.Containers[0].Args, " ")
	if lg.Labels[plan.LabelRole] != plan.RoleLoadgen || !strings.Contains(args, "--role loadgen --target 10.1.2.3:8080") ||
		lg.Spec.Containers[0].Resources.Limits.Cpu().String() != "1" {
		t.Fatalf("load generator: got role %s args %q limits %v", lg.Labels[plan.LabelRole], args, lg.Spec.Containers[0].Resources.Limits)
	}
	for _, env := range lg.Spec.Containers[0].Env {
		if env.Name == "GOMAXPROCS" || env.Name == "GOMEMLIMIT" {
			t.Errorf("load generator env has %s: the knobs are the server's", env.Name)
		}
	}
	lgSum, _ := result.Encode(&result.Summary{Version: 1, Scenario: "service", Figures: map[string]float64{"lat-p99-s": 0.012, "req/s": 200},
		CPU: result.CPU{Cores: 0.2}})
	srvSum, _ := result.Encode(&result.Summary{Version: 1, Scenario: "service", Partial: true, Settings: result.Settings{GOMAXPROCS: 2},
		Figures: map[string]float64{"served/s": 199}, CPU: result.CPU{Cores: 0.5, ThrottledRatio: 0.7}})
	kubelet(t, &server, corev1.PodSucceeded, "Completed", 0, string(srvSum))
	kubelet(t, &lg, corev1.PodSucceeded, "Completed", 0, string(lgSum))
	var run labv1.RunStatus
	eventually(t, "Complete", func() (bool, error) {
		got := get(t, e)
		run = got.Status.Variants[0].Runs[0]
		return meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionComplete), nil
	})
	f := run.Summary.Figures
	if run.Outcome != labv1.OutcomeCompleted || f["lat-p99-s"] != 0.012 || f["served/s"] != 199 || f["throttled-frac"] != 0.7 || f["cpu-cores"] != 0.5 {
		t.Errorf("run: got %s with figures %v, want the generator's latency and the server's CPU", run.Outcome, f)
	}
}

// TestPrecisionAddsRoundsUntilTheIntervalIsNarrow plays the kubelet with a
// steady variant and a noisy one under spec.precision (±5 %, at most 8
// runs): after the first 6 runs of each, only the noisy one gets more, one
// run per round, a round starting only when the last has ended, until it
// stops at maxRuns; the steady one stops at 6, Reached.
func TestPrecisionAddsRoundsUntilTheIntervalIsNarrow(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 6, 12, func(e *labv1.Experiment) {
		e.Spec.Precision = &labv1.Precision{HalfWidthPercent: 5, MaxRuns: 8}
	})
	noisy := []float64{100, 150, 60, 120, 80, 140, 70, 130}
	steady := []float64{100, 101, 99, 100, 102, 98}
	ended := map[string]bool{}
	var order []string // pods in the order they were first seen
	var got *labv1.Experiment
	eventually(t, "Complete", func() (bool, error) {
		for _, p := range pods(t, ns) {
			if ended[p.Name] {
				continue
			}
			order = append(order, p.Name)
			rep, _ := strconv.Atoi(p.Labels[plan.LabelRun][strings.LastIndex(p.Labels[plan.LabelRun], "r")+1:])
			values := steady
			if p.Labels[plan.LabelVariant] == "v000" {
				values = noisy
			}
			if rep >= len(values) {
				return false, fmt.Errorf("pod %s: run %d of a variant that should have stopped", p.Name, rep)
			}
			// A new round must not start before the previous one ended.
			for _, q := range pods(t, ns) {
				qrep, _ := strconv.Atoi(q.Labels[plan.LabelRun][strings.LastIndex(q.Labels[plan.LabelRun], "r")+1:])
				if rep >= 6 && qrep < rep && !ended[q.Name] {
					return false, fmt.Errorf("pod %s (round %d) created while %s of an earlier round was still running", p.Name, rep, q.Name)
				}
			}
			kubelet(t, &p, corev1.PodSucceeded, "Completed", 0, summary(values[rep], false))
			ended[p.Name] = true
		}
		got = get(t, e)
		return meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionComplete), nil
	})
	if len(order) != 14 {
		t.Errorf("got %d pods %v, want 14: 6 of each variant, then 2 more of the noisy one", len(order), order)
	}
	v0, v1 := got.Status.Variants[0], got.Status.Variants[1]
	if p := v0.Precision; p == nil || p.State != labv1.PrecisionMaxRuns || p.Runs != 8 || len(v0.Runs) != 8 || p.HalfWidthPercent == nil || *p.HalfWidthPercent <= 5 {
		t.Errorf("noisy v000: got precision %+v with %d runs, want MaxRuns after 8 runs wider than ±5%%", p, len(v0.Runs))
	}
	if p := v1.Precision; p == nil || p.State != labv1.PrecisionReached || p.Runs != 6 || len(v1.Runs) != 6 || p.HalfWidthPercent == nil || *p.HalfWidthPercent > 5 {
		t.Errorf("steady v001: got precision %+v with %d runs, want Reached after 6 runs within ±5%%", p, len(v1.Runs))
	}
	if got.Status.Progress != "14/14" || got.Status.Phase != labv1.PhaseComplete {
		t.Errorf("got progress %s phase %s, want 14/14 Complete", got.Status.Progress, got.Status.Phase)
	}
}

// TestStuckPodEndsWithAReason plays a kubelet that cannot pull the image:
// while the pod waits, the run's reason and the Progressing condition say
// so in the kubelet's words; past spec.pendingTimeout the attempt ends
// ImageError, its pod is deleted, and the retry (budget 1) gets a new pod.
func TestStuckPodEndsWithAReason(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Matrix.GOMAXPROCS = nil
		e.Spec.PendingTimeout = &metav1.Duration{Duration: 10 * time.Second}
	})
	ps := waitPods(t, ns, 1)
	p := ps[0]
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
			Message: `Back-off pulling image "runtimelab/workload:test"`}}}}
	if err := k8s.Status().Update(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pending reason", func() (bool, error) {
		got := get(t, e)
		run := got.Status.Variants[0].Runs[0]
		c := meta.FindStatusCondition(got.Status.Conditions, labv1.ConditionProgressing)
		return strings.HasPrefix(run.Reason, "pending: ImagePullBackOff") && c != nil && strings.Contains(c.Message, "waiting to start") &&
			strings.Contains(c.Message, "ImagePullBackOff"), nil
	})
	var retry corev1.Pod
	eventually(t, "ImageError and a retry", func() (bool, error) {
		run := get(t, e).Status.Variants[0].Runs[0]
		for _, q := range pods(t, ns) {
			if q.Name == "gomaxprocs-v000-r0-a2" {
				retry = q
			}
		}
		return run.Attempt == 2 && strings.Contains(run.Reason, "retry 1 after ImageError") && retry.Name != "", nil
	})
	var first corev1.Pod
	err := k8s.Get(context.Background(), client.ObjectKeyFromObject(&p), &first)
	if err == nil && first.DeletionTimestamp == nil {
		t.Errorf("the stuck pod %s is still there, want it deleted", p.Name)
	}
}

// TestAppRunsYourServiceAndItsLoadGenerator: the app scenario's server pod
// runs your image with its arguments, port and readiness probe under the
// variant's limits and Go environment; once it runs, the lab's load
// generator aims at its port; when the generator ends, the service is
// stopped at once and the run completes with the generator's summary —
// the service's figures it observed, and what it could not read.
func TestAppRunsYourServiceAndItsLoadGenerator(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Scenario = labv1.ScenarioSpec{App: &labv1.AppScenario{Image: ptr.To("ghcr.io/acme/orders:v1.4.2"),
			Args: ptr.To("-listen=:9000 -log=warn"), Port: ptr.To(int64(9000)), ReadyPath: ptr.To("/healthz")}}
		e.Spec.Matrix.GOMAXPROCS = []string{"1"}
		e.Spec.Objective = &labv1.Objective{Metric: "lat-p99-s"}
	})
	ps := waitPods(t, ns, 1)
	server := ps[0]
	c := server.Spec.Containers[0]
	env := map[string]string{}
	for _, v := range c.Env {
		env[v.Name] = v.Value
	}
	if c.Image != "ghcr.io/acme/orders:v1.4.2" || strings.Join(c.Args, " ") != "-listen=:9000 -log=warn" ||
		c.Ports[0].ContainerPort != 9000 || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/healthz" ||
		c.Resources.Limits.Cpu().String() != "500m" || env["GOMAXPROCS"] != "1" {
		t.Fatalf("server: image %s args %q ports %v probe %+v limits %v env %v; want your service under the variant's knobs",
			c.Image, c.Args, c.Ports, c.ReadinessProbe, c.Resources.Limits, env)
	}
	if server.Annotations["prometheus.io/port"] != "9000" || server.Annotations["prometheus.io/path"] != "/metrics" {
		t.Errorf("annotations %v: want Prometheus pointed at your service's /metrics on 9000", server.Annotations)
	}
	kubelet(t, &server, corev1.PodRunning, "", 0, "")
	ps = waitPods(t, ns, 2)
	lg := ps[1]
	if args := strings.Join(lg.Spec.Containers[0].Args, " "); lg.Spec.Containers[0].Image == c.Image ||
		!strings.Contains(args, "run app") || !strings.Contains(args, "--role loadgen --target 10.1.2.3:9000") {
		t.Fatalf("load generator: image %s args %q, want the lab's workload aimed at port 9000", lg.Spec.Containers[0].Image, args)
	}
	sum, _ := result.Encode(&result.Summary{Version: 1, Scenario: "app", Settings: result.Settings{GOMAXPROCS: 1},
		Figures: map[string]float64{"lat-p99-s": 0.02, "req/s": 200, "gc/s": 3}, CPU: result.CPU{Cores: 0.3},
		Missing: []string{result.MissingContainer}})
	kubelet(t, &lg, corev1.PodSucceeded, "Completed", 0, string(sum))
	eventually(t, "the service stopped at once", func() (bool, error) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(&server), &corev1.Pod{})
		return client.IgnoreNotFound(err) == nil && err != nil, nil
	})
	var run labv1.RunStatus
	eventually(t, "Complete", func() (bool, error) {
		got := get(t, e)
		run = got.Status.Variants[0].Runs[0]
		return meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionComplete), nil
	})
	f := run.Summary.Figures
	_, throttled := f["throttled-frac"]
	if run.Outcome != labv1.OutcomeCompleted || f["lat-p99-s"] != 0.02 || f["gc/s"] != 3 || f["cpu-cores"] != 0.3 || throttled ||
		!slices.Equal(run.Summary.Missing, []string{result.MissingContainer}) {
		t.Errorf("run: %s %q figures %v missing %v; want Completed with the observed figures, throttling absent and container missing",
			run.Outcome, run.Reason, f, run.Summary.Missing)
	}
}

// TestAppWithoutImageFailsPlanning: a cluster runs your service from its
// image; an app Experiment with a binary only fails with the field named.
func TestAppWithoutImageFailsPlanning(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) {
		e.Spec.Scenario = labv1.ScenarioSpec{App: &labv1.AppScenario{Binary: ptr.To("/usr/local/bin/orders")}}
		e.Spec.Objective = &labv1.Objective{Metric: "lat-p99-s"}
	})
	eventually(t, "Failed", func() (bool, error) {
		got := get(t, e)
		c := meta.FindStatusCondition(got.Status.Conditions, labv1.ConditionFailed)
		return c != nil && c.Status == metav1.ConditionTrue && strings.Contains(c.Message, "spec.scenario.app.image"), nil
	})
	if n := len(pods(t, ns)); n != 0 {
		t.Errorf("%d pods created, want none", n)
	}
}
