package result

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxLevels is how many ancestor cgroups a Hierarchy keeps: the nearest
// ones that limit or throttled. A Kubernetes container has at most two
// above it that limit (its pod and the node's allocatable at kubepods).
const MaxLevels = 3

// MaxLevelName is the longest Level.Name kept; longer names keep their end,
// which is the part that tells a pod's cgroup from a QoS class's.
const MaxLevelName = 48

// Hierarchy is the cgroup path above a run's own cgroup, as far up as the
// process could see: the limits set there, the tightest of all (the
// effective limits), where throttling happened, and how the Go runtime's
// settings disagree with it. The Go runtime reads only its own cgroup's CPU
// limit to size GOMAXPROCS (runtime.adjustCgroupGOMAXPROCS), and nothing in
// it reads a memory limit, so a limit set on a parent (a pod-level limit, a
// systemd slice) or shared with other processes (sidecars, the pod's other
// containers) is one it does not know about.
type Hierarchy struct {
	// Visible is how many cgroups the process could see, its own included:
	// 1 inside most containers (a cgroup namespace or a bind mount shows
	// the container's own cgroup only), the whole depth on a host.
	Visible int `json:"visible"`
	// CPULimitCores is the effective CPU limit, the tightest quota on the
	// path in cores (0 when none), and CPULimitUp how many levels above
	// the own cgroup it is set (0 for the own cgroup).
	CPULimitCores float64 `json:"cpuLimit,omitempty"`
	CPULimitUp    int     `json:"cpuUp,omitempty"`
	// MemoryLimitBytes and MemoryLimitUp are the same for memory.
	MemoryLimitBytes int64 `json:"memLimit,omitempty"`
	MemoryLimitUp    int   `json:"memUp,omitempty"`
	// Levels are the ancestors that set a limit or throttled in the window,
	// nearest first, at most MaxLevels. The own cgroup's figures are the
	// Summary's CPU, Memory and Settings.
	Levels []Level `json:"levels,omitempty"`
	// Flags name each way the runtime's view and the hierarchy part ways
	// (the Flag constants); FlagText explains one.
	Flags []string `json:"flags,omitempty"`
}

// Level is one ancestor cgroup's limits and accounting over the window.
type Level struct {
	// Up is how many levels above the run's own cgroup this one is.
	Up int `json:"up"`
	// Name is its path as seen from the highest visible cgroup, cut to its
	// last MaxLevelName bytes.
	Name string `json:"name"`
	// CPULimitCores is its CPU quota in cores; 0 when none.
	CPULimitCores float64 `json:"cpuLimit,omitempty"`
	// MemoryLimitBytes is its memory limit; 0 when none.
	MemoryLimitBytes int64 `json:"memLimit,omitempty"`
	// Cores is the CPU everything in it used over the window, in cores:
	// more than the run's own when it is shared.
	Cores float64 `json:"cores"`
	// ThrottledRatio is its throttled periods over its periods in the window;
	// ThrottledSeconds the time its threads were throttled.
	ThrottledRatio   float64 `json:"throttledRatio,omitempty"`
	ThrottledSeconds float64 `json:"throttledS,omitempty"`
	// MemoryPeakBytes is the highest memory usage sampled in it.
	MemoryPeakBytes uint64 `json:"memPeak,omitempty"`
	// OOMKills counts the kernel's OOM kills in it since it was created.
	OOMKills uint64 `json:"oomKills,omitempty"`
}

// The flags a Hierarchy may carry.
const (
	// FlagGOMAXPROCSAboveLimit: GOMAXPROCS is above what the runtime's own
	// rule would give for the effective CPU limit, which is set above the
	// own cgroup; the runtime runs more Ps than the CPU it may use.
	FlagGOMAXPROCSAboveLimit = "gomaxprocs-above-limit"
	// FlagCPUShared: the cgroup that sets the effective CPU limit used more
	// CPU than the run's own cgroup: the budget is shared.
	FlagCPUShared = "cpu-shared"
	// FlagThrottledAbove: a cgroup above the run's own was throttled in the
	// window in a tenth or more of the periods more than its own was; the
	// own cgroup's counters understate it.
	FlagThrottledAbove = "throttled-above"
	// FlagGOMEMLIMITAboveLimit: GOMEMLIMIT is above the effective memory
	// limit; the kernel kills before the GC tries to stay under it.
	FlagGOMEMLIMITAboveLimit = "gomemlimit-above-limit"
	// FlagMemoryShared: the cgroup that sets the effective memory limit
	// held memory besides the run's own: the budget is shared.
	FlagMemoryShared = "memory-shared"
)

// Shares above which a level counts as shared or as throttled above: a
// neighbour using 5 % of the level's CPU limit (0.02 cores at least) or
// 16 MiB is more than accounting noise (the readings of a level and of
// the own cgroup are microseconds apart); throttling in a tenth more of
// the periods than the own cgroup is more than the jitter between two
// cgroups' unaligned CFS periods (a container at its own quota and its
// pod at the pod's, both full, read 0.95 and 1).
const (
	sharedLimitFrac = 0.05
	sharedCoresMin  = 0.02
	sharedBytes     = 16 << 20
	throttledAbove  = 0.1
)

// GOMAXPROCSFor is the GOMAXPROCS the Go runtime (1.25 and later) gives
// itself under a CPU limit of cores on a machine of numCPU CPUs: the limit
// rounded up, at least 2, at most numCPU (runtime.adjustCgroupGOMAXPROCS).
// cores 0 means no limit.
func GOMAXPROCSFor(cores float64, numCPU int) int {
	if cores <= 0 {
		return numCPU
	}
	return min(numCPU, max(2, int(math.Ceil(cores))))
}

// Judge sets h's flags from h and the run's own figures: the settings the
// runtime used, the own cgroup's CPU use (cores) and throttled ratio, and
// its memory peak. It is pure so that each rule is table-tested.
func (h *Hierarchy) Judge(st Settings, ownCores, ownThrottled float64, ownPeak uint64) {
	h.Flags = nil
	at := h.level
	if h.CPULimitUp > 0 && h.CPULimitCores > 0 && st.GOMAXPROCS > GOMAXPROCSFor(h.CPULimitCores, st.NumCPU) {
		h.Flags = append(h.Flags, FlagGOMAXPROCSAboveLimit)
	}
	if l := at(h.CPULimitUp); h.CPULimitUp > 0 && l != nil && l.Cores-ownCores > max(sharedCoresMin, sharedLimitFrac*l.CPULimitCores) {
		h.Flags = append(h.Flags, FlagCPUShared)
	}
	for _, l := range h.Levels {
		if l.ThrottledRatio-ownThrottled > throttledAbove {
			h.Flags = append(h.Flags, FlagThrottledAbove)
			break
		}
	}
	if h.MemoryLimitBytes > 0 && st.GOMEMLIMIT < math.MaxInt64 && st.GOMEMLIMIT > h.MemoryLimitBytes {
		h.Flags = append(h.Flags, FlagGOMEMLIMITAboveLimit)
	}
	if l := at(h.MemoryLimitUp); h.MemoryLimitUp > 0 && l != nil && l.MemoryPeakBytes > ownPeak+sharedBytes {
		h.Flags = append(h.Flags, FlagMemoryShared)
	}
}

// level is the kept level up levels above the own cgroup, nil when it is
// not among Levels.
func (h *Hierarchy) level(up int) *Level {
	for i := range h.Levels {
		if h.Levels[i].Up == up {
			return &h.Levels[i]
		}
	}
	return nil
}

// FlagText explains flag for a person, with the figures of s that show it,
// and says what to do about it.
func FlagText(flag string, s *Summary) string {
	h := s.Hierarchy
	if h == nil {
		h = &Hierarchy{}
	}
	up := func(n int) string {
		if l := h.level(n); l != nil {
			return fmt.Sprintf("%d level(s) up (%s)", n, l.Name)
		}
		return fmt.Sprintf("%d level(s) up", n)
	}
	var limiting, memLimiting Level // zero when not kept
	if l := h.level(h.CPULimitUp); l != nil {
		limiting = *l
	}
	if l := h.level(h.MemoryLimitUp); l != nil {
		memLimiting = *l
	}
	cores := func(c float64) string { return strconv.FormatFloat(c, 'f', 2, 64) }
	switch flag {
	case FlagGOMAXPROCSAboveLimit:
		return fmt.Sprintf("GOMAXPROCS %d, but the effective CPU limit is %s cores, set %s: the runtime sized GOMAXPROCS from its own cgroup only; set GOMAXPROCS=%d or give the container a CPU limit of its own",
			s.Settings.GOMAXPROCS, cores(h.CPULimitCores), up(h.CPULimitUp), GOMAXPROCSFor(h.CPULimitCores, s.Settings.NumCPU))
	case FlagCPUShared:
		return fmt.Sprintf("the effective CPU limit (%s cores, %s) is shared: %s cores were used there, %s by this run; size GOMAXPROCS and the objective to this run's share, or give each container a limit of its own",
			cores(h.CPULimitCores), up(h.CPULimitUp), cores(limiting.Cores), cores(s.CPU.Cores))
	case FlagThrottledAbove:
		var worst Level
		for _, l := range h.Levels {
			if l.ThrottledRatio > worst.ThrottledRatio {
				worst = l
			}
		}
		return fmt.Sprintf("throttled %s in %.0f%% of its periods (%.2f s), while the run's own cgroup was in %.0f%%: the quota that bit is above the container, where its own cpu.stat does not show it",
			up(worst.Up), 100*worst.ThrottledRatio, worst.ThrottledSeconds, 100*s.CPU.ThrottledRatio)
	case FlagGOMEMLIMITAboveLimit:
		return fmt.Sprintf("GOMEMLIMIT %s is above the effective memory limit %s, set %s: the kernel OOM-kills before the GC works to stay under it; derive GOMEMLIMIT from the effective limit",
			mib(s.Settings.GOMEMLIMIT), mib(h.MemoryLimitBytes), up(h.MemoryLimitUp))
	case FlagMemoryShared:
		return fmt.Sprintf("the effective memory limit (%s, %s) is shared: up to %s was used there, %s by this run; GOMEMLIMIT must leave room for the others",
			mib(h.MemoryLimitBytes), up(h.MemoryLimitUp), mib(int64(min(memLimiting.MemoryPeakBytes, math.MaxInt64))), mib(int64(min(s.Memory.PeakBytes, math.MaxInt64))))
	}
	return flag
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

// CutName keeps the end of a cgroup path, at most MaxLevelName bytes with
// an ellipsis in front when cut, on a path element boundary when one is near, with any byte outside letters, digits
// and "/._-:@" replaced by '_', so a name never carries terminal control
// sequences into a report.
func CutName(name string) string {
	const ellipsis = "…"
	if len(name) > MaxLevelName {
		name = name[len(name)-(MaxLevelName-len(ellipsis)):]
		if i := strings.IndexByte(name, '/'); i >= 0 && i < MaxLevelName/2 {
			name = name[i:]
		}
		name = ellipsis + name
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '…', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("/._-:@", r):
			return r
		}
		return '_'
	}, name)
}

// checkHierarchy is Check's rule for a Hierarchy: bounded levels and flags,
// known flags, figures that pass CheckFigure, names as CutName leaves them.
func checkHierarchy(h *Hierarchy) error {
	if len(h.Levels) > MaxLevels {
		return fmt.Errorf("levels: %d, at most %d", len(h.Levels), MaxLevels)
	}
	if h.Visible < 0 || h.Visible > 64 || h.CPULimitUp < 0 || h.MemoryLimitUp < 0 || h.MemoryLimitBytes < 0 {
		return fmt.Errorf("visible, cpuUp, memUp or memLimit out of range")
	}
	if err := CheckFigure(h.CPULimitCores); err != nil {
		return fmt.Errorf("cpuLimit: %w", err)
	}
	for i, l := range h.Levels {
		if l.Name != CutName(l.Name) || l.Up < 1 || l.MemoryLimitBytes < 0 {
			return fmt.Errorf("levels[%d]: name %q or up %d is not what a workload writes", i, l.Name, l.Up)
		}
		for name, v := range map[string]float64{"cpuLimit": l.CPULimitCores, "cores": l.Cores, "throttledRatio": l.ThrottledRatio, "throttledS": l.ThrottledSeconds} {
			if err := CheckFigure(v); err != nil {
				return fmt.Errorf("levels[%d].%s: %w", i, name, err)
			}
		}
	}
	known := []string{FlagGOMAXPROCSAboveLimit, FlagCPUShared, FlagThrottledAbove, FlagGOMEMLIMITAboveLimit, FlagMemoryShared}
	if len(h.Flags) > len(known) {
		return fmt.Errorf("flags: %d, at most %d", len(h.Flags), len(known))
	}
	for i, f := range h.Flags {
		if !slices.Contains(known, f) {
			return fmt.Errorf("flags[%d]: %q is not one of %s", i, f, strings.Join(known, ", "))
		}
	}
	return nil
}

// FlagAdvice explains flag without a run's figures, for reports that have
// only the flags of many runs.
func FlagAdvice(flag string) string {
	switch flag {
	case FlagGOMAXPROCSAboveLimit:
		return "GOMAXPROCS is above what the effective CPU limit (set on a parent cgroup, such as the pod's) allows: the runtime sizes it from its own cgroup only; set GOMAXPROCS, or give the container a CPU limit of its own"
	case FlagCPUShared:
		return "the effective CPU limit is shared with other processes (the pod's other containers, a sidecar): this run got only part of it"
	case FlagThrottledAbove:
		return "a cgroup above the run's own was throttled more than its own: its own cpu.stat understates the throttling (see path-throttled-frac)"
	case FlagGOMEMLIMITAboveLimit:
		return "GOMEMLIMIT is above the effective memory limit: the kernel OOM-kills before the GC works to stay under it; derive GOMEMLIMIT from the effective limit"
	case FlagMemoryShared:
		return "the effective memory limit is shared with other processes: GOMEMLIMIT must leave room for them"
	}
	return flag
}

// PathThrottled is the highest throttled share of any cgroup on the path
// the run could see, its own included: the figure path-throttled-frac.
func (s *Summary) PathThrottled() float64 {
	v := s.CPU.ThrottledRatio
	if s.Hierarchy != nil {
		for _, l := range s.Hierarchy.Levels {
			v = max(v, l.ThrottledRatio)
		}
	}
	return v
}
