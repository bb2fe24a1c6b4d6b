package resultsdir

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
)

// FuzzLoad gives the results-directory reader any experiment.yaml and any
// run summary, as someone may hand over a directory: it refuses them or
// returns an Experiment whose status passes expstatus.Check and summaries
// that pass result.Check — what report and compare then print.
func FuzzLoad(f *testing.F) {
	exp, _ := os.ReadFile("testdata/small/" + ExperimentFile)
	run, _ := os.ReadFile(RunPath("testdata/small", "v000-r0"))
	f.Add(exp, run)
	f.Add([]byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec: {scenario: {gc: {}}}\n"), []byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, exp, run []byte) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, RunsDir), 0o755)
		os.WriteFile(filepath.Join(dir, ExperimentFile), exp, 0o644)
		os.WriteFile(RunPath(dir, "v000-r0"), run, 0o644)
		if e, err := LoadExperiment(context.Background(), dir); err == nil {
			if errs := expstatus.Check(e); len(errs) > 0 {
				t.Fatalf("loaded a status that fails Check: %v", errs)
			}
		}
		if runs, err := LoadRuns(dir); err == nil {
			for id, s := range runs {
				if err := result.Check(s); err != nil {
					t.Fatalf("loaded run %s that fails Check: %v", id, err)
				}
			}
		}
	})
}
