// Package resultsdir is the on-disk form of an Experiment's results, as
// `kubectl lab run --local` writes them and `kubectl lab report DIR` and
// `compare` read them:
//
//	DIR/experiment.yaml      the Experiment with its status filled in (same schema as in-cluster)
//	DIR/runs/RUN.json        each run's result summary (api/result), RUN = "<variant>-r<index>"
//	DIR/bench.txt            every run's Go benchmark-format lines (benchstat reads them)
//	DIR/report.md            the markdown report
//	DIR/plots/               PNG and SVG plots
package resultsdir

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

// File and folder names inside a results directory.
const (
	ExperimentFile = "experiment.yaml"
	RunsDir        = "runs"
	BenchFile      = "bench.txt"
	ReportFile     = "report.md"
	PlotsDir       = "plots"
)

// SaveExperiment writes the Experiment (with status) atomically.
func SaveExperiment(dir string, exp *labv1.Experiment) error {
	b, err := yaml.Marshal(exp)
	if err != nil {
		return fmt.Errorf("encode %s: %w", exp.Name, err)
	}
	return writeAtomic(filepath.Join(dir, ExperimentFile), b)
}

// LoadExperiment reads DIR/experiment.yaml.
func LoadExperiment(dir string) (*labv1.Experiment, error) {
	b, err := os.ReadFile(filepath.Join(dir, ExperimentFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a results directory: %w", dir, err)
	}
	var exp labv1.Experiment
	if err := yaml.UnmarshalStrict(b, &exp); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ExperimentFile), err)
	}
	return &exp, nil
}

// RunPath is where a run's summary goes.
func RunPath(dir, runID string) string { return filepath.Join(dir, RunsDir, runID+".json") }

// LoadRuns reads every run summary, keyed by run ID.
func LoadRuns(dir string) (map[string]*result.Summary, error) {
	paths, err := filepath.Glob(filepath.Join(dir, RunsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	out := map[string]*result.Summary{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		s, err := result.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = s
	}
	return out, nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
