package exercises

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/localexec"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/report"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/operator/validate"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// Where the exercises live, from this package's directory.
const (
	samplesDir = "../../config/samples/exercises"
	docsDir    = "../../docs/exercises"
)

// workload is the workload binary, built once for the package.
var workload string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier runs no workload: build none
	}
	dir, err := os.MkdirTemp("", "exercises")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if workload, err = workloadtest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var validator = sync.OnceValues(validate.New)

// decode reads a sample and validates it exactly as the API server would.
func decode(t *testing.T, file string) *labv1.Experiment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator()
	if err != nil {
		t.Fatal(err)
	}
	exp, err := v.Decode(context.Background(), data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return exp
}

// requireCgroups skips with the reason when this machine cannot create
// cgroups: without real CPU quotas and memory limits no exercise shows
// its effect.
func requireCgroups(t *testing.T) {
	t.Helper()
	err := sandbox.Probe("exercises")
	if errors.Is(err, sandbox.ErrUnsupported) {
		t.Skipf("exercise test skipped: it needs real cgroups (root, cgroup v1 or v2 with cpu and memory controllers): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// outcome is a finished short Experiment: its status and every run's
// summary (service servers under "<run>-server").
type outcome struct {
	exp  *labv1.Experiment
	dir  string
	runs map[string]*result.Summary
}

// runSample runs a short sample with the local executor in real cgroups,
// as `kubectl lab run --local -f FILE` does, and logs its report table.
func runSample(t *testing.T, file string) *outcome {
	t.Helper()
	requireCgroups(t)
	exp := decode(t, file)
	dir := t.TempDir()
	return runExperiment(t, exp, dir)
}

func runExperiment(t *testing.T, exp *labv1.Experiment, dir string) *outcome {
	t.Helper()
	exp.CreationTimestamp.Time = time.Now()
	start := time.Now()
	if err := localexec.Run(context.Background(), exp, localexec.Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatalf("run %s: %v", exp.Name, err)
	}
	var table bytes.Buffer
	if err := report.Table(&table, exp, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %s:\n%s", exp.Name, time.Since(start).Round(time.Second), table.String())
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			if r.Outcome != labv1.OutcomeCompleted {
				t.Logf("%s run %d: %s: %s", describe(&v), r.Index, r.Outcome, r.Reason)
			}
		}
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &outcome{exp: exp, dir: dir, runs: runs}
}

// variant returns the variant whose knobs (as `kubectl lab report` shows
// them, e.g. "cpu=1 gomaxprocs=4") include every one of knobs.
func (o *outcome) variant(t *testing.T, knobs ...string) *labv1.VariantStatus {
	t.Helper()
	for i := range o.exp.Status.Variants {
		v := &o.exp.Status.Variants[i]
		have := strings.Fields(plan.Describe(v.Knobs))
		if containsAll(have, knobs) {
			return v
		}
	}
	t.Fatalf("no variant with %v in %s", knobs, o.exp.Name)
	return nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// summary is a variant's first run's full summary ("-server" for a
// service's server side).
func (o *outcome) summary(t *testing.T, v *labv1.VariantStatus, suffix string) *result.Summary {
	t.Helper()
	id := v.Name + "-r0" + suffix
	s := o.runs[id]
	if s == nil {
		t.Fatalf("%s (%s): no summary for run %s in %s", v.Name, plan.Describe(v.Knobs), id, o.dir)
	}
	return s
}

// completed fails the test unless every run of v completed.
func completed(t *testing.T, v *labv1.VariantStatus) {
	t.Helper()
	for _, r := range v.Runs {
		if r.Outcome != labv1.OutcomeCompleted {
			t.Fatalf("%s (%s) run %d: got %s (%s), want Completed", v.Name, plan.Describe(v.Knobs), r.Index, r.Outcome, r.Reason)
		}
	}
}
