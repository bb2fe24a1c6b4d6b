package driver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/registry"
	"github.com/runtime-lab/runtime-lab/workloads/resultfile"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/telemetry"
)

// Output formats of the final summary on stdout (contract.Output*).
const (
	OutputText  = contract.OutputText
	OutputJSON  = contract.OutputJSON
	OutputBench = contract.OutputBench
)

// Config is one run's settings, as the command line gives them.
type Config struct {
	Scenario string
	Sets     []string
	// Role, Target and Serve place this process in a multi-process
	// scenario (see scenario.Env).
	Role   string
	Target string
	Serve  string
	// ObservePID is the process an observing role measures (scenario.Env).
	ObservePID int
	Duration   time.Duration
	Warmup     time.Duration
	// Listen is the telemetry address; empty disables it.
	Listen string
	// ResultFile receives the summary every Interval and at the end;
	// empty disables it.
	ResultFile string
	// ReadyFile receives a server role's address once it listens
	// (contract.Ready); empty disables it.
	ReadyFile string
	Interval  time.Duration
	Output    string
	// CPUProfile profiles the measured window to find the allocator's CPU
	// share. It is skipped when Pyroscope profiles CPU (only one can).
	CPUProfile bool
	// Pyroscope is the server to push profiles to; empty disables it.
	Pyroscope string
	// PyroscopeUploadRate is how often profiles are pushed.
	PyroscopeUploadRate time.Duration
	// StopTimeout bounds how long the scenario may take to stop.
	StopTimeout time.Duration

	Stdout io.Writer
	Log    *slog.Logger
}

// DefaultConfig returns the defaults the command line starts from.
func DefaultConfig() Config {
	c := Config{
		Duration:            30 * time.Second,
		Warmup:              5 * time.Second,
		Listen:              ":9090",
		Interval:            2 * time.Second,
		Output:              OutputText,
		CPUProfile:          true,
		StopTimeout:         10 * time.Second,
		PyroscopeUploadRate: 15 * time.Second,
		Pyroscope:           os.Getenv(contract.EnvPyroscope),
		Stdout:              os.Stdout,
		Log:                 slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
	if _, err := os.Stat(contract.DefaultResultFile); err == nil {
		c.ResultFile = contract.DefaultResultFile
	}
	return c
}

// UsageError is bad input: nothing was run. The command exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// IsUsage reports whether err is bad input.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

func usagef(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// resolve checks the config and builds the workload without starting it.
func (c *Config) resolve() (*catalog.Spec, catalog.Values, scenario.Workload, error) {
	var zero catalog.Values
	entry, factory, ok := registry.Lookup(c.Scenario)
	if !ok {
		return nil, zero, nil, usagef("unknown scenario %q; valid scenarios are %s (see `workload list`)",
			c.Scenario, strings.Join(catalog.Names(), ", "))
	}
	switch {
	case c.Duration <= 0:
		return entry, zero, nil, usagef("--duration %s: must be positive, e.g. 30s", c.Duration)
	case c.Warmup < 0:
		return entry, zero, nil, usagef("--warmup %s: must be 0 or positive, e.g. 5s", c.Warmup)
	case c.Interval <= 0:
		return entry, zero, nil, usagef("--interval %s: must be positive, e.g. 2s", c.Interval)
	case c.Output != OutputText && c.Output != OutputJSON && c.Output != OutputBench:
		return entry, zero, nil, usagef("--output %q: must be %s, %s or %s", c.Output, OutputText, OutputJSON, OutputBench)
	}
	for _, f := range []struct{ flag, path string }{{contract.FlagResultFile, c.ResultFile}, {contract.FlagReadyFile, c.ReadyFile}} {
		if f.path == "" {
			continue
		}
		if err := resultfile.Check(f.path); err != nil {
			return entry, zero, nil, usagef("--%s %s: %v", f.flag, f.path, err)
		}
	}
	role, ok := entry.Role(c.Role)
	switch {
	case !ok && len(entry.Roles) == 0:
		return entry, zero, nil, usagef("--role %q: scenario %s has a single role; drop --role", c.Role, c.Scenario)
	case !ok:
		return entry, zero, nil, usagef("--role %q: scenario %s's roles are %s", c.Role, c.Scenario, roleNames(entry))
	case role.NeedsTarget && c.Target == "":
		return entry, zero, nil, usagef("--target: role %s of %s connects to a server; give its address, e.g. --target 10.0.0.5:8080", role.Name, c.Scenario)
	}
	values, err := catalog.Parse(entry, c.Sets)
	if err != nil {
		return entry, zero, nil, &UsageError{Err: err}
	}
	if err := entry.CheckMemory(values, catalog.MemoryInput{Window: c.Warmup + c.Duration, Limit: ownMemoryLimit()}, machineMemory()); err != nil {
		return entry, zero, nil, &UsageError{Err: err}
	}
	w, err := factory(values, scenario.Env{Role: role.Name, Target: c.Target, Serve: c.Serve, ObservePID: c.ObservePID, Listening: c.listening})
	if err != nil {
		return entry, zero, nil, &UsageError{Err: err}
	}
	return entry, values, w, nil
}

// listening answers the readiness handshake: it writes the server's
// address to the ready file, where an executor waits for it.
func (c *Config) listening(addr string) {
	if c.ReadyFile == "" {
		return
	}
	if err := contract.WriteReady(c.ReadyFile, addr); err != nil {
		c.Log.Error("ready file", "err", err)
	}
}

// ownMemoryLimit is this process's cgroup memory limit, 0 for none or
// unknown.
func ownMemoryLimit() int64 {
	cg, err := cgroup.Self()
	if err != nil {
		return 0
	}
	st, err := cg.Read()
	if err != nil || st.MemoryLimitBytes < 0 {
		return 0
	}
	return st.MemoryLimitBytes
}

// machineMemory is the machine's memory, 0 when unknown.
func machineMemory() int64 {
	m, _ := cgroup.MachineMemory()
	return m
}

func labelsFromEnv(scenarioName string) telemetry.Labels {
	return telemetry.Labels{
		Scenario:   scenarioName,
		Experiment: os.Getenv(contract.EnvExperiment),
		Variant:    os.Getenv(contract.EnvVariant),
		Run:        os.Getenv(contract.EnvRun),
	}
}

func roleNames(s *catalog.Spec) string {
	names := make([]string, len(s.Roles))
	for i, r := range s.Roles {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}
