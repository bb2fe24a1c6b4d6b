package probe

import (
	"math"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// Probe takes Samples of the current process and its cgroup.
type Probe struct {
	cg    *cgroup.Reader   // nil when no cgroup was found
	above []*cgroup.Reader // the ancestors of cg it can see, nearest first
	names []string         // their names (cgroup.LevelName)

	mu       sync.Mutex
	maxUsage uint64   // highest cgroup memory usage any sample saw
	maxAbove []uint64 // the same for each ancestor
}

// New returns a Probe reading cg and the ancestors of it that are visible,
// which may be nil (no cgroup: the probe then reports runtime figures
// only).
func New(cg *cgroup.Reader) *Probe {
	p := &Probe{cg: cg}
	if cg != nil {
		path := cg.Path()
		p.above = path[1:]
		for i := 1; i < len(path); i++ {
			p.names = append(p.names, cgroup.LevelName(path, i))
		}
		p.maxAbove = make([]uint64, len(p.above))
	}
	return p
}

// Sample is one reading of the runtime and the cgroup.
type Sample struct {
	At        time.Time
	rt        runtimeSample
	Cgroup    cgroup.Stats
	CgroupErr error
	// Above are the readings of the visible ancestors of the cgroup,
	// nearest first; one that could not be read is the zero Stats (no
	// HasCPU, no HasMemory), because a parent the process may not read
	// must not fail the run.
	Above []cgroup.Stats
	// ProcessCPU is this process's user+system CPU time (getrusage).
	ProcessCPU time.Duration
	machine    machineSample
}

// Sample reads the runtime metrics and the cgroup files now.
func (p *Probe) Sample() Sample {
	s := Sample{At: time.Now(), rt: readRuntime(), ProcessCPU: processCPU(), machine: readMachine()}
	if p.cg != nil {
		s.Cgroup, s.CgroupErr = p.cg.Read()
		s.Above = make([]cgroup.Stats, len(p.above))
		for i, r := range p.above {
			s.Above[i], _ = r.Read()
		}
		p.mu.Lock()
		p.maxUsage = max(p.maxUsage, s.Cgroup.MemoryUsageBytes)
		for i, a := range s.Above {
			p.maxAbove[i] = max(p.maxAbove[i], a.MemoryUsageBytes)
		}
		p.mu.Unlock()
	}
	return s
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Runtime computes the runtime figures of the window from a to b.
//
// The /cpu/classes metrics are updated only at the end of each GC cycle, so
// the CPU fractions cover the GC cycles that ended inside the window; a
// window with no GC reports 0 GC CPU, which is what happened.
func Runtime(a, b Sample) result.Runtime {
	d := func(name string) float64 { return b.rt.scalar[name] - a.rt.scalar[name] }
	frac := func(name string) float64 {
		total := d(mCPUTotal)
		if total <= 0 {
			return 0
		}
		return d(name) / total
	}
	secs := b.At.Sub(a.At).Seconds()
	pauses := histDelta(a.rt.hist[mPauses], b.rt.hist[mPauses])
	sched := histDelta(a.rt.hist[mSchedLat], b.rt.hist[mSchedLat])
	r := result.Runtime{
		GCCycles:            uint64(d(mGCCycles)),
		GCCPUFraction:       frac(mCPUGC),
		GCAssistCPUFraction: frac(mCPUAssist),
		UserCPUFraction:     frac(mCPUUser),
		IdleCPUFraction:     frac(mCPUIdle),
		GCPauseP50:          Quantile(pauses, 0.50),
		GCPauseP99:          Quantile(pauses, 0.99),
		GCPauseMax:          Max(pauses),
		SchedLatencyP50:     Quantile(sched, 0.50),
		SchedLatencyP99:     Quantile(sched, 0.99),
		SchedLatencyMax:     Max(sched),
		AllocBytes:          uint64(d(mAllocBytes)),
		AllocObjects:        uint64(d(mAllocObjects)),
		HeapLiveBytes:       uint64(b.rt.scalar[mHeapLive]),
		HeapGoalBytes:       uint64(b.rt.scalar[mHeapGoal]),
		TotalMemoryBytes:    uint64(b.rt.scalar[mMemTotal]),
		StackBytes:          uint64(b.rt.scalar[mStacks]),
		Goroutines:          uint64(b.rt.scalar[mGoroutines]),
		LimiterEnabled:      b.rt.scalar[mLimiterLast] > a.rt.scalar[mGCCycles],
	}
	if secs > 0 {
		r.GCCyclesPerS = float64(r.GCCycles) / secs
	}
	return r
}

// CPU computes the cgroup CPU figures of the window from a to b. Without a
// cgroup it reports the process's own CPU time and no throttling.
func CPU(a, b Sample) result.CPU {
	secs := b.At.Sub(a.At).Seconds()
	var c result.CPU
	if b.Cgroup.HasCPU && a.Cgroup.HasCPU {
		c.UsageSeconds = float64(b.Cgroup.CPUUsageNanos-a.Cgroup.CPUUsageNanos) / 1e9
		c.Periods = b.Cgroup.Periods - a.Cgroup.Periods
		c.ThrottledPeriods = b.Cgroup.ThrottledPeriods - a.Cgroup.ThrottledPeriods
		c.ThrottledSeconds = float64(b.Cgroup.ThrottledNanos-a.Cgroup.ThrottledNanos) / 1e9
		if c.Periods > 0 {
			c.ThrottledRatio = float64(c.ThrottledPeriods) / float64(c.Periods)
		}
		if b.Cgroup.CPUPressure != nil {
			c.PressureSomeAvg10 = b.Cgroup.CPUPressure.Some.Avg10
		}
	}
	c.ProcessSeconds = (b.ProcessCPU - a.ProcessCPU).Seconds()
	if c.UsageSeconds == 0 {
		// No cpuacct (or no cgroup): the process is the best we have.
		c.UsageSeconds = c.ProcessSeconds
	}
	if secs > 0 {
		c.Cores = c.UsageSeconds / secs
	}
	return c
}

// Memory reports the cgroup memory figures as of b.
func (p *Probe) Memory(b Sample) result.Memory {
	if !b.Cgroup.HasMemory {
		return result.Memory{}
	}
	p.mu.Lock()
	peak := max(p.maxUsage, b.Cgroup.MemoryPeakBytes)
	p.mu.Unlock()
	m := result.Memory{
		UsageBytes: b.Cgroup.MemoryUsageBytes,
		PeakBytes:  peak,
		OOMKills:   b.Cgroup.OOMKills,
		OOMEvents:  b.Cgroup.OOMEvents,
	}
	if b.Cgroup.MemoryPressure != nil {
		m.PressureSomeAvg10 = b.Cgroup.MemoryPressure.Some.Avg10
	}
	return m
}

// Settings reports the runtime and container settings in effect.
func Settings(s Sample) result.Settings {
	gogc := s.rt.scalar[mGOGC]
	st := result.Settings{
		GoVersion:     runtime.Version(),
		NumCPU:        runtime.NumCPU(),
		GOMAXPROCS:    runtime.GOMAXPROCS(0),
		GOGC:          int(gogc),
		GOMEMLIMIT:    math.MaxInt64,
		GODEBUG:       os.Getenv("GODEBUG"),
		CgroupVersion: s.Cgroup.Version,
	}
	if l := s.rt.scalar[mGOMEMLIMIT]; l < math.MaxInt64 {
		st.GOMEMLIMIT = int64(l)
	}
	if gogc > math.MaxInt32 { // GOGC=off reads as uint64(-1)
		st.GOGC = -1
	}
	if s.Cgroup.CPUQuotaMicros > 0 && s.Cgroup.CPUPeriodMicros > 0 {
		st.CPULimitCores = float64(s.Cgroup.CPUQuotaMicros) / float64(s.Cgroup.CPUPeriodMicros)
	}
	if s.Cgroup.MemoryLimitBytes > 0 {
		st.MemoryLimitBytes = s.Cgroup.MemoryLimitBytes
	}
	return st
}
