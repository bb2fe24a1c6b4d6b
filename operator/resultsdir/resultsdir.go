package resultsdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/validate"
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
	out := *exp
	out.APIVersion, out.Kind = labv1.GroupVersion.String(), "Experiment"
	b, err := yaml.Marshal(&out)
	if err != nil {
		return fmt.Errorf("encode %s: %w", exp.Name, err)
	}
	return writeAtomic(filepath.Join(dir, ExperimentFile), b)
}

// LoadExperiment reads DIR/experiment.yaml, which someone else may have
// handed over, and trusts nothing in it: it must be one strict YAML
// document of an Experiment that passes the API server's own validation
// (spec, status and metadata), and its status must be one the executors
// could have written (expstatus.Check: the plan's variants, counts that
// add up, finite non-negative figures). An error names the file and the
// field.
func LoadExperiment(ctx context.Context, dir string) (*labv1.Experiment, error) {
	path := filepath.Join(dir, ExperimentFile)
	b, err := validate.ReadFile(path, validate.MaxStoredBytes)
	if err != nil {
		return nil, fmt.Errorf("%s is not a results directory: %w", dir, err)
	}
	v, err := validator()
	if err != nil {
		return nil, err
	}
	exp, err := v.DecodeStored(ctx, b)
	if err != nil {
		return nil, &DamagedError{Path: path, Err: err}
	}
	if errs := expstatus.Check(exp); len(errs) > 0 {
		return nil, &DamagedError{Path: path, Err: errs.ToAggregate()}
	}
	return exp, nil
}

// validator compiles the CRD's schema and rules once.
var validator = sync.OnceValues(validate.New)

// DamagedError is a results directory file that does not hold what the
// executors write: damaged, truncated or made by hand.
type DamagedError struct {
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s: not a results file the lab wrote (damaged or edited): %v", e.Path, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// RunPath is where a run's summary goes.
func RunPath(dir, runID string) string { return filepath.Join(dir, RunsDir, runID+".json") }

// runFile names a run's summary file: a run ID, and -server for a service
// run's server.
var runFile = regexp.MustCompile(`^v[0-9]{3,5}-r[0-9]{1,3}(-server)?\.json$`)

// maxRunBytes bounds a run summary file (the workload writes at most 4 KiB).
const maxRunBytes = 64 << 10

// LoadRuns reads every run summary, keyed by run ID. Each must be a
// summary this lab's workload could have written: a known schema
// version, finite non-negative figures, under 64 KiB, in a file named for
// its run. An error names the file and the field.
func LoadRuns(dir string) (map[string]*result.Summary, error) {
	entries, err := os.ReadDir(filepath.Join(dir, RunsDir))
	if err != nil {
		return nil, err
	}
	out := map[string]*result.Summary{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, RunsDir, e.Name())
		if !runFile.MatchString(e.Name()) {
			return nil, &DamagedError{Path: p, Err: fmt.Errorf("not a run's file name (v000-r0.json, v000-r0-server.json)")}
		}
		b, err := validate.ReadFile(p, maxRunBytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(b) > maxRunBytes {
			return nil, &DamagedError{Path: p, Err: fmt.Errorf("over %d bytes", maxRunBytes)}
		}
		s, err := result.Decode(b)
		if err != nil {
			return nil, &DamagedError{Path: p, Err: err}
		}
		if err := result.Check(s); err != nil {
			return nil, &DamagedError{Path: p, Err: err}
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = s
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
