package cgroup

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// seedDir adds every file of a fixture directory as a seed.
func seedFiles(f *testing.F, dir string) [][]byte {
	var out [][]byte
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && !e.IsDir() {
			out = append(out, b)
		}
	}
	return out
}

// checkStats is what any successful Read promises, whatever the files
// held: no negative counter turned into a huge one, limits -1 or positive.
func checkStats(t *testing.T, s Stats) {
	t.Helper()
	if s.CPUQuotaMicros < -1 || s.CPUQuotaMicros == 0 || s.MemoryLimitBytes < -1 || s.MemoryLimitBytes == 0 {
		t.Errorf("limits: quota %d, memory %d: want -1 (none) or positive", s.CPUQuotaMicros, s.MemoryLimitBytes)
	}
	for _, p := range []*Pressure{s.CPUPressure, s.MemoryPressure} {
		if p != nil && (math.IsNaN(p.Some.Avg10) || p.Some.Avg10 < 0) {
			t.Errorf("pressure %+v: want finite, non-negative averages", p)
		}
	}
}

// FuzzV2Files writes fuzzed contents into a cgroup v2 directory's files
// (cpu.max, cpu.stat, memory.max, memory.events, the pressure files...)
// and reads it: Read never panics, and what it returns is sane.
func FuzzV2Files(f *testing.F) {
	names := []string{"cpu.max", "cpu.stat", "cpu.pressure", "memory.current", "memory.max", "memory.peak", "memory.events", "memory.pressure"}
	for _, b := range seedFiles(f, "testdata/v2-container/sys/fs/cgroup") {
		f.Add(uint8(0), b)
	}
	f.Add(uint8(0), []byte("max 100000\n"))
	f.Add(uint8(4), []byte("max\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		fixture := "testdata/v2-container/sys/fs/cgroup"
		for _, n := range names {
			b, _ := os.ReadFile(filepath.Join(fixture, n))
			os.WriteFile(filepath.Join(dir, n), b, 0o644)
		}
		os.WriteFile(filepath.Join(dir, names[int(which)%len(names)]), data, 0o644)
		if s, err := NewV2(dir).Read(); err == nil {
			checkStats(t, s)
		}
	})
}

// FuzzV1Files does the same for cgroup v1's controller directories.
func FuzzV1Files(f *testing.F) {
	cpu := []string{"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.stat", "cpuacct.usage"}
	mem := []string{"memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.oom_control", "memory.usage_in_bytes"}
	root := "testdata/v1-container/sys/fs/cgroup"
	for _, b := range append(seedFiles(f, filepath.Join(root, "cpu,cpuacct")), seedFiles(f, filepath.Join(root, "memory"))...) {
		f.Add(uint8(0), b)
	}
	f.Add(uint8(4), []byte("9223372036854771712\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		cpuDir, memDir := filepath.Join(t.TempDir(), "cpu"), filepath.Join(t.TempDir(), "memory")
		os.MkdirAll(cpuDir, 0o755)
		os.MkdirAll(memDir, 0o755)
		for _, n := range cpu {
			b, _ := os.ReadFile(filepath.Join(root, "cpu,cpuacct", n))
			os.WriteFile(filepath.Join(cpuDir, n), b, 0o644)
		}
		for _, n := range mem {
			b, _ := os.ReadFile(filepath.Join(root, "memory", n))
			os.WriteFile(filepath.Join(memDir, n), b, 0o644)
		}
		all := append(append([]string(nil), cpu...), mem...)
		n := all[int(which)%len(all)]
		dir := cpuDir
		if int(which)%len(all) >= len(cpu) {
			dir = memDir
		}
		os.WriteFile(filepath.Join(dir, n), data, 0o644)
		if s, err := NewV1(cpuDir, cpuDir, memDir).Read(); err == nil {
			checkStats(t, s)
		}
	})
}

// FuzzFind fuzzes the /proc/self/cgroup and mountinfo parsers that locate
// a process's cgroup, v1 or v2.
func FuzzFind(f *testing.F) {
	for _, fx := range []string{"v1-container", "v1-host", "v2-container", "v2-host", "v2-root", "v1-unlimited", "v2-nopeak"} {
		cg, _ := os.ReadFile(filepath.Join("testdata", fx, "proc-cgroup"))
		mi, _ := os.ReadFile(filepath.Join("testdata", fx, "mountinfo"))
		f.Add(cg, mi)
	}
	f.Fuzz(func(t *testing.T, cg, mi []byte) {
		r, err := Find(cg, mi, t.TempDir())
		if err == nil && r == nil {
			t.Error("Find returned neither a reader nor an error")
		}
	})
}

// FuzzMemTotal fuzzes the /proc/meminfo parser of the memory guard.
func FuzzMemTotal(f *testing.F) {
	f.Add([]byte("MemTotal:       24608292 kB\nMemFree: 1 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := parseMemTotal(b); err == nil && n <= 0 {
			t.Errorf("parsed %d bytes without an error", n)
		}
	})
}
