// Command manager runs the runtime-lab operator: it reconciles Experiments
// into workload pods and reads their results back into status.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/controller"
)

// DefaultWorkloadImage is the workload image when neither the Experiment
// nor --workload-image names one.
const DefaultWorkloadImage = "ghcr.io/runtime-lab/workload:latest"

// The metrics endpoint authenticates and authorizes its callers:
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

func main() {
	var (
		metricsAddr, probeAddr, image string
		pyroscope, metricsCertDir     string
		secureMetrics, leaderElect    bool
		enableHTTP2                   bool
		retryBudget                   int
		selfTestRun                   bool
		selfTestTimeout               time.Duration
		qps                           float64
		burst                         int
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443", "address of the metrics endpoint (HTTPS with authn/authz when --metrics-secure); 0 disables it")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "serve metrics over HTTPS, only to callers allowed by RBAC")
	flag.StringVar(&metricsCertDir, "metrics-cert-dir", "", "directory holding tls.crt and tls.key for the metrics endpoint, reloaded when they change (e.g. a cert-manager Secret); empty: a self-signed certificate")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	flag.BoolVar(&leaderElect, "leader-elect", false, "elect a leader, so that only one replica reconciles")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "serve HTTP/2 on the metrics endpoint (off: CVE-2023-44487 and CVE-2023-39325)")
	flag.StringVar(&image, "workload-image", DefaultWorkloadImage, "workload image for Experiments that name none")
	flag.StringVar(&pyroscope, "pyroscope-address", "", "Pyroscope server (http:// or https://) runs push profiles to when their Experiment names none; empty pushes none")
	flag.IntVar(&retryBudget, "retry-budget", 2, "times a run the cluster failed (Error, Evicted, Deleted) is tried again")
	flag.Float64Var(&qps, "kube-api-qps", 100, "requests per second to the API server; a wave of runs creates parallelism pods at once")
	flag.IntVar(&burst, "kube-api-burst", 200, "burst of requests to the API server")
	flag.BoolVar(&selfTestRun, "self-test", false, "instead of running the operator, run a tiny Experiment through the installed one in $POD_NAMESPACE and exit 0 when it completes (helm test runs this)")
	flag.DurationVar(&selfTestTimeout, "self-test-timeout", 5*time.Minute, "how long --self-test waits for its Experiment")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")
	if err := checkPyroscopeAddress(pyroscope); err != nil {
		log.Error(err, "bad flag")
		os.Exit(2)
	}
	if err := checkMetricsCertDir(metricsCertDir); err != nil {
		log.Error(err, "bad flag")
		os.Exit(2)
	}

	if selfTestRun {
		ns, name := os.Getenv("POD_NAMESPACE"), os.Getenv("POD_NAME")
		if ns == "" || name == "" {
			log.Error(errors.New("--self-test needs $POD_NAMESPACE and $POD_NAME (the downward API)"), "bad environment")
			os.Exit(2)
		}
		if err := selfTest(ctrl.SetupSignalHandler(), ctrl.GetConfigOrDie(), ns, name, selfTestTimeout, os.Stdout); err != nil {
			fmt.Fprintln(os.Stdout, "FAIL:", err)
			os.Exit(1)
		}
		return
	}

	scheme := labScheme()

	metricsOpts := metricsOptions(metricsAddr, secureMetrics, enableHTTP2, metricsCertDir)
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(qps), burst
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsOpts,
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "runtimelab-operator.lab.runtimelab.io",
	})
	if err != nil {
		log.Error(err, "create manager")
		os.Exit(1)
	}
	r := &controller.ExperimentReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(),
		Recorder:     mgr.GetEventRecorder("runtimelab-operator"),
		DefaultImage: image, DefaultPyroscope: pyroscope, RetryBudget: retryBudget,
		Metrics: controller.NewMetrics(ctrlmetrics.Registry),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		log.Error(err, "set up the Experiment controller")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "add health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "add ready check")
		os.Exit(1)
	}
	log.Info("starting", "workloadImage", image, "pyroscopeAddress", pyroscope, "retryBudget", retryBudget)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "run manager")
		os.Exit(1)
	}
}

// pyroscopeAddress is labv1.PyroscopeAddressPattern.
var pyroscopeAddress = regexp.MustCompile(labv1.PyroscopeAddressPattern)

// checkPyroscopeAddress accepts what spec.pyroscope.serverAddress accepts
// (labv1.PyroscopeAddressPattern) and has a host, or nothing.
func checkPyroscopeAddress(s string) error {
	if s == "" {
		return nil
	}
	if !pyroscopeAddress.MatchString(s) {
		return fmt.Errorf("--pyroscope-address %q: want an http:// or https:// URL without spaces or control characters, such as http://pyroscope.monitoring:4040", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("--pyroscope-address %q: %w; give a URL such as http://pyroscope.monitoring:4040", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--pyroscope-address %q: want an http:// or https:// URL with a host, such as http://pyroscope.monitoring:4040", s)
	}
	return nil
}

// checkMetricsCertDir: a --metrics-cert-dir holds tls.crt and tls.key.
// controller-runtime would otherwise fall back to a self-signed
// certificate without a word, and scrapers that verify would fail.
func checkMetricsCertDir(dir string) error {
	if dir == "" {
		return nil
	}
	for _, f := range []string{"tls.crt", "tls.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("--metrics-cert-dir %s: no %s (%v); mount a kubernetes.io/tls Secret there, or drop the flag for a self-signed certificate", dir, f, err)
		}
	}
	return nil
}

// metricsOptions configures the metrics endpoint: HTTPS when secure, with
// the certificate in certDir (else a self-signed one), HTTP/1.1 only unless
// http2.
func metricsOptions(addr string, secure, http2 bool, certDir string) metricsserver.Options {
	var tlsOpts []func(*tls.Config)
	if !http2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	return metricsserver.Options{BindAddress: addr, SecureServing: secure, TLSOpts: tlsOpts, CertDir: certDir}
}

// labScheme knows the built-in types and the Experiment.
func labScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(labv1.AddToScheme(scheme))
	return scheme
}
