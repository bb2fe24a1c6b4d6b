// Command operator-bench measures the operator on a 1,000-run Experiment
// against a real API server (envtest): the time from create to the whole
// first wave of pods, the operator's RSS while it watches them, and the
// size of the finished status. It plays the kubelet, finishing each wave's
// pods with a result summary. `make bench` runs it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/operator/controller"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

const (
	runs            = 1000
	parallelism     = 100
	firstWaveTarget = 2 * time.Second
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "operator-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctrl.SetLogger(logrDiscard())
	env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = labv1.AddToScheme(scheme)
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 100, 200 // the manager's defaults (operator/cmd/manager)
	mgr, err := ctrl.NewManager(&cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return err
	}
	r := &controller.ExperimentReconciler{Client: mgr.GetClient(), Scheme: scheme, DefaultImage: "workload:bench", RetryBudget: 2}
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go mgr.Start(ctx) //nolint:errcheck // ends with ctx
	// The clock starts once the operator is up: a one-run Experiment
	// proves the controller watches and reconciles.
	warm := experiment()
	warm.Name, warm.Spec.Matrix.GOMAXPROCS, warm.Spec.Matrix.GOGC, warm.Spec.Repetitions = "warmup", nil, nil, 1
	if err := c.Create(ctx, warm); err != nil {
		return fmt.Errorf("create warmup: %w", err)
	}
	if err := waitPodsOf(ctx, c, "warmup", 1); err != nil {
		return err
	}
	rssBefore := rssKiB()

	exp := experiment()
	start := time.Now()
	if err := c.Create(ctx, exp); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := waitPods(ctx, c, 1); err != nil {
		return err
	}
	firstPod := time.Since(start)
	if err := waitPods(ctx, c, parallelism); err != nil {
		return err
	}
	firstWave := time.Since(start)
	rssWatching := rssKiB()
	if err := finishAll(ctx, c, exp); err != nil {
		return err
	}
	total := time.Since(start)
	var got labv1.Experiment
	if err := c.Get(ctx, client.ObjectKeyFromObject(exp), &got); err != nil {
		return err
	}
	b, _ := json.Marshal(&got)
	verdict := "PASS"
	if firstWave > firstWaveTarget {
		verdict = "MISS"
	}
	fmt.Printf("== operator: one Experiment of %d runs (parallelism %d) on envtest\n", runs, parallelism)
	fmt.Printf("create → first wave of %d pods   %8.2fs   target <= %s  %s\n", parallelism, firstWave.Seconds(), firstWaveTarget, verdict)
	fmt.Printf("create → first pod                    %8.2fs\n", firstPod.Seconds())
	fmt.Printf("all %d runs finished (kubelet played) %8.2fs\n", runs, total.Seconds())
	fmt.Printf("operator RSS before / watching        %6.1f / %6.1f MiB\n", float64(rssBefore)/1024, float64(rssWatching)/1024)
	fmt.Printf("status size                           %8d bytes (%.0f%% of etcd's 1.5 MiB object limit)\n", len(b), 100*float64(len(b))/(1.5*1024*1024))
	fmt.Printf("phase %s, progress %s, recommendation %s\n", got.Status.Phase, got.Status.Progress, got.Status.Recommendation.Variant)
	return nil
}

// experiment is 10 GOMAXPROCS × 10 GOGC × 10 repetitions = 1,000 runs.
func experiment() *labv1.Experiment {
	cpu := resource.MustParse("500m")
	return &labv1.Experiment{
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: "default"},
		Spec: labv1.ExperimentSpec{
			Scenario: labv1.ScenarioSpec{GC: &labv1.GCScenario{LiveHeap: ptr.To("64Mi")}},
			Matrix: labv1.Matrix{CPU: []labv1.CPUSetting{{Limit: &cpu}}, Memory: []labv1.MemorySetting{{Limit: ptr.To("256Mi")}},
				GOMAXPROCS: strings.Fields("1 2 3 4 5 6 7 8 9 10"), GOGC: strings.Fields("25 50 75 100 150 200 300 400 800 off")},
			Duration: metav1.Duration{Duration: 30 * time.Second}, Warmup: metav1.Duration{Duration: 5 * time.Second},
			Repetitions: 10, Parallelism: parallelism, Isolation: labv1.IsolationSpread,
		},
	}
}

func podList(ctx context.Context, c client.Client) ([]corev1.Pod, error) {
	return podsOf(ctx, c, "bench")
}

func podsOf(ctx context.Context, c client.Client, exp string) ([]corev1.Pod, error) {
	var l corev1.PodList
	err := c.List(ctx, &l, client.InNamespace("default"), client.MatchingLabels{plan.LabelExperiment: exp})
	return l.Items, err
}

func waitPods(ctx context.Context, c client.Client, n int) error {
	return waitPodsOf(ctx, c, "bench", n)
}

func waitPodsOf(ctx context.Context, c client.Client, exp string, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ps, err := podsOf(ctx, c, exp)
		if err != nil {
			return err
		}
		if len(ps) >= n {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("fewer than %d pods after 60s", n)
}

// finishAll plays the kubelet until the Experiment is Complete.
func finishAll(ctx context.Context, c client.Client, exp *labv1.Experiment) error {
	msg := summaryJSON()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		ps, err := podList(ctx, c)
		if err != nil {
			return err
		}
		for i := range ps {
			p := &ps[i]
			if p.Status.Phase == corev1.PodSucceeded {
				continue
			}
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, Image: p.Spec.Containers[0].Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", Message: msg}}}}
			if err := c.Status().Update(ctx, p); err != nil {
				return fmt.Errorf("finish %s: %w", p.Name, err)
			}
		}
		var got labv1.Experiment
		if err := c.Get(ctx, client.ObjectKeyFromObject(exp), &got); err != nil {
			return err
		}
		if meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionComplete) {
			return nil
		}
		if meta.IsStatusConditionTrue(got.Status.Conditions, labv1.ConditionFailed) {
			return fmt.Errorf("the Experiment failed: %s; first run: %s", got.Status.Phase, firstReason(&got))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not Complete after 5 minutes")
}

// firstReason is the reason of the first run that has one.
func firstReason(e *labv1.Experiment) string {
	for _, v := range e.Status.Variants {
		for _, r := range v.Runs {
			if r.Reason != "" {
				return r.Reason
			}
		}
	}
	return "none given"
}

// summaryJSON is a gc run's summary with every figure the scenario reports.
func summaryJSON() string {
	s := &result.Summary{Version: result.SchemaVersion, Scenario: "gc", // The limits a kubelet's cgroup gives every variant (cpu 500m,
		// memory 256Mi): a summary without them is not the variant's.
		Settings: result.Settings{GOMAXPROCS: 2, CgroupVersion: 2, CPULimitCores: 0.5, MemoryLimitBytes: 256 << 20},
		Figures: map[string]float64{"ops/s": 523456.789, "churn-B/s": 268435456.123, "gc/s": 4.4858124831116015,
			"gc-cpu-frac": 0.1338970904157253, "assist-cpu-frac": 0.03642485341531496, "pause-p50-s": 0.000114688,
			"pause-p99-s": 0.001572864, "heap-live-B": 80473128, "heap-goal-B": 161213170},
		CPU: result.CPU{Cores: 0.4999, ThrottledRatio: 0.93}, Memory: result.Memory{PeakBytes: 192937984}}
	b, _ := result.Encode(s)
	return string(b)
}

// rssKiB reads this process's resident set size.
func rssKiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			var kib int
			fmt.Sscan(f[1], &kib)
			return kib
		}
	}
	return 0
}
