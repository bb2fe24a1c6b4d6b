package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/driver"
)

// benchFile collects the raw benchmark lines of one invocation: the
// workload's, tagged "telemetry: off|on" so `benchstat -col telemetry`
// sets them side by side, and the bare benchmarks' in a second file (their
// pkg: and cpu: lines would otherwise split the workload's groups).
type benchFile struct {
	workloadPath, barePath, resultsPath string
	wl, bare                            *os.File
	results                             *benchfmt.Writer
	resultsFile                         *os.File
}

func openBenchFile(dir string, now time.Time) (*benchFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("benchmark line directory %s: %w", dir, err)
	}
	stamp := now.Format("20060102-150405")
	f := &benchFile{
		workloadPath: filepath.Join(dir, "workload-"+stamp+".txt"),
		barePath:     filepath.Join(dir, "bare-"+stamp+".txt"),
		resultsPath:  filepath.Join(dir, "bench-"+stamp+".txt"),
	}
	var err error
	if f.wl, err = openAppend(f.workloadPath); err != nil {
		return nil, err
	}
	if f.bare, err = openAppend(f.barePath); err != nil {
		f.wl.Close()
		return nil, err
	}
	if f.resultsFile, err = openAppend(f.resultsPath); err != nil {
		f.wl.Close()
		f.bare.Close()
		return nil, err
	}
	f.results = benchfmt.NewWriter(f.resultsFile)
	return f, nil
}

// addResult appends one round of a comparison as a Go benchmark line
// ("BenchmarkOverhead/scenario=gc/telemetry=usual 1 0.81 %lost"), so that
// benchstat compares two commits' `make bench` rounds.
func (f *benchFile) addResult(name string, v float64, unit string) error {
	r := &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1,
		Config: []benchfmt.Config{{Key: "goos", Value: []byte(runtime.GOOS), File: true},
			{Key: "goarch", Value: []byte(runtime.GOARCH), File: true}, {Key: "go", Value: []byte(runtime.Version()), File: true}},
		Values: []benchfmt.Value{{Value: v, Unit: unit}}}
	if err := f.results.Write(r); err != nil {
		return fmt.Errorf("append to %s: %w", f.resultsPath, err)
	}
	return nil
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open benchmark lines: %w", err)
	}
	return f, nil
}

// addWorkload appends one workload run's benchmark lines, as the binary
// itself prints them with --output bench.
func (f *benchFile) addWorkload(telemetry string, s *result.Summary) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "telemetry: %s\n", telemetry)
	if err := driver.WriteBench(&b, s); err != nil {
		return fmt.Errorf("benchmark lines of %s: %w", s.Scenario, err)
	}
	if _, err := f.wl.Write(b.Bytes()); err != nil {
		return fmt.Errorf("append to %s: %w", f.workloadPath, err)
	}
	return nil
}

// addBare appends a bare benchmark's output without go test's PASS line.
func (f *benchFile) addBare(out []byte) error {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && !bytes.Equal(t, []byte("PASS")) {
			b.Write(line)
		}
	}
	if _, err := f.bare.Write(b.Bytes()); err != nil {
		return fmt.Errorf("append to %s: %w", f.barePath, err)
	}
	return nil
}

// Close closes both files.
func (f *benchFile) Close() error {
	f.resultsFile.Close()
	err1, err2 := f.wl.Close(), f.bare.Close()
	if err1 != nil {
		return fmt.Errorf("close %s: %w", f.workloadPath, err1)
	}
	if err2 != nil {
		return fmt.Errorf("close %s: %w", f.barePath, err2)
	}
	return nil
}
