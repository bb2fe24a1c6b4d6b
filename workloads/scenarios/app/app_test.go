package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/driver"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startService runs the test service on addr with the Go knobs a variant
// would set, until the test ends.
func startService(t *testing.T, bin, addr, metrics string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-listen", addr, "-work", "1ms", "-alloc", "65536", "-metrics", metrics)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GOGC=50")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func loadgen(target string, pid int, sets ...string) driver.Config {
	cfg := driver.DefaultConfig()
	cfg.Scenario, cfg.Role, cfg.Target, cfg.ObservePID = "app", contract.RoleLoadgen, target, pid
	cfg.Sets = append([]string{"rate=200", "paths=/api/work*3,/api/cheap", "readyPath=/healthz"}, sets...)
	cfg.Duration, cfg.Warmup, cfg.Interval = 2*time.Second, 300*time.Millisecond, time.Second
	cfg.Output, cfg.Stdout, cfg.Log = driver.OutputJSON, io.Discard, slog.New(slog.DiscardHandler)
	cfg.Listen, cfg.CPUProfile = "", false
	return cfg
}

// TestObservesYourService runs the load generator against a real Go
// service (not a lab scenario) and checks that the summary is the
// service's — its GOMAXPROCS and GOGC, its GC, its process's CPU — and
// that what a service does not expose is listed missing, not zero.
func TestObservesYourService(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin, err := workloadtest.BuildTestService(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		metrics     string
		missing     []string
		gcCPU, sche bool
	}{
		{metrics: "all", gcCPU: true, sche: true},
		{metrics: "default", missing: []string{result.MissingGCCPU, result.MissingSched}},
		{metrics: "none", missing: []string{result.MissingMetrics}},
	} {
		t.Run(tc.metrics, func(t *testing.T) {
			addr := freeAddr(t)
			svc := startService(t, bin, addr, tc.metrics)
			s, err := driver.Run(context.Background(), loadgen(addr, svc.Process.Pid))
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if !slices.Equal(s.Missing, tc.missing) {
				t.Errorf("missing %v, want %v", s.Missing, tc.missing)
			}
			if err := result.Check(s); err != nil {
				t.Errorf("summary fails Check: %v", err)
			}
			if got := s.Figures["req/s"]; got < 100 {
				t.Errorf("req/s %.0f, want near the 200 asked (over 100)", got)
			}
			if got := s.Figures["error-frac"]; got != 0 {
				t.Errorf("error-frac %g, want 0", got)
			}
			// 150 requests/s × 1 ms of CPU: about 0.15 cores of the
			// service's own process, not the load generator's.
			if s.CPU.ProcessSeconds < 0.1 {
				t.Errorf("the service's process CPU %.3f s over %.1f s, want over 0.1 s", s.CPU.ProcessSeconds, s.Seconds)
			}
			if s.Settings.CgroupVersion == 0 {
				t.Errorf("no cgroup read for the service (pid %d): %+v", svc.Process.Pid, s.Settings)
			}
			_, hasGC := s.Figures["gc/s"]
			_, hasSched := s.Figures["sched-p99-s"]
			if tc.metrics == "none" {
				if hasGC || s.Settings.GOMAXPROCS != 0 {
					t.Errorf("a service without metrics: gc/s present %v, GOMAXPROCS %d; want both unknown", hasGC, s.Settings.GOMAXPROCS)
				}
				return
			}
			if s.Settings.GOMAXPROCS != 1 || s.Settings.GOGC != 50 || !strings.HasPrefix(s.Settings.GoVersion, "go") {
				t.Errorf("settings %+v, want the service's GOMAXPROCS 1, GOGC 50 and Go version (this process has %d)", s.Settings, 2)
			}
			// 150 × 64 KiB/s against a heap goal of a few MiB at GOGC=50.
			if !hasGC || s.Figures["gc/s"] < 1 || s.Runtime.HeapLiveBytes == 0 {
				t.Errorf("gc/s %v (present %v), heap %d: want several GCs a second and a heap", s.Figures["gc/s"], hasGC, s.Runtime.HeapLiveBytes)
			}
			if tc.gcCPU != (s.Runtime.GCCPUFraction > 0) || hasSched != tc.sche {
				t.Errorf("gc cpu %g, sched-p99-s present %v; want them exactly when the service exposes them (%v)", s.Runtime.GCCPUFraction, hasSched, tc.gcCPU)
			}
		})
	}
}

// TestServiceNeverReady fails the run with a message that names what to
// check, within readyTimeout.
func TestServiceNeverReady(t *testing.T) {
	workloadtest.NeedMachine(t)
	start := time.Now()
	_, err := driver.Run(context.Background(), loadgen(freeAddr(t), 0, "readyTimeout=1s"))
	if err == nil || !strings.Contains(err.Error(), "readyPath") || !strings.Contains(err.Error(), "/healthz") {
		t.Fatalf("err %v, want one naming readyPath and /healthz", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s, want about readyTimeout (1s)", d)
	}
}

// TestTelemetryServesYourServiceRuntime: the run's /metrics serves the
// service's Go runtime series (its GOMAXPROCS, not the load generator's)
// under the run's labels, and its cgroup's, so that the dashboards show
// the service.
func TestTelemetryServesYourServiceRuntime(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin, err := workloadtest.BuildTestService(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	svc := startService(t, bin, addr, "all")
	cfg := loadgen(addr, svc.Process.Pid)
	cfg.Duration, cfg.Listen = 4*time.Second, "127.0.0.1:0"
	logs := &lockedWriter{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	t.Setenv(contract.EnvExperiment, "exp")
	t.Setenv(contract.EnvVariant, "v000")
	t.Setenv(contract.EnvRun, "v000-r0")
	done := make(chan error, 1)
	go func() { _, err := driver.Run(context.Background(), cfg); done <- err }()
	var body string
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		m := regexp.MustCompile(`msg=telemetry addr=(\S+)`).FindStringSubmatch(logs.String())
		if m == nil {
			continue
		}
		resp, err := http.Get("http://" + m[1] + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); strings.Contains(body, "go_sched_gomaxprocs_threads") {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`go_sched_gomaxprocs_threads{experiment="exp",run="v000-r0",scenario="app",variant="v000"} 1`,
		`process_cpu_seconds_total{experiment="exp"`,
		`runtimelab_cgroup_`,
		`runtimelab_app_responses_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%.3000s", want, body)
		}
	}
}

// lockedWriter keeps the driver's log, written and read concurrently.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
