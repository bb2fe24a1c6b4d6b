package e2e

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// The lab's labels, as the PodMonitor and ServiceMonitor of
// config/prometheus would give them in a cluster.
const (
	labNamespace      = "runtimelab-e2e"
	labExperiment     = "dash-e2e"
	workloadJob       = "runtimelab-workload"
	operatorJob       = "runtimelab-operator"
	operatorNamespace = "runtimelab-system"
)

// limits puts each workload in a cgroup with a CPU quota (so throttling
// shows) and a memory limit (so memory-versus-limit shows).
func limits(millicores, mib int64) sandbox.Limits {
	return sandbox.Limits{CPUQuotaMicros: millicores * 100, MemoryBytes: mib << 20}
}

// labSpecs are the workloads the dashboards are proven against: every
// scenario, small enough that all of them share two cores.
var labSpecs = []workloadSpec{
	{scenario: "gc", variant: "gc-gogc50", sets: []string{"liveHeap=16Mi", "churnRate=16Mi"}, env: []string{"GOGC=50"}, limits: limits(300, 256)},
	{scenario: "scheduler", variant: "scheduler", sets: []string{"goroutines=8", "work=50us"}, limits: limits(300, 256)},
	{scenario: "service", variant: "service", args: []string{"--role", "both"},
		sets: []string{"rate=100", "connections=8", "work=100us", "allocBytes=1Ki"}, limits: limits(300, 256)},
	{scenario: "alloc", variant: "alloc", sets: []string{"goroutines=1"}, limits: limits(200, 256)},
	{scenario: "memlimit", variant: "memlimit", sets: []string{"liveHeap=24Mi", "steps=2", "stepInterval=500ms", "churnRate=8Mi"},
		env: []string{"GOMEMLIMIT=64MiB"}, limits: limits(200, 128)},
	{scenario: "poller", variant: "poller", args: []string{"--role", "both"}, sets: []string{"conns=2"}, limits: limits(200, 256)},
	{scenario: "timers", variant: "timers", sets: []string{"timers=50"}, limits: limits(200, 256)},
	{scenario: "stack", variant: "stack", sets: []string{"goroutines=8", "depth=200"}, limits: limits(200, 256)},
}

// appVariant is the app scenario's workload: the lab's load generator
// observing the test service (hack/testservice, not a lab scenario), which
// runs with GOMAXPROCS=appServiceProcs, so that its runtime series tell
// the service from its load generator.
const (
	appVariant      = "app"
	appServiceProcs = 1
)

// lab is the shared environment: workloads, the operator and Prometheus
// scraping them. Tests share one, started on first use.
type lab struct {
	service    *exec.Cmd        // the app workload's service
	serviceBox *sandbox.Sandbox // its cgroup, when cgroups can be made
	workloads  []*workload
	op         *operator
	prom       *prom
	promErr    error // why there is no Prometheus
	start      time.Time
	// sandboxed is false where cgroups cannot be made; sandboxWhy says why.
	sandboxed  bool
	sandboxWhy string
	// runsDone is the error of finishing the sample Experiment's runs.
	runsDone chan error
}

var (
	labOnce sync.Once
	theLab  *lab
	labErr  error
	tmpDir  string
	// serviceBin is the test service (hack/testservice).
	serviceBin string
	// promBin is the Prometheus binary, promErr why there is none.
	promBin string
	promErr error
)

// TestMain builds everything the lab needs — the workload, kube-apiserver
// and etcd, Prometheus — before anything with a lifetime starts: on a
// fresh machine those builds take many minutes, longer than a workload
// would wait.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier: no lab (needLab skips)
	}
	var err error
	if tmpDir, err = os.MkdirTemp("", "runtimelab-e2e"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if serviceBin, err = workloadtest.BuildTestService(tmpDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch err := buildWorkload(tmpDir); {
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
	default:
		if _, err := testenv.Assets(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			break
		}
		promBin, promErr = prometheusBin()
		code = m.Run()
	}
	if theLab != nil {
		theLab.stop()
	}
	os.RemoveAll(tmpDir)
	os.Exit(code)
}

// needLab skips t in the fast tier (go test -short): the lab is real
// workloads in real cgroups, an API server and Prometheus.
func needLab(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs real workloads, an API server and Prometheus: the fast tier (-short) skips it")
	}
}

// getLab starts the lab once, or fails the test.
func getLab(t *testing.T) *lab {
	t.Helper()
	needLab(t)
	labOnce.Do(func() { theLab, labErr = startLab() })
	if labErr != nil {
		t.Fatal(labErr)
	}
	return theLab
}

func startLab() (*lab, error) {
	l := &lab{runsDone: make(chan error, 1)}
	l.sandboxed, l.sandboxWhy = canSandbox()
	type opResult struct {
		op  *operator
		err error
	}
	opc := make(chan opResult, 1)
	go func() {
		op, err := startOperator()
		opc <- opResult{op, err}
	}()
	l.start = time.Now()
	appSpec, err := l.startService()
	if err != nil {
		<-opc
		return nil, err
	}
	for _, spec := range append(labSpecs, appSpec) {
		w, err := startWorkload(labExperiment, spec, 5*time.Minute, l.sandboxed)
		if err != nil {
			r := <-opc
			if r.op != nil {
				r.op.stop()
			}
			l.stop()
			return nil, err
		}
		l.workloads = append(l.workloads, w)
	}
	r := <-opc
	if r.err != nil {
		l.stop()
		return nil, fmt.Errorf("start the operator against envtest: %w", r.err)
	}
	l.op = r.op
	bin := promBin
	if promErr != nil {
		l.promErr = promErr
		return l, l.startSample()
	}
	var targets []target
	for _, w := range l.workloads {
		targets = append(targets, target{job: workloadJob, addr: w.addr, labels: map[string]string{
			"namespace": labNamespace, "pod": w.spec.variant + "-r0-a1",
			"experiment": labExperiment, "variant": w.spec.variant, "scenario": w.spec.scenario,
		}})
	}
	targets = append(targets, target{job: operatorJob, addr: l.op.metricsAddr,
		labels: map[string]string{"namespace": operatorNamespace, "pod": "runtimelab-operator-0"}})
	promDir, err := os.MkdirTemp(tmpDir, "prometheus")
	if err != nil {
		l.stop()
		return nil, err
	}
	if l.prom, err = startPrometheus(bin, promDir, targets); err != nil {
		l.stop()
		return nil, err
	}
	// The operator works while Prometheus watches.
	if err := l.startSample(); err != nil {
		l.stop()
		return nil, err
	}
	return l, nil
}

// startSample creates the sample Experiment and finishes its runs in the
// background; runsDone receives the outcome.
func (l *lab) startSample() error {
	summary, err := runSummary()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	if err := l.op.createSample(ctx); err != nil {
		cancel()
		return err
	}
	go func() {
		defer cancel()
		l.runsDone <- l.op.finishRuns(ctx, summary)
	}()
	return nil
}

// startService starts the test service in a cgroup of its own where
// cgroups can be made, and returns the app workload that observes it.
func (l *lab) startService() (workloadSpec, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return workloadSpec{}, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"-listen", addr, "-work", "200us", "-alloc", "65536"}
	if l.sandboxed {
		sb, err := sandbox.New(fmt.Sprintf("e2e-appsvc-%d", os.Getpid()), limits(300, 256))
		if err != nil {
			return workloadSpec{}, fmt.Errorf("sandbox for the test service: %w", err)
		}
		l.serviceBox = sb
		l.service = sb.Command(serviceBin, args...)
	} else {
		l.service = exec.Command(serviceBin, args...)
	}
	l.service.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", appServiceProcs))
	if err := l.service.Start(); err != nil {
		return workloadSpec{}, fmt.Errorf("start the test service: %w", err)
	}
	return workloadSpec{scenario: "app", variant: appVariant,
		args: []string{"--role", "loadgen", "--target", addr, "--observe-pid", fmt.Sprint(l.service.Process.Pid)},
		sets: []string{"rate=50", "connections=4", "paths=/api/work*3,/api/cheap", "readyPath=/healthz"}, limits: limits(200, 256)}, nil
}

func (l *lab) stop() {
	if l.prom != nil {
		l.prom.stop()
	}
	for _, w := range l.workloads {
		w.stop()
	}
	if l.service != nil {
		l.service.Process.Kill()
		l.service.Wait()
	}
	if l.serviceBox != nil {
		l.serviceBox.Delete()
	}
	if l.op != nil {
		l.op.stop()
	}
}
