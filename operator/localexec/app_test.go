package localexec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/report"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// TestAppRunsYourServiceInItsCgroup runs a real Go service (the test
// service, not a lab scenario) as the app scenario's server under two
// variants: each run reads back the service's own CPU limit from its
// cgroup and the service's own GOMAXPROCS and GOGC from its metrics
// endpoint (never the load generator's), and the variant whose service
// serves the Go collector's defaults only lists what it could not read.
func TestAppRunsYourServiceInItsCgroup(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	bin, err := workloadtest.BuildTestService(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exp := load(t, fmt.Sprintf(`
metadata: {name: app-local}
spec:
  scenario:
    app: {binary: %s, args: "-listen=127.0.0.1:18090 -work=1ms", port: 18090, paths: "/api/work*3,/api/cheap", readyPath: /healthz, rate: 100}
  matrix:
    cpu: [{limit: 500m}, {limit: "1"}]
    gomaxprocs: ["1"]
    gogc: ["50"]
    paramSets:
    - name: all
      scenario: {app: {}}
    - name: default
      scenario: {app: {args: "-listen=127.0.0.1:18090 -work=1ms -metrics=default"}}
  duration: 2s
  warmup: 500ms
  repetitions: 1
  objective: {metric: lat-p99-s}
`, bin))
	dir := t.TempDir()
	if err := Run(context.Background(), exp, Options{Workload: workload, Dir: dir, Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	runs, err := resultsdir.LoadRuns(dir)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := resultsdir.LoadExperiment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range saved.Status.Variants {
		run := v.Runs[0]
		s := runs[v.Name+"-r0"]
		if run.Outcome != labv1.OutcomeCompleted || s == nil {
			t.Fatalf("%s: %s (%s), want Completed with a summary", v.Name, run.Outcome, run.Reason)
		}
		cpu := 0.5
		if strings.Contains(v.Knobs.CPULimit, "1") {
			cpu = 1
		}
		if s.Settings.CPULimitCores != cpu || s.Settings.GOMAXPROCS != 1 || s.Settings.GOGC != 50 {
			t.Errorf("%s: read back cpu %.2f GOMAXPROCS %d GOGC %d, want the service's %.2f, 1, 50",
				v.Name, s.Settings.CPULimitCores, s.Settings.GOMAXPROCS, s.Settings.GOGC, cpu)
		}
		want := []string(nil)
		if v.Knobs.ParamSet == "default" {
			want = []string{result.MissingGCCPU, result.MissingSched}
		}
		if !slices.Equal(run.Summary.Missing, want) {
			t.Errorf("%s (%s): missing %v, want %v", v.Name, v.Knobs.ParamSet, run.Summary.Missing, want)
		}
		// About 0.1 cores of the service's own work: its cgroup's, which
		// the load generator (a cgroup of its own) is not part of.
		if c := run.Summary.Figures["cpu-cores"]; c < 0.03 || c > 0.5 {
			t.Errorf("%s: cpu-cores %.3f, want the service's ~0.1", v.Name, c)
		}
		if _, ok := run.Summary.Figures["gc/s"]; !ok || run.Summary.Figures["error-frac"] != 0 {
			t.Errorf("%s: figures %v, want gc/s and no errors", v.Name, run.Summary.Figures)
		}
	}
	var b strings.Builder
	if err := report.Markdown(&b, saved); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "sched-latency missing in 2 of 4 runs") {
		t.Errorf("the report does not say what the default-metrics variants missed:\n%s", b.String())
	}
}

// TestAppBinaryIsChecked: a local app run needs an executable file at an
// absolute path; the error names the field and the fix before anything
// runs.
func TestAppBinaryIsChecked(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "svc")
	os.WriteFile(notExec, []byte("x"), 0o644)
	for _, tc := range []struct{ binary, want string }{
		{"", "spec.scenario.app.binary: variant v000 has none"},
		{filepath.Join(dir, "missing"), "no such file"},
		{notExec, "not an executable file"},
	} {
		spec := "image: acme/x:1"
		if tc.binary != "" {
			spec = "binary: " + tc.binary
		}
		exp := load(t, "metadata: {name: app-check}\nspec:\n  scenario:\n    app: {"+spec+"}\n  repetitions: 1\n")
		err := Check(exp, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.scenario.app.binary") {
			t.Errorf("binary %q: %v, want an error naming spec.scenario.app.binary and %q", tc.binary, err, tc.want)
		}
	}
	exp := load(t, "metadata: {name: app-check}\nspec:\n  scenario:\n    app: {binary: /bin/true}\n  parallelism: 2\n")
	if err := Check(exp, nil); err == nil || !strings.Contains(err.Error(), "spec.parallelism") {
		t.Errorf("parallelism 2: %v, want an error naming spec.parallelism", err)
	}
}
