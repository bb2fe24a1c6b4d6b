package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// serveService starts the service's server role and returns its address,
// as an executor learns it: from the readiness handshake (--ready-file).
func serveService(t *testing.T, cmdWrap func(args ...string) *started, sets ...string) (*started, string) {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	args := []string{"run", "service", "--role", "server", "--serve", "127.0.0.1:0", "--duration", "60s",
		"--warmup", "0s", "--listen", "", "--output", "json", "--ready-file", ready}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	s := cmdWrap(args...)
	var addr string
	waitFor(t, 10*time.Second, "the server's ready file", func() bool {
		r, err := contract.ReadReady(ready)
		addr = r.Addr
		return err == nil
	})
	return s, addr
}

// serveToFile starts the server role, unconstrained, writing its summary
// to a file it returns with the server and its address.
func serveToFile(t *testing.T, sets ...string) (*started, string, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "server.json")
	srv, addr := serveService(t, func(a ...string) *started {
		return start(t, nil, false, append(a, "--result-file", file)...)
	}, sets...)
	return srv, addr, file
}

func TestServiceRateHeldUnconstrained(t *testing.T) {
	workloadtest.NeedMachine(t)
	// A 4s window keeps the edges (responses in flight as it opens and
	// closes) well inside the 2 % asked for.
	s := runScenarioFor(t, "4s", nil, "service", "rate=400", "work=200us")
	t.Logf("target 400/s: achieved %.1f/s (%.4f), p50 %.2fms p99 %.2fms, send lag p99 %.2fms",
		s.Figures["req/s"], s.Figures["rate-frac"], s.Figures["lat-p50-s"]*1e3, s.Figures["lat-p99-s"]*1e3, s.Figures["send-lag-p99-s"]*1e3)
	if f := s.Figures["rate-frac"]; f < 0.98 || f > 1.02 {
		t.Errorf("achieved rate: got %.4f of the target, want within 2%%", f)
	}
	if s.Figures["error-frac"] != 0 || s.Figures["served/s"] <= 0 {
		t.Errorf("got error-frac %v and served/s %v, want 0 and > 0", s.Figures["error-frac"], s.Figures["served/s"])
	}
	if p50, p99, p999 := s.Figures["lat-p50-s"], s.Figures["lat-p99-s"], s.Figures["lat-p999-s"]; !(p50 > 0 && p50 <= p99 && p99 <= p999) {
		t.Errorf("latency quantiles: got p50 %v p99 %v p99.9 %v, want 0 < p50 ≤ p99 ≤ p99.9", p50, p99, p999)
	}
}

// loadAgainst runs the load generator role against addr and returns its summary.
func loadAgainst(t *testing.T, addr string, sets ...string) *result.Summary {
	t.Helper()
	args := []string{"run", "service", "--role", "loadgen", "--target", addr, "--duration", "3s", "--warmup", "500ms",
		"--listen", "", "--output", "json"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	r := runBin(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("loadgen: exit %d: %s", r.code, r.stderr)
	}
	s, err := result.Decode([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServiceUnderCPUQuota runs the server in a real cgroup with a small
// quota and GOMAXPROCS above it, and the load generator outside it, as in
// a cluster: the server is throttled and the tail latency grows.
func TestServiceUnderCPUQuota(t *testing.T) {
	workloadtest.NeedMachine(t)
	sets := []string{"rate=200", "work=1ms", "allocBytes=0"}
	free, freeAddr := serveService(t, func(a ...string) *started { return start(t, nil, false, a...) }, sets...)
	unconstrained := loadAgainst(t, freeAddr, sets...)
	free.cmd.Process.Signal(syscall.SIGTERM)
	free.wait(t)

	sb := newSandbox(t, sandbox.Limits{CPUQuotaMicros: 20_000})
	file := filepath.Join(t.TempDir(), "server.json")
	srv, addr := serveService(t, func(a ...string) *started {
		return startCmd(t, sb.Command(bin, append(a, "--result-file", file)...), []string{"GOMAXPROCS=2"})
	}, sets...)
	constrained := loadAgainst(t, addr, sets...)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.wait(t)
	server := readSummary(t, file)

	t.Logf("p99 unconstrained %.2fms, under 0.2 CPU with GOMAXPROCS=2 %.2fms; server throttled %d of %d periods",
		unconstrained.Figures["lat-p99-s"]*1e3, constrained.Figures["lat-p99-s"]*1e3, server.CPU.ThrottledPeriods, server.CPU.Periods)
	if server.Settings.CPULimitCores != 0.2 || server.Settings.GOMAXPROCS != 2 {
		t.Errorf("server settings: got %.2f cores and GOMAXPROCS %d, want 0.2 and 2", server.Settings.CPULimitCores, server.Settings.GOMAXPROCS)
	}
	if server.CPU.ThrottledPeriods == 0 {
		t.Errorf("server throttled periods: got 0 of %d, want > 0", server.CPU.Periods)
	}
	if c, u := constrained.Figures["lat-p99-s"], unconstrained.Figures["lat-p99-s"]; c < 2*u {
		t.Errorf("p99: got %.2fms under the quota and %.2fms without, want at least 2× worse under it", c*1e3, u*1e3)
	}
}

// TestServerStopsWhenLoadgenDone: the load generator, its window over,
// asks the server to stop; the server ends its window there and exits 0
// with a complete summary instead of serving idle for its whole duration.
func TestServerStopsWhenLoadgenDone(t *testing.T) {
	workloadtest.NeedMachine(t)
	srv, addr, file := serveToFile(t, "rate=200", "work=100us")
	time.Sleep(2 * time.Second) // the generator comes later (in a cluster: another pod)
	began := time.Now()
	lg := loadAgainst(t, addr, "rate=200", "work=100us")
	code := srv.wait(t)
	took := time.Since(began)
	server := readSummary(t, file)
	t.Logf("server exited %d after %v (its duration was 60s); served/s %.1f over %.2fs, load generator req/s %.1f over %.2fs",
		code, took.Round(time.Millisecond), server.Figures["served/s"], server.Seconds, lg.Figures["req/s"], lg.Seconds)
	if code != 0 || took > 20*time.Second {
		t.Fatalf("server: got exit %d after %v, want 0 soon after the load generator ended", code, took)
	}
	// The server's window starts with its first request, not at its own
	// start: the 2 s without load are not in it.
	if server.Seconds > lg.Seconds+1.5 {
		t.Errorf("server window: got %.2fs against the generator's %.2fs, want it to start with the load (not 2s earlier)", server.Seconds, lg.Seconds)
	}
	if server.Partial || server.Phase != "done" || server.Figures["served/s"] <= 0 {
		t.Errorf("server summary: got partial=%v phase=%q served/s=%v, want complete, done, > 0",
			server.Partial, server.Phase, server.Figures["served/s"])
	}
}

// TestLoadgenStopsBehindSlowServer: requests still in flight when the load
// generator's window ends are cancelled, not awaited. Behind a server that
// answers in 10 s over 8 connections, the last of the second's 50 requests
// would be answered about 20 s later (longer than the driver's 10 s stop
// timeout, shorter than the 30 s request timeout); the generator still
// exits 0 at once with a complete summary, and the server, told to stop,
// drains and exits 0 too — as a starved server under a CPU limit must in
// exercise 4.
func TestLoadgenStopsBehindSlowServer(t *testing.T) {
	workloadtest.NeedMachine(t)
	srv, addr, file := serveToFile(t, "ioWait=10s", "work=0s")
	began := time.Now()
	r := runBin(t, nil, "run", "service", "--role", "loadgen", "--target", addr, "--duration", "1s", "--warmup", "0s",
		"--listen", "", "--output", "json", "--set", "rate=50", "--set", "connections=8", "--set", "timeout=30s")
	took := time.Since(began)
	if r.code != 0 {
		t.Fatalf("load generator: got exit %d after %v: %s; want 0: its in-flight requests are cancelled when the window ends",
			r.code, took.Round(time.Millisecond), r.stderr)
	}
	lg, err := result.Decode([]byte(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if lg.Partial || took > 8*time.Second {
		t.Errorf("load generator: got partial=%v after %v, want a complete summary well before the 10 s answers",
			lg.Partial, took.Round(time.Millisecond))
	}
	if code := srv.wait(t); code != 0 {
		t.Errorf("server: got exit %d, want 0 (told to stop; its requests were cancelled by the client)", code)
	}
	if sum := readSummary(t, file); sum.Partial || sum.Phase != "done" {
		t.Errorf("server summary: got partial=%v phase=%q, want complete and done", sum.Partial, sum.Phase)
	}
}

// TestSignalAfterWindowExitsZero: a signal that arrives after the measured
// window ended (here while the server drains a slow in-flight request)
// cut nothing short: the summary is complete and the exit code 0.
func TestSignalAfterWindowExitsZero(t *testing.T) {
	workloadtest.NeedMachine(t)
	file := filepath.Join(t.TempDir(), "server.json")
	ready := filepath.Join(t.TempDir(), "ready")
	args := []string{"run", "service", "--role", "server", "--serve", "127.0.0.1:0", "--duration", "1s",
		"--warmup", "0s", "--listen", "", "--output", "json", "--result-file", file, "--ready-file", ready,
		"--set", "ioWait=3s", "--set", "work=0s"}
	srv := start(t, nil, false, args...)
	var addr string
	waitFor(t, 10*time.Second, "the server's ready file", func() bool {
		r, err := contract.ReadReady(ready)
		addr = r.Addr
		return err == nil
	})
	go func() {
		if resp, err := http.Get("http://" + addr + "/work"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(1800 * time.Millisecond) // the 1s window is over; the 3s request still drains
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if code := srv.wait(t); code != 0 {
		t.Errorf("exit code: got %d, want 0 for a signal after the window", code)
	}
	if sum := readSummary(t, file); sum.Partial || sum.Seconds < 0.9 {
		t.Errorf("summary: got partial=%v over %.2fs, want complete over the 1s window", sum.Partial, sum.Seconds)
	}
}

// startCmd starts a prepared command (e.g. inside a sandbox) like start does.
func startCmd(t *testing.T, cmd *exec.Cmd, env []string) *started {
	t.Helper()
	cmd.Env = append(os.Environ(), env...)
	return startPrepared(t, cmd, false)
}

// TestServiceDrainsOnSIGTERM: a request in flight when the server gets
// SIGTERM still completes with 200; then the server exits.
func TestServiceDrainsOnSIGTERM(t *testing.T) {
	workloadtest.NeedMachine(t)
	srv, addr := serveService(t, func(a ...string) *started { return start(t, nil, false, a...) },
		"ioWait=1s", "work=0s")
	type reply struct {
		code int
		err  error
		took time.Duration
	}
	done := make(chan reply, 1)
	began := time.Now()
	go func() {
		resp, err := http.Get("http://" + addr + "/work")
		if err != nil {
			done <- reply{err: err}
			return
		}
		resp.Body.Close()
		done <- reply{code: resp.StatusCode, took: time.Since(began)}
	}()
	time.Sleep(300 * time.Millisecond) // the request is in its 1s I/O wait
	srv.cmd.Process.Signal(syscall.SIGTERM)
	r := <-done
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("in-flight request: got %d %v, want 200: the server must drain before exiting", r.code, r.err)
	}
	if code := srv.wait(t); code != 128+int(syscall.SIGTERM) {
		t.Errorf("server exit code: got %d, want %d", code, 128+int(syscall.SIGTERM))
	}
	if !strings.Contains(srv.stdout.String(), `"partial":true`) {
		t.Errorf("final summary: got %q, want a partial summary after the drain", srv.stdout.String())
	}
	if r.took < time.Second {
		t.Errorf("request took %v, want ≥ 1s (its full I/O wait)", r.took)
	}
}

func TestServiceBadInput(t *testing.T) {
	workloadtest.NeedMachine(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"loadgen without target", []string{"--role", "loadgen"}, "--target: role loadgen of service connects to a server"},
		{"target is a URL", []string{"--role", "loadgen", "--target", "http://x:1/work"}, `give host:port of the server`},
		{"unknown role", []string{"--role", "client"}, `--role "client": scenario service's roles are both, server, loadgen`},
		{"rate zero", []string{"--set", "rate=0"}, "parameter rate: 0 is out of range; use 1 to 100000"},
		{"panic share", []string{"--set", "panicFraction=1.5"}, "parameter panicFraction: 1.5 is out of range; use 0 to 1"},
		{"leak kind", []string{"--set", "leakKind=fd"}, `parameter leakKind: "fd" is not allowed; use one of goroutine, heap`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, nil, append([]string{"run", "service", "--listen", ""}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got exit %d and %q, want 2 and a message containing %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestServicePanicsAndLeaks(t *testing.T) {
	workloadtest.NeedMachine(t)
	s := runScenario(t, nil, "service", "rate=300", "work=100us", "panicFraction=0.2", "leakEvery=10", "leakKind=goroutine")
	rate := s.Figures["req/s"]
	t.Logf("error-frac %.3f, panics/s %.1f, leaked %.0f, goroutines %d", s.Figures["error-frac"], s.Figures["panics/s"], s.Figures["leaked"], s.Runtime.Goroutines)
	if f := s.Figures["error-frac"]; f < 0.12 || f > 0.28 {
		t.Errorf("error-frac with 20%% of requests panicking: got %.3f, want ≈ 0.2 (recovered panics answer 500)", f)
	}
	if p := s.Figures["panics/s"]; p < 0.12*rate || p > 0.28*rate {
		t.Errorf("panics/s: got %.1f at %.1f req/s, want ≈ 20%%", p, rate)
	}
	leaked := s.Figures["leaked"]
	if leaked < 0.07*rate*s.Seconds {
		t.Errorf("leaked: got %.0f over %.1fs at %.0f req/s, want about every 10th request", leaked, s.Seconds, rate)
	}
	if float64(s.Runtime.Goroutines) < leaked {
		t.Errorf("goroutines: got %d, want at least the %.0f leaked in the window", s.Runtime.Goroutines, leaked)
	}
}
