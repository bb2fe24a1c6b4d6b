package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// serviceExperiment is a one-run service Experiment.
func serviceExperiment(t *testing.T, ns string, mutate ...func(*labv1.Experiment)) *labv1.Experiment {
	t.Helper()
	return newExperiment(t, ns, 1, 1, append([]func(*labv1.Experiment){func(e *labv1.Experiment) {
		e.Spec.Scenario = labv1.ScenarioSpec{Service: &labv1.ServiceScenario{Rate: ptr.To(int64(200))}}
		e.Spec.Matrix.GOMAXPROCS = nil
		e.Spec.Objective = &labv1.Objective{Metric: "lat-p99-s"}
	}}, mutate...)...)
}

// servicePods waits for the server, makes it run, and returns it with its
// load generator.
func servicePods(t *testing.T, ns string) (server, lg corev1.Pod) {
	t.Helper()
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodRunning, "", 0, "")
	ps = waitPods(t, ns, 2)
	return ps[0], ps[1]
}

func encode(t *testing.T, s *result.Summary) string {
	t.Helper()
	s.Version, s.Scenario = result.SchemaVersion, "service"
	b, err := result.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lgSummary(t *testing.T) string {
	return encode(t, &result.Summary{Figures: map[string]float64{"lat-p99-s": 0.012, "req/s": 200}, CPU: result.CPU{Cores: 0.2}})
}

func srvSummary(t *testing.T) string {
	return encode(t, &result.Summary{Settings: result.Settings{GOMAXPROCS: 2},
		Figures: map[string]float64{"served/s": 199}, CPU: result.CPU{Cores: 0.5, ThrottledRatio: 0.7}})
}

func runOf(t *testing.T, e *labv1.Experiment) labv1.RunStatus {
	t.Helper()
	return get(t, e).Status.Variants[0].Runs[0]
}

// TestServiceRunEndsWithItsServer: after the load generator finishes, the
// run stays Running until the server (told to stop by the generator) has
// reported, so its figures are in the result; and a TTL shorter than
// anything deletes the pods without undoing the Completed outcome.
func TestServiceRunEndsWithItsServer(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := serviceExperiment(t, ns, func(e *labv1.Experiment) { e.Spec.TTLSecondsAfterFinished = ptr.To(int32(0)) })
	server, lg := servicePods(t, ns)
	kubelet(t, &lg, corev1.PodSucceeded, "Completed", 0, lgSummary(t))
	eventually(t, "the generator's end observed", func() (bool, error) {
		return runOf(t, e).Outcome == labv1.OutcomeRunning && get(t, e).Status.Runs.Running == 1, nil
	})
	time.Sleep(500 * time.Millisecond)
	if run := runOf(t, e); run.Outcome != labv1.OutcomeRunning {
		t.Fatalf("with the server still up: got %s, want Running until the server reports", run.Outcome)
	}
	kubelet(t, &server, corev1.PodSucceeded, "Completed", 0, srvSummary(t))
	eventually(t, "pods deleted after the TTL", func() (bool, error) { return len(pods(t, ns)) == 0, nil })
	time.Sleep(500 * time.Millisecond) // passes after the deletion must keep the outcome
	run := runOf(t, e)
	f := run.Summary.Figures
	if run.Outcome != labv1.OutcomeCompleted || f["served/s"] != 199 || f["throttled-frac"] != 0.7 || f["lat-p99-s"] != 0.012 {
		t.Errorf("after the TTL: got %s with %v, want Completed with the server's and generator's figures", run.Outcome, f)
	}
}

// TestServerOutlivingItsLoadGeneratorIsStopped: a server that did not stop
// when its generator finished is deleted after the grace period; the run
// completes with the generator's figures and says the server's are missing,
// rather than passing the generator's CPU off as the server's.
func TestServerOutlivingItsLoadGeneratorIsStopped(t *testing.T) {
	startManager(t, func(r *ExperimentReconciler) { r.ServerStopGrace = time.Second })
	ns := namespace(t)
	e := serviceExperiment(t, ns)
	server, lg := servicePods(t, ns)
	kubelet(t, &lg, corev1.PodSucceeded, "Completed", 0, lgSummary(t))
	eventually(t, "the server deleted", func() (bool, error) {
		err := k8s.Get(context.Background(), client.ObjectKeyFromObject(&server), &corev1.Pod{})
		return client.IgnoreNotFound(err) == nil && err != nil, nil
	})
	eventually(t, "Complete", func() (bool, error) {
		return meta.IsStatusConditionTrue(get(t, e).Status.Conditions, labv1.ConditionComplete), nil
	})
	run := runOf(t, e)
	f := run.Summary.Figures
	if run.Outcome != labv1.OutcomeCompleted || !strings.Contains(run.Reason, "its figures are missing") {
		t.Errorf("got %s %q, want Completed saying the server's figures are missing; run %+v", run.Outcome, run.Reason, run)
	}
	if _, ok := f["cpu-cores"]; ok || f["lat-p99-s"] != 0.012 {
		t.Errorf("figures: got %v, want the generator's latency and no cpu-cores (the generator's is not the server's)", f)
	}
}

// TestServerDeletedBeforeItsLoadGeneratorRan: the generator aims at the
// server's IP; with the server gone, the attempt is Deleted and retried with
// a new pair, not a new server behind the old generator's back.
func TestServerDeletedBeforeItsLoadGeneratorRan(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := serviceExperiment(t, ns)
	server, _ := servicePods(t, ns)
	if err := k8s.Delete(context.Background(), &server); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a retry of the pair", func() (bool, error) {
		run := runOf(t, e)
		return run.Attempt == 2 && strings.Contains(run.Reason, "retry 1 after Deleted: the server was gone before its load generator finished"), nil
	})
	eventually(t, "attempt 1's load generator deleted", func() (bool, error) {
		for _, p := range pods(t, ns) {
			if p.Labels[plan.LabelAttempt] == "1" {
				return false, fmt.Errorf("%s (%s) of attempt 1 is still there", p.Name, p.Labels[plan.LabelRole])
			}
		}
		return true, nil
	})
}

// TestLoadGeneratorOOMIsNotTheVariants: the generator has its own
// resources, so its OOM kill is an Error of the attempt (retried), not an
// OOMKilled result that would disqualify the variant.
func TestLoadGeneratorOOMIsNotTheVariants(t *testing.T) {
	startManager(t)
	ns := namespace(t)
	e := serviceExperiment(t, ns)
	server, lg := servicePods(t, ns)
	kubelet(t, &lg, corev1.PodFailed, "OOMKilled", 137, lgSummary(t))
	kubelet(t, &server, corev1.PodSucceeded, "Completed", 0, srvSummary(t))
	eventually(t, "a retry after the generator's OOM kill", func() (bool, error) {
		run := runOf(t, e)
		return run.Attempt == 2 && strings.Contains(run.Reason, "retry 1 after Error: load generator OOMKilled") &&
			strings.Contains(run.Reason, "spec.loadGenerator.resources"), fmt.Errorf("run %+v", run)
	})
}

// TestRetriedFailureIsReported: a failure that is retried in the same pass
// still gets its event and its metric.
func TestRetriedFailureIsReported(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	startManager(t, func(r *ExperimentReconciler) { r.Metrics = m })
	ns := namespace(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	ps := waitPods(t, ns, 1)
	kubelet(t, &ps[0], corev1.PodFailed, "Error", 3, "")
	ps = waitPods(t, ns, 2)
	kubelet(t, &ps[1], corev1.PodRunning, "", 0, "")
	eventually(t, "the retry running", func() (bool, error) { return runOf(t, e).Outcome == labv1.OutcomeRunning, nil })
	if run := runOf(t, e); !strings.Contains(run.Reason, "retry 1 after Error: exit code 3") {
		t.Errorf("reason while the retry runs: got %q, want the retry note", run.Reason)
	}
	eventually(t, "the event of the failed attempt", func() (bool, error) {
		var evs eventsv1.EventList
		if err := k8s.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, ev := range evs.Items {
			if ev.Reason == "RunError" && strings.Contains(ev.Note, "attempt 1") {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events, none RunError for attempt 1", len(evs.Items))
	})
	if got := testutil.ToFloat64(m.runs.WithLabelValues("gc", labv1.OutcomeError)); got != 1 {
		t.Errorf("runtimelab_operator_runs_total{outcome=Error}: got %v, want 1", got)
	}
}

// TestObservedGenerationOnlyAfterACleanPass: while pods cannot be created
// (an admission policy denies them), the status reports progress but not
// the generation; once they can, it does.
func TestObservedGenerationOnlyAfterACleanPass(t *testing.T) {
	ns := namespace(t)
	ctx := context.Background()
	policy := &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny-pods-" + ns},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{Operations: []admissionv1.OperationType{admissionv1.Create},
					Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}}}},
			Validations: []admissionv1.Validation{{Expression: "false", Message: "pods are paused in this namespace"}},
		}}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}}}
	for _, o := range []client.Object{policy, binding} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	probe := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	eventually(t, "the policy in force", func() (bool, error) {
		err := k8s.Create(ctx, probe.DeepCopy())
		if err == nil {
			k8s.Delete(ctx, probe)
		}
		return err != nil && strings.Contains(err.Error(), "paused"), err
	})
	startManager(t)
	e := newExperiment(t, ns, 1, 1, func(e *labv1.Experiment) { e.Spec.Matrix.GOMAXPROCS = nil })
	eventually(t, "a status written by a failed pass", func() (bool, error) { return get(t, e).Status.Runs.Total == 1, nil })
	time.Sleep(time.Second)
	if g := get(t, e).Status.ObservedGeneration; g != 0 {
		t.Errorf("observedGeneration while pods are denied: got %d, want 0 (%d pods)", g, len(pods(t, ns)))
	}
	if err := k8s.Delete(ctx, binding); err != nil {
		t.Fatal(err)
	}
	k8s.Delete(ctx, policy)
	waitPods(t, ns, 1)
	eventually(t, "observedGeneration", func() (bool, error) {
		got := get(t, e)
		return got.Status.ObservedGeneration == got.Generation, nil
	})
}
