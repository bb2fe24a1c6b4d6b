package localexec

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

var workload string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier runs no workload: build none
	}
	dir, err := os.MkdirTemp("", "localexec")
	if err != nil {
		panic(err)
	}
	if workload, err = workloadtest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireCgroups skips with the reason when this machine cannot create
// cgroups (the executor would then run without limits, which these tests
// are about).
func requireCgroups(t *testing.T) {
	t.Helper()
	err := sandbox.Probe("localexec")
	if errors.Is(err, sandbox.ErrUnsupported) {
		t.Skipf("real-cgroup test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, manifest string) *labv1.Experiment {
	t.Helper()
	var e labv1.Experiment
	if err := yaml.UnmarshalStrict([]byte(manifest), &e); err != nil {
		t.Fatal(err)
	}
	e.CreationTimestamp = metav1.Now()
	return &e
}

// TestRunInRealCgroups runs two variants under real limits: each run's
// summary reports the quota and limit the plan asked for, as the workload
// read them back from its cgroup, and the results directory is complete.
func TestRunInRealCgroups(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: limits}
spec:
  scenario: {scheduler: {goroutines: 8}}
  matrix:
    cpu: [{limit: 250m}, {limit: 1500m}]
    memory: [{limit: 192Mi}]
    gomaxprocs: ["2"]
  duration: 1s
  warmup: 0s
  repetitions: 1
  parallelism: 1
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]float64{"v000-r0": 0.25, "v001-r0": 1.5} {
		s := runs[id]
		if s == nil {
			t.Fatalf("run %s: no summary in %s", id, dir)
		}
		if s.Settings.CPULimitCores != want || s.Settings.MemoryLimitBytes != 192<<20 || s.Settings.GOMAXPROCS != 2 {
			t.Errorf("run %s read back cpu %.2f memory %d GOMAXPROCS %d, want %.2f, %d, 2",
				id, s.Settings.CPULimitCores, s.Settings.MemoryLimitBytes, s.Settings.GOMAXPROCS, want, 192<<20)
		}
	}
	if runs["v000-r0"].CPU.ThrottledPeriods == 0 {
		t.Error("v000 (GOMAXPROCS 2 over a quarter CPU): got no throttled period, want some")
	}
	saved, err := resultsdir.LoadExperiment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status.Phase != labv1.PhaseComplete || saved.Status.Progress != "2/2" || saved.Status.Recommendation == nil {
		t.Errorf("saved status: got phase %s progress %s recommendation %v", saved.Status.Phase, saved.Status.Progress, saved.Status.Recommendation)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, resultsdir.BenchFile)); len(b) == 0 {
		t.Error("bench.txt is empty, want both runs' benchmark lines")
	}
}

// TestOOMKillIsRecorded: a run sized past its memory limit is recorded as
// OOMKilled with the partial summary it left.
func TestOOMKillIsRecorded(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: oom}
spec:
  scenario: {memlimit: {liveHeap: "0", liveFraction: 0.6, steps: 4, stepInterval: 200ms, churnRate: 256Mi}}
  matrix:
    memory: [{limit: 128Mi}]
    gogc: ["100"]
  duration: 6s
  warmup: 0s
  repetitions: 1
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	run := exp.Status.Variants[0].Runs[0]
	if run.Outcome != labv1.OutcomeOOMKilled || run.Summary == nil || !run.Summary.Partial {
		t.Errorf("got %s (%s) with summary %+v, want OOMKilled with a partial summary", run.Outcome, run.Reason, run.Summary)
	}
}

// TestInterruptKeepsFinishedRuns: cancelling mid-Experiment stops the
// current run and keeps the finished ones on disk.
func TestInterruptKeepsFinishedRuns(t *testing.T) {
	workloadtest.NeedMachine(t)
	exp := load(t, `
metadata: {name: interrupt}
spec:
  scenario: {scheduler: {goroutines: 4}}
  matrix:
    gomaxprocs: ["1", "2"]
  duration: 1s
  warmup: 0s
  repetitions: 2
`)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	order := plan.Order(2, 0) // the first round's order
	first, second := order[0], order[1]
	go func() {
		for {
			if runs, _ := resultsdir.LoadRuns(dir); len(runs) >= 2 {
				if s := runs[fmt.Sprintf("v%03d-r0", second)]; s != nil && s.Phase == "measure" {
					cancel()
					return
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	err := Run(ctx, exp, Options{Workload: workload, Dir: dir, Parallel: 1})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	saved, err := resultsdir.LoadExperiment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	st := saved.Status
	if got := st.Variants[first].Runs[0]; got.Outcome != labv1.OutcomeCompleted || got.Summary == nil {
		t.Errorf("the finished run: got %+v, want Completed with its summary kept", got)
	}
	if got := st.Variants[second].Runs[0].Outcome; got != labv1.OutcomeDeleted {
		t.Errorf("the interrupted run: got %s, want Deleted", got)
	}
	if st.Runs.Pending != 2 || st.Phase == labv1.PhaseComplete {
		t.Errorf("got %d pending runs and phase %s, want the 2 unstarted runs pending and not Complete", st.Runs.Pending, st.Phase)
	}
}

// TestPrecisionStopsAtTheInterval runs a precision-driven Experiment in
// real cgroups: every variant ends Reached with its interval within the
// target, or MaxRuns with exactly maxRuns runs; none stops before an
// interval exists (6 runs), whatever repetitions says; the runs of each
// round start only after the last round ended; the results directory
// holds all of it and passes its checks.
func TestPrecisionStopsAtTheInterval(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: precision}
spec:
  scenario: {scheduler: {goroutines: 8, work: 100us}}
  matrix:
    cpu: [{limit: 500m}]
    gomaxprocs: ["1", "2"]
  duration: 1s
  warmup: 0s
  repetitions: 2
  objective: {metric: tasks/s}
  precision: {halfWidthPercent: 3, maxRuns: 7}
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	saved, err := resultsdir.LoadExperiment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, v := range saved.Status.Variants {
		p := v.Precision
		if p == nil {
			t.Fatalf("variant %s: no precision status", v.Name)
		}
		t.Logf("%s: %s, %d runs: %s", v.Name, p.State, len(v.Runs), p.Reason)
		total += len(v.Runs)
		switch {
		case int(p.Runs) != len(v.Runs) || len(v.Runs) < 6:
			t.Errorf("%s: %d runs (precision says %d), want 6 at least: no interval before", v.Name, len(v.Runs), p.Runs)
		case p.State == labv1.PrecisionReached && (p.HalfWidthPercent == nil || *p.HalfWidthPercent > 3):
			t.Errorf("%s: Reached at ±%v%%, want within ±3%%", v.Name, p.HalfWidthPercent)
		case p.State == labv1.PrecisionMaxRuns && len(v.Runs) != 7:
			t.Errorf("%s: MaxRuns after %d runs, want 7", v.Name, len(v.Runs))
		case p.State != labv1.PrecisionReached && p.State != labv1.PrecisionMaxRuns:
			t.Errorf("%s: ended %s, want Reached or MaxRuns", v.Name, p.State)
		}
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted {
				t.Errorf("%s-r%d: %s (%s)", v.Name, r.Index, r.Outcome, r.Reason)
			}
		}
	}
	if st := saved.Status; st.Phase != labv1.PhaseComplete || st.Progress != fmt.Sprintf("%d/%d", total, total) {
		t.Errorf("got phase %s progress %s, want Complete %d/%d", st.Phase, st.Progress, total, total)
	}
	// Rounds: every run of repetition k started after every run of
	// repetition k-1 ended.
	ends := map[int32]time.Time{}
	for _, v := range saved.Status.Variants {
		for _, r := range v.Runs {
			if r.CompletionTime != nil && r.CompletionTime.After(ends[r.Index]) {
				ends[r.Index] = r.CompletionTime.Time
			}
		}
	}
	for _, v := range saved.Status.Variants {
		for _, r := range v.Runs {
			if r.Index > 0 && r.StartTime != nil && r.StartTime.Before(&metav1.Time{Time: ends[r.Index-1].Add(-time.Second)}) {
				t.Errorf("%s-r%d started at %s, before round %d ended at %s", v.Name, r.Index, r.StartTime, r.Index-1, ends[r.Index-1])
			}
		}
	}
}

// TestLoadGeneratorGetsItsLimits: spec.loadGenerator.resources' limits
// hold the local load generator as they hold its pod: the generator reads
// its own cgroup's quota and memory limit back, apart from the server's.
func TestLoadGeneratorGetsItsLimits(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := load(t, `
metadata: {name: lg-limits}
spec:
  scenario: {service: {rate: 200, connections: 4, work: 50us}}
  matrix:
    cpu: [{limit: "1"}]
  loadGenerator:
    resources: {limits: {cpu: 700m, memory: 160Mi}}
  duration: 1s
  warmup: 0s
  repetitions: 1
`)
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	lg, srv := runs["v000-r0"], runs["v000-r0-server"]
	if lg == nil || srv == nil {
		t.Fatalf("got summaries %v, want the load generator's (v000-r0) and the server's (v000-r0-server)", slices.Collect(maps.Keys(runs)))
	}
	if lg.Settings.CPULimitCores != 0.7 || lg.Settings.MemoryLimitBytes != 160<<20 {
		t.Errorf("load generator read back cpu %.2f memory %d, want 0.70 and %d (spec.loadGenerator.resources.limits)",
			lg.Settings.CPULimitCores, lg.Settings.MemoryLimitBytes, 160<<20)
	}
	if srv.Settings.CPULimitCores != 1 {
		t.Errorf("server read back cpu %.2f, want its variant's 1", srv.Settings.CPULimitCores)
	}
}
