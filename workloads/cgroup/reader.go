package cgroup

import (
	"fmt"
	"os"
)

// v1Unlimited is the threshold above which a v1 memory limit means "none".
// v1 prints an unset limit as PAGE_COUNTER_MAX pages in bytes
// (9223372036854771712 with 4 KiB pages, other values with larger pages), so
// comparing against one magic number would break on arm64 64 KiB kernels.
const v1Unlimited = 1 << 62

// Reader reads the files of one cgroup. It holds only directory names, not
// open files, so it stays valid (and cheap) across many Read calls and never
// pins a cgroup that the orchestrator wants to remove.
type Reader struct {
	version    int
	cpuDir     string
	cpuacctDir string
	memoryDir  string
}

// NewV1 returns a Reader for a v1 cgroup whose controller directories are
// given. They are separate because v1 mounts each controller (or group of
// controllers) as its own hierarchy; cpuacctDir may equal cpuDir when they
// are co-mounted as "cpu,cpuacct". An empty string means the controller is
// absent and its fields are left unset.
func NewV1(cpuDir, cpuacctDir, memoryDir string) *Reader {
	return &Reader{version: 1, cpuDir: cpuDir, cpuacctDir: cpuacctDir, memoryDir: memoryDir}
}

// NewV2 returns a Reader for a v2 cgroup directory; v2 has a single
// hierarchy, so one directory holds every controller's files.
func NewV2(dir string) *Reader {
	return &Reader{version: 2, cpuDir: dir, cpuacctDir: dir, memoryDir: dir}
}

// Version reports 1 or 2, or 0 when Find found no cgroup with a cpu or
// memory controller, so callers can tell "unlimited" from "not contained".
func (r *Reader) Version() int { return r.version }

// Dirs reports the directories read, for messages that let a person check
// the numbers with cat. For v2 the same directory is returned three times.
func (r *Reader) Dirs() (cpu, cpuacct, memory string) {
	return r.cpuDir, r.cpuacctDir, r.memoryDir
}

// Read reads every file once and returns a fresh Stats; cumulative counters
// are meant to be diffed between two Reads. A missing optional file
// (memory.peak, PSI, cpuacct.usage, and v2 cpu.max/memory.max in the root
// cgroup) is not an error; a present file that does not parse is an error
// naming the file. On error the zero Stats is returned, because a
// half-filled reading would look like a plausible one.
func (r *Reader) Read() (Stats, error) {
	s := Stats{Version: r.version, CPUQuotaMicros: -1, MemoryLimitBytes: -1}
	var err error
	switch r.version {
	case 1:
		err = r.readV1(&s)
	case 2:
		err = r.readV2(&s)
	}
	if err != nil {
		return Stats{}, err
	}
	return s, nil
}

func (r *Reader) readV1(s *Stats) error {
	if r.cpuDir != "" {
		if err := readV1CPU(r.cpuDir, s); err != nil {
			return err
		}
	}
	if r.cpuacctDir != "" {
		d := dirReader{dir: r.cpuacctDir}
		s.CPUUsageNanos, _ = d.uint("cpuacct.usage", optional)
		if d.err != nil {
			return d.err
		}
	}
	if r.memoryDir != "" {
		return readV1Memory(r.memoryDir, s)
	}
	return nil
}

func readV1CPU(dir string, s *Stats) error {
	d := dirReader{dir: dir}
	quota, _ := d.int("cpu.cfs_quota_us", required)
	period, _ := d.int("cpu.cfs_period_us", required)
	d.flat("cpu.stat", required, map[string]*uint64{
		"nr_periods":     &s.Periods,
		"nr_throttled":   &s.ThrottledPeriods,
		"throttled_time": &s.ThrottledNanos,
	})
	if d.err != nil {
		return d.err
	}
	if period <= 0 || quota == 0 {
		return fmt.Errorf("cgroup %s: quota %d per period %d: the kernel writes a positive period, and a positive quota or -1", dir, quota, period)
	}
	if quota < 0 {
		quota = -1 // the kernel only ever writes -1, but any negative means no quota
	}
	s.CPUQuotaMicros, s.CPUPeriodMicros, s.HasCPU = quota, period, true
	return nil
}

func readV1Memory(dir string, s *Stats) error {
	d := dirReader{dir: dir}
	limit, _ := d.int("memory.limit_in_bytes", required)
	s.MemoryUsageBytes, _ = d.uint("memory.usage_in_bytes", required)
	s.MemoryPeakBytes, _ = d.uint("memory.max_usage_in_bytes", required)
	// oom_kill only exists since Linux 4.13; a missing key leaves 0.
	d.flat("memory.oom_control", required, map[string]*uint64{"oom_kill": &s.OOMKills})
	if d.err != nil {
		return d.err
	}
	if limit == 0 {
		return fmt.Errorf("cgroup %s: memory.limit_in_bytes 0: the kernel writes a positive limit", dir)
	}
	if limit < 0 || limit >= v1Unlimited {
		limit = -1
	}
	s.MemoryLimitBytes, s.HasMemory = limit, true
	return nil
}

// readV2 treats every file as optional because which ones exist depends on
// the controllers enabled in the parent's subtree_control and on whether
// this is the root cgroup. The directory itself must exist, so that a wrong
// path is an error instead of a reading with nothing in it.
func (r *Reader) readV2(s *Stats) error {
	if _, err := os.Stat(r.cpuDir); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	d := dirReader{dir: r.cpuDir}
	readV2CPU(&d, s)
	readV2Memory(&d, s)
	s.CPUPressure = d.pressure("cpu.pressure")
	s.MemoryPressure = d.pressure("memory.pressure")
	return d.err
}

func readV2CPU(d *dirReader, s *Stats) {
	if b, ok := d.file("cpu.max", optional); ok {
		quota, period, err := parseCPUMax(b)
		if d.fail("cpu.max", err) {
			s.CPUQuotaMicros, s.CPUPeriodMicros, s.HasCPU = quota, period, true
		}
	}
	var usage, throttled uint64
	if d.flat("cpu.stat", optional, map[string]*uint64{
		"usage_usec":     &usage,
		"nr_periods":     &s.Periods,
		"nr_throttled":   &s.ThrottledPeriods,
		"throttled_usec": &throttled,
	}) {
		s.HasCPU = true
	}
	s.CPUUsageNanos, s.ThrottledNanos = usage*1000, throttled*1000
}

func readV2Memory(d *dirReader, s *Stats) {
	if b, ok := d.file("memory.max", optional); ok {
		limit, err := parseMemoryMax(b)
		if d.fail("memory.max", err) {
			s.MemoryLimitBytes = limit
		}
	}
	// memory.current is the file every non-root cgroup with the memory
	// controller has, so it alone decides HasMemory.
	if v, ok := d.uint("memory.current", optional); ok {
		s.MemoryUsageBytes, s.HasMemory = v, true
	}
	s.MemoryPeakBytes, _ = d.uint("memory.peak", optional)
	d.flat("memory.events", optional, map[string]*uint64{
		"oom":      &s.OOMEvents,
		"oom_kill": &s.OOMKills,
	})
}
