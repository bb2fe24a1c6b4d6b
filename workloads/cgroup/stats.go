package cgroup

// Stats is one reading of a cgroup's CPU and memory files.
//
// Counters are kept in the kernel's native units converted to nanoseconds
// and bytes so that v1 and v2 readings can be compared and subtracted
// without the caller knowing which version produced them.
type Stats struct {
	// Version is 1 or 2, or 0 when no cpu/memory controller was found, in
	// which case nothing limits the process and both limits read as -1.
	Version int

	// CPUQuotaMicros is -1 when unlimited (v1 cfs_quota_us = -1, v2 cpu.max
	// "max", or no cpu.max at all as in a v2 root cgroup). CPUPeriodMicros
	// is 0 when no period file exists, because inventing the kernel default
	// would hide that nothing was read.
	CPUQuotaMicros  int64
	CPUPeriodMicros int64
	// CPUUsageNanos comes from v1 cpuacct.usage (ns) or v2 cpu.stat
	// usage_usec*1000. On v1 it is filled from the cpuacct hierarchy even
	// when the cpu controller is absent.
	CPUUsageNanos uint64
	// Periods and ThrottledPeriods are cpu.stat nr_periods and nr_throttled.
	Periods          uint64
	ThrottledPeriods uint64
	// ThrottledNanos is v1 cpu.stat throttled_time (ns) or v2
	// throttled_usec*1000.
	ThrottledNanos uint64

	// MemoryLimitBytes is -1 when unlimited: v2 "max" or no memory.max, and
	// v1 values >= 1<<62, because v1 reports "no limit" as the page-rounded
	// maximum (9223372036854771712) rather than as a sentinel.
	MemoryLimitBytes int64
	// MemoryUsageBytes is v1 memory.usage_in_bytes or v2 memory.current.
	MemoryUsageBytes uint64
	// MemoryPeakBytes is v1 memory.max_usage_in_bytes or v2 memory.peak; it
	// is 0 on kernels older than 5.19, which have no memory.peak.
	MemoryPeakBytes uint64
	// OOMEvents is v2 memory.events "oom" (the limit was hit and reclaim
	// failed). v1 does not expose it, so it stays 0 there.
	OOMEvents uint64
	// OOMKills is v1 memory.oom_control "oom_kill" or v2 memory.events
	// "oom_kill": the number of processes the OOM killer chose in this
	// cgroup.
	OOMKills uint64

	// CPUPressure and MemoryPressure are nil when the PSI file is absent or
	// PSI is disabled; v1 has no per-cgroup PSI at all.
	CPUPressure    *Pressure
	MemoryPressure *Pressure

	// HasCPU reports that the cpu controller's files (quota, period or
	// cpu.stat) were found and read, so a -1 quota means "unlimited" rather
	// than "unknown".
	HasCPU bool
	// HasMemory reports that the memory controller's files were found and
	// read, with the same purpose for MemoryLimitBytes.
	HasMemory bool
}

// Pressure is one PSI file (cpu.pressure or memory.pressure). Throttling
// counters only say the quota was hit; pressure says how long runnable work
// actually waited, which is what latency-sensitive workloads feel.
type Pressure struct {
	Some PressureLine
	// Full is zero when the file has no "full" line (cpu.pressure before
	// Linux 5.13).
	Full PressureLine
}

// PressureLine is one "some" or "full" line of a PSI file. The averages are
// percentages of wall time over 10s, 60s and 300s windows; TotalMicros is the
// cumulative stall time, which is what to diff between two readings.
type PressureLine struct {
	Avg10, Avg60, Avg300 float64
	TotalMicros          uint64
}
