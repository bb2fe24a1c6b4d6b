package resultsdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

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

// TimeFormat is the timestamp in a results directory's default name.
const TimeFormat = "20060102-150405"

// maxSameName bounds how many results directories of one Experiment may
// start within the same second.
const maxSameName = 1000

// Create makes a new results directory PARENT/NAME-TIMESTAMP and returns
// its path. The directory is created exclusively: when that name is taken
// (another run of the same Experiment started in the same second) it tries
// NAME-TIMESTAMP-2, -3, ... so two runs never share a directory.
func Create(parent, name string, t time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create results parent %s: %w", parent, err)
	}
	base := filepath.Join(parent, name+"-"+t.Format(TimeFormat))
	for n := 1; n <= maxSameName; n++ {
		dir := base
		if n > 1 {
			dir = fmt.Sprintf("%s-%d", base, n)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create results directory %s: %w", dir, err)
		}
	}
	return "", fmt.Errorf("create results directory %s: %d of that name exist; give --out or clean up %s", base, maxSameName, parent)
}

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
