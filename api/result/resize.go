package result

// MaxSegments bounds Summary.Limits: the window's first stretch and the
// stretches after the first MaxSegments-1 limit changes.
const MaxSegments = 4

// Segment is a stretch of the measured window under one set of the run's
// own cgroup limits: the window's start, then each time a limit changed
// in place (a Kubernetes in-place resize, the local executor's
// spec.resizes, a person writing cpu.max), and what the Go runtime and
// the run did under it. The Go runtime re-reads its CPU limit about once
// a second (sysmon, runtime.sysmonUpdateGOMAXPROCS; GODEBUG
// updatemaxprocs=0 stops it) and changes GOMAXPROCS when its rule gives
// another value; nothing in it reads a memory limit, so GOMEMLIMIT stays
// where it was.
type Segment struct {
	// AtS is when it began, in seconds from the window's start (the
	// first is 0; a change is seen within the watch's 100 ms).
	AtS float64 `json:"atS"`
	// CPULimitCores and MemoryLimitBytes are the run's own cgroup's limits
	// in it; 0 when none.
	CPULimitCores    float64 `json:"cpuLimit,omitempty"`
	MemoryLimitBytes int64   `json:"memLimit,omitempty"`
	// GOMAXPROCS is what it was at the segment's end, GOMAXPROCSWant what
	// the runtime's rule gives for the segment's CPU limit
	// (GOMAXPROCSFor; 0 when GOMAXPROCS was set by hand and the runtime
	// does not follow limits), and GOMAXPROCSAfterS how long after the
	// segment began GOMAXPROCS changed (absent when it did not).
	GOMAXPROCS       int     `json:"procs"`
	GOMAXPROCSWant   int     `json:"procsWant,omitempty"`
	GOMAXPROCSAfterS float64 `json:"procsAfterS,omitempty"`
	// GOMEMLIMIT is the soft memory limit at the segment's end (MaxInt64
	// when unset).
	GOMEMLIMIT int64 `json:"gomemlimit"`
	// Cores, ThrottledRatio and SchedP99 are the run's own CPU use,
	// throttled share of periods and scheduling latency p99 in it.
	Cores          float64 `json:"cores"`
	ThrottledRatio float64 `json:"throttledRatio"`
	SchedP99       float64 `json:"schedP99"`
}
