package controller

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

// The package's tests share one real API server (envtest with binaries
// built from Go modules). Each test runs its own manager, so a test can
// stop it and start another, as an operator restart does.
var (
	env    *testenv.Env
	scheme = runtime.NewScheme()
	k8s    client.Client
)

func TestMain(m *testing.M) {
	// Reconciler errors go to stderr, which `go test` shows for failures.
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier: no API server (startManager skips)
	}
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := labv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		panic(err)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}

// startManager runs the reconciler until the returned stop is called.
func startManager(t *testing.T, opts ...func(*ExperimentReconciler)) (stop func()) {
	t.Helper()
	testenv.NeedAPIServer(t)
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Each test runs its own manager in one process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &ExperimentReconciler{Client: mgr.GetClient(), Scheme: scheme, Recorder: mgr.GetEventRecorder("runtimelab-operator"),
		DefaultImage: "runtimelab/workload:test", RetryBudget: 1}
	for _, o := range opts {
		o(r)
	}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond every 100ms for up to 20s.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last error: %v)", what, last)
}

// namespace makes a fresh namespace for one test.
func namespace(t *testing.T) string {
	t.Helper()
	testenv.NeedAPIServer(t)
	ns := &corev1.Namespace{}
	ns.GenerateName = "lab-"
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Leave nothing for later tests' managers, which reconcile every
		// namespace: envtest has no kubelet, so a pod left pending ends
		// its run in Error after spec.pendingTimeout (5 minutes), and a
		// later test counted that in its own metrics (2 and 3 Errors for
		// 1 in go test -count=20).
		ctx := context.Background()
		if err := k8s.DeleteAllOf(ctx, &labv1.Experiment{}, client.InNamespace(ns.Name)); err != nil {
			t.Errorf("delete the Experiments of %s: %v", ns.Name, err)
		}
		if err := k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns.Name), client.GracePeriodSeconds(0)); err != nil {
			t.Errorf("delete the pods of %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}
