package result

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"time"
)

// SchemaVersion is the version of the Summary JSON. It changes only when a
// field changes meaning or is removed; added fields keep the version.
const SchemaVersion = 1

// MaxBytes is the largest encoded Summary that fits in a Kubernetes
// termination message (the kubelet truncates beyond 4096 bytes).
const MaxBytes = 4096

// Summary is what one workload run measured. It is written every few seconds
// during a run, so a run killed by the kernel still leaves its last one.
type Summary struct {
	// Version is SchemaVersion of the writer.
	Version int `json:"v"`
	// Scenario is the scenario's registered name.
	Scenario string `json:"scenario"`
	// Experiment, Variant and Run identify the run when an executor launched
	// it (from RUNTIMELAB_EXPERIMENT, _VARIANT and _RUN); empty otherwise.
	Experiment string `json:"experiment,omitempty"`
	Variant    string `json:"variant,omitempty"`
	Run        string `json:"run,omitempty"`
	// Params are the scenario parameters in effect, defaults included, in
	// their canonical text form.
	Params map[string]string `json:"params,omitempty"`

	// Start is when the workload started (warmup included).
	Start time.Time `json:"start"`
	// WarmupSeconds is how long the run warmed up before measuring.
	WarmupSeconds float64 `json:"warmupS"`
	// Seconds is the length of the measured window so far.
	Seconds float64 `json:"seconds"`
	// Phase is "warmup", "measure" or "done" at the time of writing.
	Phase string `json:"phase"`
	// Partial is true when the run has not finished its planned duration:
	// an interim summary, a signal, or an error ended it early.
	Partial bool `json:"partial,omitempty"`
	// Error says why the run failed, empty when it did not.
	Error string `json:"error,omitempty"`
	// Outcome is the scenario's classification of the run, for scenarios
	// that have one (memlimit: "survived", "gc-thrash", "near-oom").
	Outcome string `json:"outcome,omitempty"`

	// Settings are what the Go runtime actually used.
	Settings Settings `json:"settings"`
	// Figures are the scenario's own figures, keyed by the figure names its
	// catalogue entry declares (for example "tasks/s").
	Figures map[string]float64 `json:"figures,omitempty"`
	// Runtime are figures from runtime/metrics over the measured window.
	Runtime Runtime `json:"runtime"`
	// CPU is the container's CPU ground truth over the measured window.
	CPU CPU `json:"cpu"`
	// Memory is the container's memory ground truth.
	Memory Memory `json:"memory"`
	// Hierarchy is the cgroup path above the run's own cgroup, when the
	// process could see any of it: effective limits, where throttling
	// happened, and flags where the runtime's view parts from it.
	Hierarchy *Hierarchy `json:"hier,omitempty"`
	// Limits are the window's stretches under one set of limits, when a
	// limit of the run's own cgroup changed during it (an in-place
	// resize); absent when none did.
	Limits []Segment `json:"limits,omitempty"`
	// Missing lists what an observed service did not expose (Missing*
	// codes): the app scenario measures your service from outside, and a
	// figure it could not read is absent rather than zero.
	Missing []string `json:"missing,omitempty"`
	// Trimmed names the parts Encode left out to fit MaxBytes ("limits",
	// "hier.levels"), which only a summary of extreme values needs.
	Trimmed []string `json:"trimmed,omitempty"`
	// Machine is how busy the rest of the machine was during the measured
	// window: the run's neighbours, not the run.
	Machine Machine `json:"machine"`
}

// Machine is the machine around a run over its measured window, from
// /proc/stat and /proc/pressure/cpu, which are the node's also inside a
// container.
type Machine struct {
	// CPUs is the number of CPUs the kernel lists; 0 when /proc/stat
	// could not be read (and the rest is then unknown, not zero).
	CPUs int `json:"cpus,omitempty"`
	// OtherCores is the CPU everything but the run used, in cores: the
	// machine's busy time less the workload process's own CPU time (not its
	// cgroup's, which a process started by hand shares with others), or,
	// when a cgroup above it has a CPU limit (a pod's), less all that the
	// nearest such cgroup used: a sidecar sharing the budget is part of
	// the run. A service server's includes its load generator.
	OtherCores float64 `json:"otherCores,omitempty"`
	// StealFrac is the share of the machine's CPU time the hypervisor gave
	// to other guests.
	StealFrac float64 `json:"stealFrac,omitempty"`
	// CPUSomeFrac is the share of the window in which some runnable task
	// on the machine waited for a CPU (PSI cpu "some"); nil without PSI.
	CPUSomeFrac *float64 `json:"cpuSomeFrac,omitempty"`
}

// Settings are the Go runtime and container settings in effect for a run.
type Settings struct {
	GoVersion  string `json:"go"`
	NumCPU     int    `json:"numCPU"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// GOGC is the GC percent in effect; -1 means off.
	GOGC int `json:"gogc"`
	// GOMEMLIMIT is the soft memory limit in bytes (math.MaxInt64 when unset).
	GOMEMLIMIT int64  `json:"gomemlimit"`
	GODEBUG    string `json:"godebug,omitempty"`
	// CgroupVersion is 1 or 2, or 0 when no cgroup controller was found.
	CgroupVersion int `json:"cgroup"`
	// CPULimitCores is the CPU quota in cores; 0 when unlimited.
	CPULimitCores float64 `json:"cpuLimit,omitempty"`
	// MemoryLimitBytes is the cgroup memory limit; 0 when unlimited.
	MemoryLimitBytes int64 `json:"memLimit,omitempty"`
}

// Runtime holds runtime/metrics figures. Counters are deltas over the
// measured window; quantiles come from the window's histogram deltas; gauges
// are read at the end of the window.
type Runtime struct {
	GCCycles     uint64  `json:"gcCycles"`
	GCCyclesPerS float64 `json:"gcPerS"`
	// GCCPUFraction is the share of available CPU (GOMAXPROCS × wall time)
	// the GC used (/cpu/classes/gc/total); GCAssistCPUFraction the part of it
	// charged to allocating goroutines as mark assists.
	GCCPUFraction       float64 `json:"gcCPU"`
	GCAssistCPUFraction float64 `json:"assistCPU"`
	// UserCPUFraction is the share of available CPU spent running Go code,
	// IdleCPUFraction the share left idle.
	UserCPUFraction float64 `json:"userCPU"`
	IdleCPUFraction float64 `json:"idleCPU"`
	// GCPause quantiles are stop-the-world pauses (seconds).
	GCPauseP50 float64 `json:"pauseP50"`
	GCPauseP99 float64 `json:"pauseP99"`
	GCPauseMax float64 `json:"pauseMax"`
	// SchedLatency quantiles are the time goroutines spent runnable before
	// running (seconds).
	SchedLatencyP50 float64 `json:"schedP50"`
	SchedLatencyP99 float64 `json:"schedP99"`
	SchedLatencyMax float64 `json:"schedMax"`
	AllocBytes      uint64  `json:"allocB"`
	AllocObjects    uint64  `json:"allocObjs"`
	HeapLiveBytes   uint64  `json:"heapLive"`
	HeapGoalBytes   uint64  `json:"heapGoal"`
	// TotalMemoryBytes is all memory mapped by the runtime
	// (/memory/classes/total:bytes) at the end of the window.
	TotalMemoryBytes uint64 `json:"totalMem"`
	StackBytes       uint64 `json:"stackB"`
	Goroutines       uint64 `json:"goroutines"`
	// LimiterEnabled is true when the GC CPU limiter engaged during the window.
	LimiterEnabled bool `json:"limiter,omitempty"`
}

// CPU is the cgroup CPU accounting over the measured window.
type CPU struct {
	// UsageSeconds is the CPU time the cgroup used.
	UsageSeconds float64 `json:"usageS"`
	// ProcessSeconds is the CPU time this process used (getrusage), which
	// differs from UsageSeconds when the cgroup holds other processes.
	ProcessSeconds float64 `json:"procS"`
	// Cores is UsageSeconds divided by the window.
	Cores            float64 `json:"cores"`
	Periods          uint64  `json:"periods"`
	ThrottledPeriods uint64  `json:"throttled"`
	ThrottledSeconds float64 `json:"throttledS"`
	// ThrottledRatio is ThrottledPeriods / Periods (0 with no periods).
	ThrottledRatio float64 `json:"throttledRatio"`
	// PressureSomeAvg10 is the cgroup's cpu.pressure "some avg10" when present.
	PressureSomeAvg10 float64 `json:"psiSome10,omitempty"`
}

// Memory is the cgroup memory accounting.
type Memory struct {
	UsageBytes uint64 `json:"usage"`
	// PeakBytes is the highest usage the kernel recorded for the cgroup
	// (v1 max_usage_in_bytes, v2 memory.peak), or the highest sampled usage.
	PeakBytes uint64 `json:"peak"`
	// OOMKills counts kernel OOM kills in the cgroup since it was created.
	OOMKills uint64 `json:"oomKills,omitempty"`
	// OOMEvents counts times the cgroup hit its limit and reclaim failed (v2).
	OOMEvents         uint64  `json:"oomEvents,omitempty"`
	PressureSomeAvg10 float64 `json:"psiSome10,omitempty"`
}

// Encode returns the compact JSON of s and an error when it exceeds
// MaxBytes. Over it, it first leaves out the detail a summary can do
// without, naming it in Trimmed: the limit segments after the first and
// the last, then all of them, then the hierarchy's levels (its effective
// limits and flags stay). s itself is not changed.
func Encode(s *Summary) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	if len(b) <= MaxBytes {
		return b, nil
	}
	t := *s
	for _, trim := range []func(*Summary) string{
		func(t *Summary) string {
			if len(t.Limits) <= 2 {
				return ""
			}
			t.Limits = []Segment{t.Limits[0], t.Limits[len(t.Limits)-1]}
			return "limits"
		},
		func(t *Summary) string {
			if t.Limits == nil {
				return ""
			}
			t.Limits = nil
			return "limits"
		},
		func(t *Summary) string {
			if t.Hierarchy == nil || t.Hierarchy.Levels == nil {
				return ""
			}
			h := *t.Hierarchy
			h.Levels = nil
			t.Hierarchy = &h
			return "hier.levels"
		},
	} {
		what := trim(&t)
		if what == "" {
			continue
		}
		if !slices.Contains(t.Trimmed, what) {
			t.Trimmed = append(slices.Clip(t.Trimmed), what)
		}
		if b, err = json.Marshal(&t); err != nil {
			return nil, fmt.Errorf("encode summary: %w", err)
		}
		if len(b) <= MaxBytes {
			return b, nil
		}
	}
	return b, fmt.Errorf("encoded summary is %d bytes, over the %d-byte termination message limit", len(b), MaxBytes)
}

// Decode parses a Summary and rejects versions newer than this reader knows.
func Decode(b []byte) (*Summary, error) {
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	if s.Version > SchemaVersion {
		return nil, fmt.Errorf("summary version %d is newer than this reader's %d", s.Version, SchemaVersion)
	}
	return &s, nil
}

// MaxFigure bounds a figure's value: no measurement of this lab comes near
// it (a byte count of an exabyte), so a larger one is damage, not data.
const MaxFigure = 1e18

// CheckFigure is the rule every figure meets: finite, non-negative and at
// most MaxFigure.
func CheckFigure(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%v is not a finite number", v)
	case v < 0:
		return fmt.Errorf("%g: a figure is never negative", v)
	case v > MaxFigure:
		return fmt.Errorf("%g is above %g: no measurement of this lab is that large", v, MaxFigure)
	}
	return nil
}

// Check reports the first field of s that this lab's workload could not
// have written: a missing version or scenario, a phase it never writes,
// or a figure (its own or the runtime's, CPU or memory ones) that fails
// CheckFigure. It names the field, in the JSON's spelling.
func Check(s *Summary) error {
	switch {
	case s.Version < 1:
		return fmt.Errorf("v: %d, want a schema version from 1 to %d", s.Version, SchemaVersion)
	case !scenarioName.MatchString(s.Scenario):
		return fmt.Errorf("scenario: %q is not a scenario name", s.Scenario)
	}
	switch s.Phase {
	case "prepare", "warmup", "measure", "done":
	default:
		return fmt.Errorf("phase: %q, want prepare, warmup, measure or done", s.Phase)
	}
	keys := make([]string, 0, len(s.Figures))
	for k := range s.Figures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := CheckFigure(s.Figures[k]); err != nil {
			return fmt.Errorf("figures[%q]: %w", k, err)
		}
	}
	for name, v := range map[string]float64{
		"warmupS": s.WarmupSeconds, "seconds": s.Seconds, "runtime.gcPerS": s.Runtime.GCCyclesPerS,
		"runtime.gcCPU": s.Runtime.GCCPUFraction, "runtime.assistCPU": s.Runtime.GCAssistCPUFraction,
		"runtime.userCPU": s.Runtime.UserCPUFraction, "runtime.idleCPU": s.Runtime.IdleCPUFraction,
		"runtime.pauseP50": s.Runtime.GCPauseP50, "runtime.pauseP99": s.Runtime.GCPauseP99, "runtime.pauseMax": s.Runtime.GCPauseMax,
		"runtime.schedP50": s.Runtime.SchedLatencyP50, "runtime.schedP99": s.Runtime.SchedLatencyP99, "runtime.schedMax": s.Runtime.SchedLatencyMax,
		"cpu.usageS": s.CPU.UsageSeconds, "cpu.procS": s.CPU.ProcessSeconds, "cpu.cores": s.CPU.Cores,
		"cpu.throttledS": s.CPU.ThrottledSeconds, "cpu.throttledRatio": s.CPU.ThrottledRatio,
		"cpu.psiSome10": s.CPU.PressureSomeAvg10, "memory.psiSome10": s.Memory.PressureSomeAvg10,
		"settings.cpuLimit":  s.Settings.CPULimitCores,
		"machine.otherCores": s.Machine.OtherCores, "machine.stealFrac": s.Machine.StealFrac,
	} {
		if err := CheckFigure(v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := checkMissing(s.Missing); err != nil {
		return err
	}
	if h := s.Hierarchy; h != nil {
		if err := checkHierarchy(h); err != nil {
			return fmt.Errorf("hier.%w", err)
		}
	}
	if len(s.Limits) > MaxSegments {
		return fmt.Errorf("limits: %d segments, at most %d", len(s.Limits), MaxSegments)
	}
	for i, g := range s.Limits {
		for name, v := range map[string]float64{"atS": g.AtS, "cpuLimit": g.CPULimitCores, "procsAfterS": g.GOMAXPROCSAfterS,
			"cores": g.Cores, "throttledRatio": g.ThrottledRatio, "schedP99": g.SchedP99} {
			if err := CheckFigure(v); err != nil {
				return fmt.Errorf("limits[%d].%s: %w", i, name, err)
			}
		}
	}
	if p := s.Machine.CPUSomeFrac; p != nil {
		if err := CheckFigure(*p); err != nil {
			return fmt.Errorf("machine.cpuSomeFrac: %w", err)
		}
	}
	return nil
}

// scenarioName is what a scenario's registered name looks like.
var scenarioName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
