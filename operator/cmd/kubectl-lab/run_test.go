package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/aggregate"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

const sample = "../../../config/samples/gomaxprocs-quick.yaml"

// binaries are kubectl-lab and the workload, built once per test binary.
var binaries struct {
	once          sync.Once
	dir           string
	cli, workload string
	err           error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// buildCLI builds kubectl-lab and the workload, once per test binary.
func buildCLI(t *testing.T) (cli, workload string) {
	t.Helper()
	b := &binaries
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "kubectl-lab-test-"); b.err != nil {
			return
		}
		b.cli = filepath.Join(b.dir, "kubectl-lab")
		if out, err := exec.Command("go", "build", "-o", b.cli, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("build kubectl-lab: %w\n%s", err, out)
			return
		}
		b.workload, b.err = workloadtest.Build(b.dir)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.cli, b.workload
}

// TestSampleRunsLocally runs the README's first command on the sample and
// checks what a newcomer gets: a table, a recommendation, and a complete
// results directory with a plot.
func TestSampleRunsLocally(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the one-minute sample")
	}
	cli, workload := buildCLI(t)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(cli, "run", "--local", "-f", sample, "--out", out, "--workload", workload)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl lab run: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"VARIANT", "gomaxprocs=4", "Recommendation: v0", "report.md", ".png"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	exp, err := resultsdir.LoadExperiment(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Status.Phase != labv1.PhaseComplete || exp.Status.Runs.Succeeded != exp.Status.Runs.Total {
		t.Errorf("got phase %s and runs %+v, want every run Completed", exp.Status.Phase, exp.Status.Runs)
	}
	runs, err := resultsdir.LoadRuns(out)
	if err != nil {
		t.Fatal(err)
	}
	enforced := !strings.Contains(stderr.String(), "NOT enforced")
	for id, s := range runs {
		if enforced && (s.Settings.CPULimitCores != 0.5 || s.Settings.MemoryLimitBytes != 256<<20) {
			t.Errorf("run %s read back cpu %.2f memory %d, want the sample's 0.5 and 256Mi", id, s.Settings.CPULimitCores, s.Settings.MemoryLimitBytes)
		}
	}
	plots, _ := filepath.Glob(filepath.Join(out, resultsdir.PlotsDir, "*.png"))
	if len(plots) == 0 {
		t.Error("no PNG plot in the results")
	}
	// What the newcomer reads: intervals, and the quota's cost of more Ps.
	byProcs := map[string]*labv1.VariantStatus{}
	for i, v := range exp.Status.Variants {
		byProcs[v.Knobs.GOMAXPROCS] = &exp.Status.Variants[i]
		for _, a := range v.Aggregates {
			if a.Figure == "sched-p99-s" && (a.Low == nil || a.High == nil) {
				t.Errorf("%s: sched-p99-s has no interval (n=%d), want one from the sample's 6 runs", v.Name, a.N)
			}
		}
	}
	one, four := byProcs["1"], byProcs["4"]
	if one == nil || four == nil || byProcs["auto"] == nil {
		t.Fatalf("variants %v: want gomaxprocs auto, 1 and 4", byProcs)
	}
	t1, _ := aggregate.Median(one.Aggregates, aggregate.FigureThrottledTime)
	t4, _ := aggregate.Median(four.Aggregates, aggregate.FigureThrottledTime)
	f4, _ := aggregate.Median(four.Aggregates, aggregate.FigureThrottled)
	t.Logf("throttled s/s: GOMAXPROCS 1 %.2f, 4 %.2f (4 Ps throttled in %.2f of periods)", t1, t4, f4)
	// The effect needs the 4 Ps to run in parallel: with the rest of the
	// machine busy (another test binary, a neighbour) they cannot, and
	// their throttled time falls towards one P's.
	var busiest float64
	for _, s := range runs {
		if s.Settings.GOMAXPROCS == 1 || s.Settings.GOMAXPROCS == 4 {
			busiest = max(busiest, s.Machine.OtherCores)
		}
	}
	switch {
	case !enforced:
	case f4 < 0.97:
		t.Logf("the machine was too busy for 4 Ps to exhaust the quota in every period: the effect is not checked")
	case busiest > 0.5:
		t.Logf("the rest of the machine used up to %.2f cores during these runs: the effect is not checked", busiest)
	case t4 < 1.5*t1:
		t.Errorf("throttled s/s: 4 Ps %.2f, one P %.2f; want the sample's lesson, 4 Ps at least 1.5× (about 2.5× measured)", t4, t1)
	}
}

// TestInterruptKeepsFinishedRuns sends SIGINT, as Ctrl-C does, after the
// first run finished: the CLI exits 130 and the finished run is on disk.
func TestInterruptKeepsFinishedRuns(t *testing.T) {
	cli, workload := buildCLI(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "exp.yaml")
	os.WriteFile(manifest, []byte(`apiVersion: lab.runtimelab.io/v1alpha1
kind: Experiment
metadata: {name: interrupt}
spec:
  scenario: {scheduler: {goroutines: 4}}
  matrix: {gomaxprocs: ["1", "2"]}
  duration: 2s
  warmup: 0s
  repetitions: 2
`), 0o644)
	out := filepath.Join(dir, "results")
	cmd := exec.Command(cli, "run", "--local", "-f", manifest, "--out", out, "--workload", workload)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if exp, err := resultsdir.LoadExperiment(context.Background(), out); err == nil && exp.Status.Runs.Succeeded >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no run finished within 60s\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the second run is under way
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code: got %d (%v), want 130\n%s", code, err, stderr.String())
	}
	exp, err := resultsdir.LoadExperiment(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			outcomes = append(outcomes, fmt.Sprintf("%s-r%d:%s", v.Name, r.Index, r.Outcome))
		}
	}
	got := strings.Join(outcomes, " ")
	first, second := firstRound()
	if !strings.Contains(got, first+"-r0:Completed") || !strings.Contains(got, second+"-r0:Deleted") || strings.Contains(got, "r1:Completed") {
		t.Errorf("outcomes after SIGINT: got %s, want %s-r0 Completed, %s-r0 interrupted (Deleted), the rest not run", got, first, second)
	}
}

// firstRound names the two variants of a two-variant Experiment in the
// order their first runs go (plan.Order).
func firstRound() (first, second string) {
	o := plan.Order(2, 0)
	return fmt.Sprintf("v%03d", o[0]), fmt.Sprintf("v%03d", o[1])
}

func TestRunRejectsABadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata: {name: bad}\nspec:\n  scenario: {gc: {}, alloc: {}}\n"), 0o644)
	_, err := execute("run", "--local", "-f", bad, "--out", filepath.Join(dir, "out"))
	var u *usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), `Experiment.lab.runtimelab.io "bad" is invalid: spec.scenario: Invalid value: set exactly one scenario block`) {
		t.Errorf("got %v, want a usage error with the API server's message", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "out")); statErr == nil {
		t.Error("a results directory was created for a file that was rejected")
	}
}

// workloadPID finds the running workload process of run (argv[0] is the
// workload binary; its --result-file names the run), 0 when none.
func workloadPID(workload, run string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := strings.Split(string(b), "\x00")
		if argv[0] == workload && strings.Contains(string(b), "/"+run+".json") {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	return 0
}

// TestSecondInterruptKills: the first Ctrl-C gives the current run its
// grace period to stop (here it cannot: it is SIGSTOPped, as a hung
// workload would be); the second kills it at once, the finished run is
// kept and the CLI exits 130.
func TestSecondInterruptKills(t *testing.T) {
	cli, workload := buildCLI(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "exp.yaml")
	os.WriteFile(manifest, []byte(`apiVersion: lab.runtimelab.io/v1alpha1
kind: Experiment
metadata: {name: twice}
spec:
  scenario: {scheduler: {goroutines: 4}}
  matrix: {gomaxprocs: ["1", "2"]}
  duration: 3s
  warmup: 0s
  repetitions: 1
`), 0o644)
	out := filepath.Join(dir, "results")
	cmd := exec.Command(cli, "run", "--local", "-f", manifest, "--out", out, "--workload", workload)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	var pid int
	first, second := firstRound()
	for deadline := time.Now().Add(60 * time.Second); pid == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second run did not start within 60s\n%s", stderr.String())
		}
		pid = workloadPID(workload, second+"-r0")
	}
	t.Cleanup(func() {
		if workloadPID(workload, second+"-r0") == pid {
			syscall.Kill(pid, syscall.SIGKILL) // still ours: the CLI failed to kill it
		}
	})
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		t.Fatalf("the CLI exited (%v) on the first Ctrl-C with its run stopped, want it to wait out the grace period\n%s", err, stderr.String())
	case <-time.After(time.Second):
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatalf("the CLI still runs 5s after the second Ctrl-C, want the run killed at once\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code: got %d, want 130\n%s", code, stderr.String())
	}
	exp, err := resultsdir.LoadExperiment(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	fi, si := 0, 1
	if first != "v000" {
		fi, si = 1, 0
	}
	if got := exp.Status.Variants[fi].Runs[0].Outcome; got != labv1.OutcomeCompleted {
		t.Errorf("the finished run: got %s, want Completed", got)
	}
	if got := exp.Status.Variants[si].Runs[0]; got.Outcome != labv1.OutcomeDeleted {
		t.Errorf("the killed run: got %s (%s), want Deleted (interrupted)", got.Outcome, got.Reason)
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*/runtimelab/twice-*"); len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// TestTwoRunsInTheSameSecond: two `kubectl lab run`s of the same
// Experiment started in the same second write to results directories of
// their own.
func TestTwoRunsInTheSameSecond(t *testing.T) {
	cli, workload := buildCLI(t)
	dir := t.TempDir()
	manifest := filepath.Join(dir, "exp.yaml")
	os.WriteFile(manifest, []byte(`apiVersion: lab.runtimelab.io/v1alpha1
kind: Experiment
metadata: {name: same}
spec:
  scenario: {scheduler: {goroutines: 4}}
  duration: 1s
  warmup: 0s
  repetitions: 1
`), 0o644)
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // both start early in one second
	cmds := make([]*exec.Cmd, 2)
	outs := make([]bytes.Buffer, 2)
	for i := range cmds {
		cmds[i] = exec.Command(cli, "run", "--local", "-f", manifest, "--workload", workload)
		cmds[i].Dir, cmds[i].Stderr = dir, &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, outs[i].String())
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(dir, "results", "same-*"))
	if len(dirs) != 2 {
		t.Fatalf("results directories: got %v, want two", dirs)
	}
	for _, d := range dirs {
		exp, err := resultsdir.LoadExperiment(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if exp.Status.Phase != labv1.PhaseComplete || exp.Status.Runs.Succeeded != 1 {
			t.Errorf("%s: got phase %s and runs %+v, want Complete with its one run", d, exp.Status.Phase, exp.Status.Runs)
		}
	}
}

// TestRunImageFlags: --image maps an image to a binary; a malformed flag,
// a binary that is not an executable file, an image the Experiment does
// not run and an image left unmapped are each refused as bad input, naming
// the flag or field, before anything runs.
func TestRunImageFlags(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "images.yaml")
	os.WriteFile(exp, []byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata: {name: images}\nspec:\n"+
		"  scenario: {gc: {}}\n  matrix: {images: [reg.example/w:go1.25, reg.example/w:go1.26]}\n  duration: 2s\n  warmup: 0s\n"), 0o644)
	notExec := filepath.Join(dir, "not-exec")
	os.WriteFile(notExec, []byte("x"), 0o644)
	bin := filepath.Join(dir, "bin")
	os.WriteFile(bin, []byte("#!/bin/sh\nexit 1\n"), 0o755)
	for _, tt := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"no =", []string{"--image", "reg.example/w:go1.25"}, `--image "reg.example/w:go1.25": want IMAGE=BINARY`},
		{"no binary", []string{"--image", "reg.example/w:go1.25=" + filepath.Join(dir, "missing")}, "no such file"},
		{"not executable", []string{"--image", "reg.example/w:go1.25=" + notExec}, "not an executable file"},
		{"a directory", []string{"--image", "reg.example/w:go1.25=" + dir}, "not an executable file"},
		{"twice", []string{"--image", "reg.example/w:go1.25=" + bin, "--image", "reg.example/w:go1.25=" + bin}, "given twice"},
		{"one unmapped", []string{"--image", "reg.example/w:go1.25=" + bin}, `spec.matrix.images: "reg.example/w:go1.26" is an image`},
		{"one unused", []string{"--image", "reg.example/w:go1.25=" + bin, "--image", "reg.example/w:go1.26=" + bin,
			"--image", "reg.example/w:go1.24=" + bin}, "--image reg.example/w:go1.24: no variant runs this image"},
	} {
		out := filepath.Join(dir, "out")
		_, err := execute(append([]string{"run", "--local", "-f", exp, "--out", out}, tt.flags...)...)
		var u *usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want a usage error mentioning %q", tt.name, err, tt.want)
		}
		if _, statErr := os.Stat(out); statErr == nil {
			t.Errorf("%s: a results directory was created for flags that were refused", tt.name)
		}
	}
}

// TestRunHonoursSpecParallelism: without --parallel, a local run takes the
// Experiment's spec.parallelism, as the operator does: the two runs of a
// parallelism-2 Experiment overlap in time; --parallel 1 overrides it and
// they do not.
func TestRunHonoursSpecParallelism(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two workloads")
	}
	cli, workload := buildCLI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "par.yaml")
	os.WriteFile(file, []byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata: {name: par}\nspec:\n"+
		"  scenario: {scheduler: {goroutines: 4}}\n  matrix: {gomaxprocs: [\"1\", \"2\"]}\n  duration: 2s\n  warmup: 0s\n  parallelism: 2\n"), 0o644)
	for _, tt := range []struct {
		name    string
		flags   []string
		overlap bool
	}{
		{"spec.parallelism 2", nil, true},
		{"--parallel 1", []string{"--parallel", "1"}, false},
	} {
		out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
		cmd := exec.Command(cli, append([]string{"run", "--local", "-f", file, "--out", out, "--workload", workload}, tt.flags...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: kubectl lab run: %v\n%s", tt.name, err, b)
		}
		exp, err := resultsdir.LoadExperiment(context.Background(), out)
		if err != nil {
			t.Fatal(err)
		}
		if len(exp.Status.Variants) != 2 {
			t.Fatalf("%s: got %d variants, want 2", tt.name, len(exp.Status.Variants))
		}
		a, b := exp.Status.Variants[0].Runs[0], exp.Status.Variants[1].Runs[0]
		if a.StartTime == nil || a.CompletionTime == nil || b.StartTime == nil || b.CompletionTime == nil {
			t.Fatalf("%s: runs without start or completion times: %+v %+v", tt.name, a, b)
		}
		overlap := a.StartTime.Before(b.CompletionTime) && b.StartTime.Before(a.CompletionTime)
		if overlap != tt.overlap {
			t.Errorf("%s: runs %s–%s and %s–%s: overlap %v, want %v", tt.name,
				a.StartTime.Format("15:04:05.000"), a.CompletionTime.Format("15:04:05.000"),
				b.StartTime.Format("15:04:05.000"), b.CompletionTime.Format("15:04:05.000"), overlap, tt.overlap)
		}
	}
}
