package contract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The environment an executor sets on every workload process: the run's
// identity, which labels its metrics, profiles and summary, and where to
// push profiles.
const (
	EnvExperiment = "RUNTIMELAB_EXPERIMENT"
	EnvVariant    = "RUNTIMELAB_VARIANT"
	EnvRun        = "RUNTIMELAB_RUN"
	EnvPyroscope  = "PYROSCOPE_SERVER_ADDRESS"
)

// GoRuntimeEnv are the Go runtime's own variables. They belong to the
// variant: an executor sets the variant's and never passes its own on.
var GoRuntimeEnv = []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"}

// IsRunEnv reports whether an environment variable is one the executor
// sets for the run (GoRuntimeEnv and the Env* above): a process's own
// value of it must not leak into a workload.
func IsRunEnv(name string) bool {
	switch name {
	case EnvExperiment, EnvVariant, EnvRun, EnvPyroscope:
		return true
	}
	for _, g := range GoRuntimeEnv {
		if name == g {
			return true
		}
	}
	return false
}

// The parts a workload process can play (--role) when a scenario spans
// processes. A scenario's catalogue entry lists those it has.
const (
	// RoleBoth is server and client in one process.
	RoleBoth = "both"
	// RoleServer serves; it is the constrained container of a service run.
	RoleServer = "server"
	// RoleClient drives a poller server.
	RoleClient = "client"
	// RoleLoadgen sends a service's load from a container of its own.
	RoleLoadgen = "loadgen"
)

// Output formats of the final summary on the workload's stdout (--output).
const (
	OutputText  = "text"  // benchmark lines, then indented JSON
	OutputJSON  = "json"  // compact JSON only
	OutputBench = "bench" // benchmark lines only
)

// DefaultResultFile is where the workload writes its summary when it runs
// in a Kubernetes container: the termination message the kubelet keeps,
// which the operator reads back (at most 4 KiB: result.MaxBytes).
const DefaultResultFile = "/dev/termination-log"

// The workload's `run` flags an executor passes.
const (
	FlagDuration   = "duration"
	FlagWarmup     = "warmup"
	FlagOutput     = "output"
	FlagSet        = "set"
	FlagRole       = "role"
	FlagServe      = "serve"
	FlagTarget     = "target"
	FlagListen     = "listen"
	FlagResultFile = "result-file"
	FlagReadyFile  = "ready-file"
	FlagObservePID = "observe-pid"
)

// The workload's `sidecar` command and flags.
const (
	CommandSidecar    = "sidecar"
	FlagSidecarCPU    = "cpu"
	FlagSidecarMemory = "memory"
)

// SidecarArgs is the workload's command line for a sidecar that burns cpu
// (a CPU quantity such as "500m") and holds memory (bytes).
func SidecarArgs(cpu string, memory int64) []string {
	return []string{CommandSidecar, "--" + FlagSidecarCPU, cpu, "--" + FlagSidecarMemory, strconv.FormatInt(memory, 10)}
}

// Invocation is one workload process as an executor starts it: the
// operator turns it into a container, the local executor into a process.
// Planning builds it whole; nothing edits the command line afterwards.
type Invocation struct {
	Scenario string
	// Params are the scenario's parameters (--set), in text form.
	Params           map[string]string
	Duration, Warmup time.Duration
	// Role is empty for a scenario with a single role.
	Role string
	// Serve is where a server role listens; Target where a client role
	// connects.
	Serve, Target string
	// Listen is the telemetry address; nil leaves the workload's default
	// (:9090), "" turns telemetry off.
	Listen *string
	// ResultFile is where the summary goes; "" leaves the default.
	ResultFile string
	// ReadyFile is where a server role reports its address (Ready).
	ReadyFile string
	// ObservePID is the process an observing role (the app scenario's
	// load generator) measures besides its metrics endpoint: its cgroup,
	// when this process can read it. 0: none (on a cluster, another pod).
	ObservePID int
	// Output is the final summary's format on stdout (Output*).
	Output string
	// Env is the process's environment beyond its executor's (the run's
	// identity and the variant's Go runtime variables), in order.
	Env []EnvVar
}

// EnvVar is one environment variable of an Invocation.
type EnvVar struct{ Name, Value string }

// Args is the workload's command line for the invocation.
func (i *Invocation) Args() []string {
	args := []string{"run", i.Scenario,
		"--" + FlagDuration, i.Duration.String(), "--" + FlagWarmup, i.Warmup.String()}
	if i.Output != "" {
		args = append(args, "--"+FlagOutput, i.Output)
	}
	keys := make([]string, 0, len(i.Params))
	for k := range i.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--"+FlagSet, k+"="+i.Params[k])
	}
	for _, f := range []struct{ name, value string }{
		{FlagRole, i.Role}, {FlagServe, i.Serve}, {FlagTarget, i.Target},
		{FlagResultFile, i.ResultFile}, {FlagReadyFile, i.ReadyFile},
	} {
		if f.value != "" {
			args = append(args, "--"+f.name, f.value)
		}
	}
	if i.ObservePID > 0 {
		args = append(args, "--"+FlagObservePID, strconv.Itoa(i.ObservePID))
	}
	if i.Listen != nil {
		args = append(args, "--"+FlagListen, *i.Listen)
	}
	return args
}

// Environ is Env as KEY=VALUE strings.
func (i *Invocation) Environ() []string {
	out := make([]string, len(i.Env))
	for j, e := range i.Env {
		out[j] = e.Name + "=" + e.Value
	}
	return out
}

// ReadyVersion is the version of the Ready file.
const ReadyVersion = 1

// Ready is the readiness handshake: what a server role writes to its
// --ready-file once it accepts connections, so an executor learns its
// address without reading its logs.
type Ready struct {
	Version int    `json:"v"`
	Addr    string `json:"addr"`
}

// WriteReady writes the Ready file atomically (a reader never sees half).
func WriteReady(path, addr string) error {
	b, err := json.Marshal(Ready{Version: ReadyVersion, Addr: addr})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil && cerr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ready file %s: %v", path, firstErr(werr, cerr))
	}
	return nil
}

// ReadReady reads a Ready file; os.ErrNotExist while the server is not
// ready yet.
func ReadReady(path string) (Ready, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Ready{}, err
	}
	var r Ready
	if err := json.Unmarshal(b, &r); err != nil {
		return Ready{}, fmt.Errorf("ready file %s: %w", path, err)
	}
	if r.Version != ReadyVersion || r.Addr == "" || strings.ContainsAny(r.Addr, " \t\n") {
		return Ready{}, fmt.Errorf("ready file %s: version %d, address %q: want version %d and a host:port", path, r.Version, r.Addr, ReadyVersion)
	}
	return r, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
