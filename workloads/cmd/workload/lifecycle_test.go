package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// started is a workload process running in the background.
type started struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	addr   string // telemetry address, once logged
	done   chan error

	mu     sync.Mutex
	stderr strings.Builder
}

var telemetryLine = regexp.MustCompile(`msg=telemetry addr=(\S+)`)

// start runs the binary and waits for its telemetry address when listen
// is not empty.
func start(t *testing.T, env []string, listen bool, args ...string) *started {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return startPrepared(t, cmd, listen)
}

// startPrepared starts a prepared command (for example one that joins a
// sandbox first) and collects its output.
func startPrepared(t *testing.T, cmd *exec.Cmd, listen bool) *started {
	t.Helper()
	s := &started{cmd: cmd, done: make(chan error, 1)}
	s.cmd.Stdout = &s.stdout
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := telemetryLine.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
		}
		if t.Failed() {
			s.mu.Lock()
			t.Logf("workload stderr:\n%s", s.stderr.String())
			s.mu.Unlock()
		}
	})
	if listen {
		select {
		case s.addr = <-addrc:
		case <-time.After(10 * time.Second):
			t.Fatal("no telemetry address logged within 10s")
		}
	}
	return s
}

func (s *started) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("workload did not exit within 30s")
	}
	return s.cmd.ProcessState.ExitCode()
}

func readSummary(t *testing.T, path string) *result.Summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read result file: %v", err)
	}
	s, err := result.Decode(b)
	if err != nil {
		t.Fatalf("result file: %v\n%s", err, b)
	}
	return s
}

// waitFor polls cond every 50ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSignalEndsRunWithPartialSummary: SIGTERM mid-run ends the run early;
// the final summary says partial, keeps what was measured, and the exit
// code is 128+15.
func TestSignalEndsRunWithPartialSummary(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "result.json")
			s := start(t, nil, false, "run", "gc", "--duration", "60s", "--warmup", "200ms", "--listen", "",
				"--interval", "100ms", "--result-file", file, "--output", "json", "--set", "liveHeap=8Mi")
			waitFor(t, 10*time.Second, "the measured window", func() bool {
				b, err := os.ReadFile(file)
				return err == nil && bytes.Contains(b, []byte(`"phase":"measure"`)) && bytes.Contains(b, []byte(`"ops/s"`))
			})
			time.Sleep(300 * time.Millisecond)
			s.cmd.Process.Signal(sig)
			if code := s.wait(t); code != 128+int(sig) {
				t.Errorf("exit code: got %d, want %d", code, 128+int(sig))
			}
			sum := readSummary(t, file)
			if !sum.Partial || sum.Phase != "done" || sum.Error != "" {
				t.Errorf("got partial=%v phase=%q error=%q, want partial, done, no error", sum.Partial, sum.Phase, sum.Error)
			}
			if sum.Seconds < 0.2 || sum.Seconds > 30 || sum.Figures["ops/s"] <= 0 {
				t.Errorf("got %.2fs measured and %v ops/s, want the window up to the signal", sum.Seconds, sum.Figures["ops/s"])
			}
			if !strings.Contains(s.stdout.String(), `"partial":true`) {
				t.Errorf("stdout: got %q, want the partial summary printed", s.stdout.String())
			}
		})
	}
}

// TestResultFileDuringRun: the interim summary appears while the run goes
// on, so a run killed by the kernel still leaves one; SIGKILL shows it.
func TestResultFileDuringRun(t *testing.T) {
	file := filepath.Join(t.TempDir(), "result.json")
	s := start(t, nil, false, "run", "alloc", "--duration", "60s", "--warmup", "100ms", "--listen", "",
		"--interval", "100ms", "--result-file", file, "--set", "goroutines=1")
	var interim *result.Summary
	waitFor(t, 10*time.Second, "an interim summary with figures", func() bool {
		b, err := os.ReadFile(file)
		if err != nil {
			return false
		}
		interim, err = result.Decode(b)
		return err == nil && interim.Seconds > 0.3
	})
	s.cmd.Process.Kill()
	s.wait(t)
	got := readSummary(t, file)
	if !got.Partial || got.Phase != "measure" || got.Figures["objects/s"] <= 0 {
		t.Errorf("after SIGKILL: got partial=%v phase=%q objects/s=%v, want the last interim summary",
			got.Partial, got.Phase, got.Figures["objects/s"])
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTelemetryEndpoints(t *testing.T) {
	s := start(t, []string{"RUNTIMELAB_EXPERIMENT=e1", "RUNTIMELAB_VARIANT=v1", "RUNTIMELAB_RUN=r0"}, true,
		"run", "scheduler", "--duration", "3s", "--warmup", "200ms", "--listen", "127.0.0.1:0", "--interval", "200ms",
		"--set", "goroutines=4")
	base := "http://" + s.addr
	if code, body := httpGet(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: got %d %q, want 200 ok", code, body)
	}
	waitFor(t, 5*time.Second, "/result in the measured window", func() bool {
		_, body := httpGet(t, base+"/result")
		return strings.Contains(body, `"phase":"measure"`) && strings.Contains(body, `"tasks/s"`)
	})
	code, metrics := httpGet(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: got %d", code)
	}
	labels := `experiment="e1",run="r0",scenario="scheduler",variant="v1"`
	for _, want := range []string{
		`runtimelab_scheduler_tasks_total{` + labels + `}`,
		`runtimelab_run_measuring{` + labels + `} 1`,
		`go_sched_latencies_seconds_bucket{` + labels,      // the Go collector over runtime/metrics
		`go_gc_heap_allocs_by_size_bytes_bucket{` + labels, // only present with MetricsAll
		`process_cpu_seconds_total{` + labels,
		`go_build_info{`,
		`runtimelab_run_info{`,
		`runtimelab_cgroup_cpu_usage_seconds_total{` + labels,
		`runtimelab_cgroup_memory_usage_bytes{` + labels,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := httpGet(t, base+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("/debug/pprof/goroutine: got %d", code)
	}
	if code := s.wait(t); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
}
