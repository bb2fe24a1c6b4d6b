package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// bin is the workload binary built once for every test in the package:
// the tests run it as users and executors do, as a separate process.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "workload-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if bin, err = workloadtest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runResult is what one invocation of the binary produced.
type runResult struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return runResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// runScenario runs a scenario briefly and returns its JSON summary.
func runScenario(t *testing.T, env []string, name string, sets ...string) *result.Summary {
	t.Helper()
	return runScenarioFor(t, "1500ms", env, name, sets...)
}

// runScenarioFor runs a scenario for a measured window of duration.
func runScenarioFor(t *testing.T, duration string, env []string, name string, sets ...string) *result.Summary {
	t.Helper()
	args := []string{"run", name, "--duration", duration, "--warmup", "300ms", "--listen", "", "--output", "json"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	r := runBin(t, env, args...)
	if r.code != 0 {
		t.Fatalf("workload %v: exit %d\n%s", args, r.code, r.stderr)
	}
	s, err := result.Decode([]byte(r.stdout))
	if err != nil {
		t.Fatalf("decode summary: %v\n%s", err, r.stdout)
	}
	if s.Partial || s.Error != "" || s.Phase != "done" {
		t.Fatalf("got partial=%v error=%q phase=%q, want a complete run", s.Partial, s.Error, s.Phase)
	}
	if n := len(r.stdout); n > result.MaxBytes {
		t.Errorf("summary is %d bytes, want ≤ %d", n, result.MaxBytes)
	}
	return s
}

func TestList(t *testing.T) {
	r := runBin(t, nil, "list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"scheduler", "alloc", "gc"} {
		if !strings.Contains(r.stdout, name+" ") {
			t.Errorf("list output lacks %q:\n%s", name, r.stdout)
		}
	}
}

func TestDescribe(t *testing.T) {
	r := runBin(t, nil, "describe", "gc")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"liveHeap", "bytes", "64Mi", "1Mi to 64Gi", "gc-cpu-frac"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("describe gc lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestBadInput checks that bad input exits 2 with a message naming the
// flag or parameter and its valid range, and runs nothing.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"run", "nope"}, `unknown scenario "nope"; valid scenarios are scheduler, alloc, gc`},
		{"describe unknown", []string{"describe", "nope"}, `unknown scenario "nope"`},
		{"unknown parameter", []string{"run", "gc", "--set", "heap=1Mi"}, "parameter heap: unknown; valid parameters are liveHeap"},
		{"out of range", []string{"run", "gc", "--set", "liveHeap=100Gi"}, "parameter liveHeap: 100Gi is out of range; use 1Mi to 64Gi"},
		{"bad size", []string{"run", "gc", "--set", "liveHeap=lots"}, `parameter liveHeap: "lots" is not a valid bytes (1Mi to 64Gi)`},
		{"bad fraction", []string{"run", "scheduler", "--set", "blockFraction=2"}, "parameter blockFraction: 2 is out of range; use 0 to 1"},
		{"fractions over one", []string{"run", "scheduler", "--set", "blockFraction=0.6", "--set", "syscallFraction=0.6"}, "blockFraction + syscallFraction must be at most 1"},
		{"no weights", []string{"run", "alloc", "--set", "tinyWeight=0", "--set", "smallWeight=0", "--set", "largeWeight=0"}, "give at least one a positive weight"},
		{"bad duration", []string{"run", "gc", "--duration", "soon"}, `invalid argument "soon" for "--duration"`},
		{"negative duration", []string{"run", "gc", "--duration", "-5s"}, "--duration -5s: must be positive"},
		{"negative warmup", []string{"run", "gc", "--warmup", "-1s"}, "--warmup -1s: must be 0 or positive"},
		{"bad output", []string{"run", "gc", "--output", "xml"}, `--output "xml": must be text, json or bench`},
		{"unknown flag", []string{"run", "gc", "--bogus"}, "unknown flag: --bogus"},
		{"no scenario", []string{"run"}, "takes one scenario name"},
		{"sidecar without cpu", []string{"sidecar"}, "--cpu is required"},
		{"sidecar cpu too large", []string{"sidecar", "--cpu", "100"}, `--cpu: cpu "100": want a quantity from 0 to 64`},
		{"sidecar memory not bytes", []string{"sidecar", "--cpu", "1", "--memory", "lots"}, `--memory "lots": want bytes from 0 to 64Gi`},
		{"role on a single-role scenario", []string{"run", "gc", "--role", "server"}, `--role "server": scenario gc has a single role; drop --role`},
		{"poller mode", []string{"run", "poller", "--set", "mode=flood"}, `parameter mode: "flood" is not allowed; use one of echo, idle, burst`},
		{"poller conns", []string{"run", "poller", "--set", "conns=0"}, "parameter conns: 0 is out of range; use 1 to 100000"},
		{"poller msgSize", []string{"run", "poller", "--set", "msgSize=2Mi"}, "parameter msgSize: 2Mi is out of range; use 1 to 1Mi"},
		{"poller interval", []string{"run", "poller", "--set", "interval=0s"}, "parameter interval: 0s is out of range; use 1ms to 1m"},
		{"poller dialConcurrency", []string{"run", "poller", "--set", "dialConcurrency=5000"}, "parameter dialConcurrency: 5000 is out of range; use 1 to 1024"},
		{"poller conns over the open-files limit", []string{"run", "poller", "--set", pollerOverLimit.set}, pollerOverLimit.want},
		{"poller buffers", []string{"run", "poller", "--role", "server", "--set", "conns=4096", "--set", "msgSize=1Mi"}, "parameter msgSize: 1Mi with 4096 conns needs 8Gi of message buffers"},
		{"poller client without target", []string{"run", "poller", "--role", "client"}, "--target: role client of poller connects to a server"},
		{"poller unknown role", []string{"run", "poller", "--role", "proxy"}, `--role "proxy": scenario poller's roles are both, server, client`},
		{"poller target not host:port", []string{"run", "poller", "--role", "client", "--target", "nothost"}, `--target "nothost": want host:port`},
		{"memlimit fraction", []string{"run", "memlimit", "--set", "liveFraction=3"}, "parameter liveFraction: 3 is out of range; use 0.05 to 2"},
		{"memlimit steps", []string{"run", "memlimit", "--set", "steps=0"}, "parameter steps: 0 is out of range; use 1 to 1000"},
		{"append and pool together", []string{"run", "alloc", "--set", "appendLen=64", "--set", "pool=true"}, "appendLen builds fresh slices, pool reuses buffers; set one of them"},
		{"stack frame not a power of two", []string{"run", "stack", "--set", "frameBytes=100"}, "parameter frameBytes: 100 is not a power of two; use a power of two from 64 to 64Ki"},
		{"stack too deep for one goroutine", []string{"run", "stack", "--set", "goroutines=1", "--set", "depth=1000000", "--set", "frameBytes=1Ki"}, "parameter depth: depth × frameBytes is 1000000Ki, over the 256Mi one goroutine's stack may hold"},
		{"stacks over the machine's memory", []string{"run", "stack", "--set", "goroutines=100000", "--set", "depth=100000", "--set", "frameBytes=1Ki"},
			"its parameters need about"},
		{"timers kind", []string{"run", "timers", "--set", "kind=cron"}, `parameter kind: "cron" is not allowed; use one of timer, ticker, sleep, afterfunc, mixed`},
		{"timers interval", []string{"run", "timers", "--set", "interval=1us"}, "parameter interval: 1us is out of range; use 10us to 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resultFile := filepath.Join(t.TempDir(), "result.json")
			args := append(tt.args, "--result-file="+resultFile)
			if tt.args[0] != "run" || len(tt.args) == 1 {
				args = tt.args
			}
			r := runBin(t, nil, args...)
			if r.code != 2 {
				t.Errorf("exit code: got %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout: got %q, want nothing (nothing was run)", r.stdout)
			}
			if _, err := os.Stat(resultFile); err == nil {
				t.Error("a result file was written, want none: nothing was run")
			}
		})
	}
}

func TestSummaryPrintsBenchmarkAndJSON(t *testing.T) {
	r := runBin(t, []string{"RUNTIMELAB_EXPERIMENT=exp1", "RUNTIMELAB_VARIANT=v0", "RUNTIMELAB_RUN=r1"},
		"run", "scheduler", "--duration", "500ms", "--warmup", "100ms", "--listen", "", "--set", "goroutines=8")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	bench, js, ok := strings.Cut(r.stdout, "\n{")
	if !ok {
		t.Fatalf("stdout: want benchmark lines then JSON, got:\n%s", r.stdout)
	}
	if !strings.Contains(bench, "\nBenchmarkScheduler/variant=v0/blockFor=1ms/blockFraction=0/goroutines=8/") ||
		!strings.Contains(bench, " tasks/s ") || !strings.Contains(bench, "experiment: exp1") {
		t.Errorf("benchmark lines: got\n%s", bench)
	}
	var s result.Summary
	if err := json.Unmarshal([]byte("{"+js), &s); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if s.Experiment != "exp1" || s.Variant != "v0" || s.Run != "r1" {
		t.Errorf("labels: got %q/%q/%q, want exp1/v0/r1", s.Experiment, s.Variant, s.Run)
	}
	if s.Figures["tasks/s"] <= 0 || s.Params["goroutines"] != "8" {
		t.Errorf("got tasks/s %v and goroutines %q, want > 0 and 8", s.Figures["tasks/s"], s.Params["goroutines"])
	}
}

// TestSidecarStopsCleanly: a sidecar runs until SIGTERM, then exits 0 and
// says what it used.
func TestSidecarStopsCleanly(t *testing.T) {
	cmd := exec.Command(bin, "sidecar", "--cpu", "200m", "--memory", "8Mi")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sidecar after SIGTERM: %v, want exit 0\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "sidecar stopped") || !strings.Contains(errb.String(), "memoryBytes=8388608") {
		t.Errorf("stderr lacks the sidecar's report:\n%s", errb.String())
	}
}
