package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/operator/controller"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// sampleNamespace is where the sample Experiment runs.
const sampleNamespace = "lab"

// operator is the runtime-lab manager running in this process against a
// real kube-apiserver, serving its metrics on plain HTTP.
type operator struct {
	env         *testenv.Env
	k8s         client.Client
	metricsAddr string
	cancel      context.CancelFunc
	done        chan error
}

// startOperator starts envtest and the manager.
func startOperator() (*operator, error) {
	env, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	// Reconciler errors go to stderr, which `go test` shows for failures.
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	o := &operator{env: env, done: make(chan error, 1)}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := labv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if o.k8s, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		o.stop()
		return nil, err
	}
	if o.metricsAddr, err = freeAddr(); err != nil {
		o.stop()
		return nil, err
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: o.metricsAddr, SecureServing: false},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		o.stop()
		return nil, fmt.Errorf("create manager: %w", err)
	}
	r := &controller.ExperimentReconciler{Client: mgr.GetClient(), Scheme: scheme,
		Recorder: mgr.GetEventRecorder("runtimelab-operator"), DefaultImage: "runtimelab/workload:e2e", RetryBudget: 1,
		Metrics: controller.NewMetrics(ctrlmetrics.Registry)}
	if err := r.SetupWithManager(mgr); err != nil {
		o.stop()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	go func() { o.done <- mgr.Start(ctx) }()
	return o, nil
}

// createSample creates the sample Experiment
// config/samples/gomaxprocs-quick.yaml.
func (o *operator) createSample(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "samples", "gomaxprocs-quick.yaml"))
	if err != nil {
		return err
	}
	exp := &labv1.Experiment{}
	if err := yaml.UnmarshalStrict(b, exp); err != nil {
		return fmt.Errorf("decode the sample Experiment: %w", err)
	}
	exp.Namespace = sampleNamespace
	if err := o.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sampleNamespace}}); err != nil {
		return err
	}
	return o.k8s.Create(ctx, exp)
}

// finishRuns plays the kubelet: one pending run pod a second is marked
// Succeeded with a real workload summary as its termination message, until
// the Experiment is Complete or ctx ends. Spreading the runs over seconds
// lets Prometheus see the operator's counters and histograms grow.
func (o *operator) finishRuns(ctx context.Context, summary string) error {
	for {
		var pods corev1.PodList
		if err := o.k8s.List(ctx, &pods, client.InNamespace(sampleNamespace)); err != nil {
			return err
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			msg, err := underLimits(summary, p)
			if err != nil {
				return err
			}
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: plan.ContainerName, Image: p.Spec.Containers[0].Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					Reason: "Completed", Message: msg, StartedAt: p.CreationTimestamp, FinishedAt: metav1.Now()}}}}
			if err := o.k8s.Status().Update(ctx, p); err != nil && !strings.Contains(err.Error(), "modified") {
				return fmt.Errorf("finish pod %s: %w", p.Name, err)
			}
			break
		}
		var exp labv1.Experiment
		if err := o.k8s.Get(ctx, client.ObjectKey{Namespace: sampleNamespace, Name: "gomaxprocs-quick"}, &exp); err != nil {
			return err
		}
		if apimeta.IsStatusConditionTrue(exp.Status.Conditions, labv1.ConditionComplete) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the sample Experiment is not Complete: %w (status %+v)", ctx.Err(), exp.Status.Conditions)
		case <-time.After(time.Second):
		}
	}
}

func (o *operator) stop() {
	if o.cancel != nil {
		o.cancel()
		if err := <-o.done; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}
	if err := o.env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop envtest:", err)
	}
}

// underLimits gives a summary the settings a workload reads from the
// cgroup a kubelet makes for pod: its container's CPU and memory limits.
func underLimits(summary string, p *corev1.Pod) (string, error) {
	s, err := result.Decode([]byte(summary))
	if err != nil {
		return "", err
	}
	lim := p.Spec.Containers[0].Resources.Limits
	s.Settings.CgroupVersion = 2
	s.Settings.CPULimitCores = float64(lim.Cpu().MilliValue()) / 1000
	s.Settings.MemoryLimitBytes = lim.Memory().Value()
	b, err := result.Encode(s)
	return string(b), err
}

// runSummary runs the scheduler scenario briefly and returns its JSON
// summary, the termination message a finished run pod carries.
func runSummary() (string, error) {
	cmd := exec.Command(workloadBin, "run", "scheduler", "--duration", "1s", "--warmup", "0s", "--listen", "",
		"--result-file", "", "--output", "json", "--set", "goroutines=4")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scheduler run for a summary: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// freeAddr returns a 127.0.0.1 address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
