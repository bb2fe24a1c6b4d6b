package localexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// faultyWorkload writes a workload that runs script, then execs the real
// workload: it injects a failure the real binary cannot be made to have on
// demand (a server that dies at once or never starts). script sees the
// workload's arguments and environment.
func faultyWorkload(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faulty-workload")
	body := "#!/bin/sh\n" + script + "\nexec '" + workload + "' \"$@\"\n"
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// livingWorkloads lists the processes still running the real workload
// binary (a reaped or zombie process has no command line).
func livingWorkloads(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		if argv := strings.Split(string(b), "\x00"); argv[0] == workload {
			out = append(out, e.Name()+" "+strings.Join(argv[1:], " "))
		}
	}
	return out
}

// leftoverCgroups lists the sandboxes of the Experiment name still on disk.
func leftoverCgroups(name string) []string {
	var out []string
	for _, root := range []string{"/sys/fs/cgroup/memory", "/sys/fs/cgroup"} {
		m, _ := filepath.Glob(filepath.Join(root, sandbox.Parent, name+"-*"))
		out = append(out, m...)
	}
	return out
}

// cgroupsWork reports whether this machine can create cgroups.
func cgroupsWork(t *testing.T) bool {
	t.Helper()
	sb, err := sandbox.New("localexec-probe-"+t.Name(), sandbox.Limits{})
	if err != nil {
		return false
	}
	sb.Delete()
	return true
}

const serviceManifest = `
metadata: {name: NAME}
spec:
  scenario: {service: {rate: 200, connections: 8, work: 50us}}
  matrix:
    gomaxprocs: ["3"]
  duration: 2s
  warmup: 0s
  repetitions: 1
`

// TestServiceServerThatDiesAtOnce: a service server that exits at once
// ends the run at once as an Error naming its exit and last stderr line,
// instead of waiting 30 s for an address, and leaves no cgroup behind.
func TestServiceServerThatDiesAtOnce(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin := faultyWorkload(t, `case " $* " in *" --role server "*) echo "injected: cannot bind" >&2; exit 3;; esac`)
	exp := load(t, strings.Replace(serviceManifest, "NAME", "svc-dies", 1))
	dir := t.TempDir()
	began := time.Now()
	if err := Run(context.Background(), exp, Options{Workload: bin, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("Run took %s, want it to end soon after the server exited", took)
	}
	run := exp.Status.Variants[0].Runs[0]
	for _, want := range []string{"server: the server ended before its load generator started", "exit code 3", "injected: cannot bind"} {
		if run.Outcome != labv1.OutcomeError || !strings.Contains(run.Reason, want) {
			t.Errorf("got %s (%s), want Error with %q", run.Outcome, run.Reason, want)
		}
	}
	if left := leftoverCgroups("svc-dies"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// TestServiceInterruptedWhileStarting: Ctrl-C while the server has not
// reported its address ends the run at once; the server is reaped (no
// zombie) before its cgroup is deleted.
func TestServiceInterruptedWhileStarting(t *testing.T) {
	workloadtest.NeedMachine(t)
	pidFile := filepath.Join(t.TempDir(), "server.pid")
	bin := faultyWorkload(t, `case " $* " in *" --role server "*) echo $$ > '`+pidFile+`'; exec sleep 3600;; esac`)
	exp := load(t, strings.Replace(serviceManifest, "NAME", "svc-starting", 1))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(pidFile); err == nil {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	began := time.Now()
	err := Run(ctx, exp, Options{Workload: bin, Dir: dir, Parallel: 1})
	took := time.Since(began)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if took > 10*time.Second {
		t.Errorf("Run took %s, want it to end soon after the interrupt", took)
	}
	if got := exp.Status.Variants[0].Runs[0]; got.Outcome != labv1.OutcomeDeleted {
		t.Errorf("got %s (%s), want Deleted (interrupted)", got.Outcome, got.Reason)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if status, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/status"); err == nil {
		t.Errorf("the server process %s is still there (not reaped) after Run returned:\n%s", bytes.TrimSpace(pid), status[:min(len(status), 80)])
	}
	if left := leftoverCgroups("svc-starting"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// lockedWriter is a progress writer that calls on with everything
// written so far, under a lock, on every write.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	on  func(all string)
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.on(w.buf.String())
	return len(p), nil
}

// TestSaveErrorStopsEveryRun: when saving the results fails with runs in
// flight (--parallel 2), Run stops and waits for every run before it
// returns the error (no workload left running), and the statuses of the
// finished runs are written once saving works again.
func TestSaveErrorStopsEveryRun(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin := faultyWorkload(t, `[ "$RUNTIMELAB_RUN" = v000-r0 ] && { sleep 0.3; echo "injected failure" >&2; exit 1; }`)
	exp := load(t, `
metadata: {name: savefail}
spec:
  scenario: {scheduler: {goroutines: 4}}
  matrix:
    gomaxprocs: ["1", "2"]
  duration: 5s
  warmup: 0s
  repetitions: 2
`)
	dir := t.TempDir()
	blocker := filepath.Join(dir, resultsdir.ExperimentFile+".tmp") // a directory there makes every save fail
	progress := &lockedWriter{on: func(all string) {
		switch {
		case strings.Contains(all, "stopping the runs"):
			os.Remove(blocker)
		case strings.Contains(all, "v000-r0: Error"):
			os.Mkdir(blocker, 0o755)
		}
	}}
	began := time.Now()
	err := Run(context.Background(), exp, Options{Workload: bin, Dir: dir, Parallel: 2, Progress: progress})
	if !errors.Is(err, syscall.EISDIR) {
		t.Fatalf("got %v, want the save error (EISDIR)", err)
	}
	if left := livingWorkloads(t); len(left) > 0 {
		t.Errorf("workloads still running after Run returned: %v", left)
	}
	if took := time.Since(began); took > 20*time.Second {
		t.Errorf("Run took %s, want the in-flight run stopped at once", took)
	}
	saved, err := resultsdir.LoadExperiment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for _, v := range saved.Status.Variants {
		for _, r := range v.Runs {
			outcomes[fmt.Sprintf("%s-r%d", v.Name, r.Index)] = r.Outcome
		}
	}
	want := map[string]string{"v000-r0": labv1.OutcomeError, "v001-r0": labv1.OutcomeDeleted, "v000-r1": labv1.OutcomePending, "v001-r1": labv1.OutcomePending}
	for id, w := range want {
		if outcomes[id] != w {
			t.Errorf("saved run %s: got %s, want %s (all: %v)", id, outcomes[id], w, outcomes)
		}
	}
}

// TestSameNameSameSecond: two executions of Experiments of the same name
// created in the same second get sandboxes of their own: each run reads
// back its own CPU limit.
func TestSameNameSameSecond(t *testing.T) {
	workloadtest.NeedMachine(t)
	if !cgroupsWork(t) {
		t.Skip("real-cgroup test skipped: cannot create cgroups here")
	}
	manifest := `
metadata: {name: twin}
spec:
  scenario: {scheduler: {goroutines: 4}}
  matrix:
    cpu: [{limit: CPU}]
  duration: 1s
  warmup: 0s
  repetitions: 1
`
	cpus := []string{"250m", "1500m"}
	wantCores := []float64{0.25, 1.5}
	exps := make([]*labv1.Experiment, 2)
	dirs := make([]string, 2)
	errs := make([]error, 2)
	for i, cpu := range cpus {
		exps[i] = load(t, strings.Replace(manifest, "CPU", cpu, 1))
		exps[i].CreationTimestamp = exps[0].CreationTimestamp
		dirs[i] = t.TempDir()
	}
	var wg sync.WaitGroup
	for i := range exps {
		wg.Go(func() {
			errs[i] = Run(context.Background(), exps[i], Options{Workload: workload, Dir: dirs[i], Parallel: 1})
		})
	}
	wg.Wait()
	for i := range exps {
		if errs[i] != nil {
			t.Fatalf("execution %d: %v", i, errs[i])
		}
		run := exps[i].Status.Variants[0].Runs[0]
		if run.Outcome != labv1.OutcomeCompleted {
			t.Errorf("execution %d: got %s (%s), want Completed", i, run.Outcome, run.Reason)
			continue
		}
		runs, err := resultsdir.LoadRuns(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := runs["v000-r0"].Settings.CPULimitCores; got != wantCores[i] {
			t.Errorf("execution %d (cpu %s) read back %.2f cores, want %.2f", i, cpus[i], got, wantCores[i])
		}
	}
	if left := leftoverCgroups("twin"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// serviceRun runs the service manifest under name with bin and returns
// the run's status, the server's own summary and how long Run took.
func serviceRun(t *testing.T, name, bin string) (labv1.RunStatus, *result.Summary, time.Duration) {
	t.Helper()
	exp := load(t, strings.Replace(serviceManifest, "NAME", name, 1))
	dir := t.TempDir()
	began := time.Now()
	if err := Run(context.Background(), exp, Options{Workload: bin, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if runs["v000-r0-server"] == nil {
		t.Fatalf("no server summary in %s", dir)
	}
	if left := leftoverCgroups(name); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
	return exp.Status.Variants[0].Runs[0], runs["v000-r0-server"], took
}

// TestServiceServerStopsByItself: the load generator tells the server to
// stop when its window ends; the server exits 0 by itself, well before the
// SIGTERM fallback, with a complete summary that the run merges.
func TestServiceServerStopsByItself(t *testing.T) {
	workloadtest.NeedMachine(t)
	run, srv, took := serviceRun(t, "svc-stops", workload)
	if run.Outcome != labv1.OutcomeCompleted || run.Summary == nil {
		t.Fatalf("got %s (%s), want Completed with a summary", run.Outcome, run.Reason)
	}
	if run.Summary.GOMAXPROCS != 3 || run.Summary.Figures["served/s"] <= 0 {
		t.Errorf("merged summary: got GOMAXPROCS %d and served/s %v, want the server's 3 and > 0", run.Summary.GOMAXPROCS, run.Summary.Figures["served/s"])
	}
	if srv.Partial {
		t.Errorf("the server's summary is partial, want complete (it stopped by itself)")
	}
	if limit := 2*time.Second + serverExitWait/2; took > limit {
		t.Errorf("Run took %s, want under %s: the server should exit by itself, not wait for the SIGTERM fallback", took, limit)
	}
}

// TestLoadGeneratorSlowerToExitThanItsServer: the server exits as soon as
// its load generator asks it to stop, and the generator itself exits a
// moment later (here a second): the run is Completed, not a generator
// "interrupted" for outliving its server (CI saw that race under load).
func TestLoadGeneratorSlowerToExitThanItsServer(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin := faultyWorkload(t, fmt.Sprintf(`case " $* " in *" --role loadgen "*) '%s' "$@"; code=$?; sleep 1; exit $code;; esac`, workload))
	run, _, _ := serviceRun(t, "svc-slow-lg", bin)
	if run.Outcome != labv1.OutcomeCompleted || run.Summary == nil {
		t.Fatalf("got %s (%s), want Completed with a summary", run.Outcome, run.Reason)
	}
}

// TestServiceSIGTERMFallback: a server never told to stop (its load
// generator aims elsewhere) gets SIGTERM after serverExitWait; that is no
// failure, and its summary is still merged.
func TestServiceSIGTERMFallback(t *testing.T) {
	workloadtest.NeedMachine(t)
	defer func(w time.Duration) { serverExitWait = w }(serverExitWait)
	serverExitWait = 2 * time.Second
	bin := faultyWorkload(t, `case " $* " in *" --role loadgen "*)
	prev=
	for a; do shift; [ "$prev" = --target ] && a=127.0.0.1:9; set -- "$@" "$a"; prev=$a; done;; esac`)
	run, srv, took := serviceRun(t, "svc-fallback", bin)
	if run.Outcome != labv1.OutcomeCompleted || run.Summary == nil {
		t.Fatalf("got %s (%s), want Completed with a summary", run.Outcome, run.Reason)
	}
	if run.Summary.GOMAXPROCS != 3 {
		t.Errorf("merged GOMAXPROCS: got %d, want the server's 3", run.Summary.GOMAXPROCS)
	}
	if !srv.Partial {
		t.Errorf("the server's summary is complete, want partial (SIGTERM ended it early)")
	}
	if !strings.Contains(run.Reason, "stopped; its figures include the wait") {
		t.Errorf("reason: got %q, want it to say the server was stopped and its figures include the wait", run.Reason)
	}
	if took < 2*time.Second+serverExitWait {
		t.Errorf("Run took %s, want at least the window and serverExitWait (%s)", took, 2*time.Second+serverExitWait)
	}
}

// TestServiceServerDyingUnderLoad: a server that dies mid-run ends the run
// then, decided by the server, instead of its load generator loading a dead
// address for the rest of the window.
func TestServiceServerDyingUnderLoad(t *testing.T) {
	workloadtest.NeedMachine(t)
	bin := faultyWorkload(t, `case " $* " in *" --role server "*) (sleep 1.5; kill -KILL $$) & ;; esac`)
	exp := load(t, strings.Replace(strings.Replace(serviceManifest, "NAME", "svc-dies-under-load", 1), "duration: 2s", "duration: 20s", 1))
	began := time.Now()
	if err := Run(context.Background(), exp, Options{Workload: bin, Dir: t.TempDir(), Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	run := exp.Status.Variants[0].Runs[0]
	if run.Outcome != labv1.OutcomeError || !strings.Contains(run.Reason, "server:") {
		t.Errorf("got %s (%s), want an Error decided by the server", run.Outcome, run.Reason)
	}
	if took > 15*time.Second {
		t.Errorf("Run took %s, want the run to end when the server died, not after the 20s window", took)
	}
	if left := leftoverCgroups("svc-dies-under-load"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// TestDeadlineEndsARunThatCannotFinish: a scheduler round of 100,000
// goroutines × 100 ms of work under a tenth of a CPU cannot end in any
// window; past its deadline the run is stopped (SIGINT, then SIGKILL: a
// starved process may never answer) and ends DeadlineExceeded, instead
// of running on. The deadline is shortened from plan.Deadline's here.
func TestDeadlineEndsARunThatCannotFinish(t *testing.T) {
	workloadtest.NeedMachine(t)
	deadlineOf = func(*contract.Invocation) time.Duration { return 4 * time.Second }
	stopGrace = 2 * time.Second
	defer func() { deadlineOf, stopGrace = plan.Deadline, 15*time.Second }()
	exp := load(t, `
metadata: {name: past-deadline}
spec:
  scenario: {scheduler: {goroutines: 100000, work: 100ms}}
  matrix: {cpu: [{limit: 100m}]}
  duration: 1s
  warmup: 0s
  repetitions: 1
`)
	began := time.Now()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: t.TempDir(), Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	run := exp.Status.Variants[0].Runs[0]
	if run.Outcome != labv1.OutcomeDeadlineExceeded || !strings.Contains(run.Reason, "stopped at its deadline") {
		t.Errorf("got %s (%s), want DeadlineExceeded", run.Outcome, run.Reason)
	}
	if took > 30*time.Second {
		t.Errorf("Run took %s, want it to end soon after the 4 s deadline and 2 s grace", took)
	}
	if left := leftoverCgroups("past-deadline"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
	if exp.Status.Runs.Failed != 1 || exp.Status.Phase != labv1.PhaseFailed {
		t.Errorf("got runs %+v and phase %s, want one failed run and a Failed Experiment", exp.Status.Runs, exp.Status.Phase)
	}
}

// TestEachImageRunsItsBinary: with matrix.images mapped to binaries
// (--image), each variant's run starts its own image's binary: here one
// image's binary fails at once, so only that variant's run is an Error.
func TestEachImageRunsItsBinary(t *testing.T) {
	workloadtest.NeedMachine(t)
	failing := faultyWorkload(t, `echo "injected: the go1.25 binary" >&2; exit 3`)
	exp := load(t, `
metadata: {name: two-images}
spec:
  scenario: {gc: {liveHeap: 8Mi}}
  matrix:
    images: [reg.example/workload:go1.25, reg.example/workload:go1.26]
  duration: 1s
  warmup: 0s
  repetitions: 1
`)
	images := map[string]string{"reg.example/workload:go1.25": failing, "reg.example/workload:go1.26": workload}
	if err := Check(exp, images); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), exp, Options{Workload: "/nonexistent/default-workload", Images: images, Dir: t.TempDir(), Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	for _, v := range exp.Status.Variants {
		r := v.Runs[0]
		want := labv1.OutcomeCompleted
		if v.Knobs.Image == "reg.example/workload:go1.25" {
			want = labv1.OutcomeError
		}
		if r.Outcome != want {
			t.Errorf("variant %s (%s): got %s (%s), want %s", v.Name, v.Knobs.Image, r.Outcome, r.Reason, want)
		}
		if want == labv1.OutcomeError && !strings.Contains(r.Reason, "injected: the go1.25 binary") {
			t.Errorf("variant %s: got reason %q, want the go1.25 binary's stderr", v.Name, r.Reason)
		}
	}
}
