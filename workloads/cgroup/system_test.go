package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestSelf reads the cgroup this test binary runs in, so that a change in
// path discovery that only fixtures would not catch (new mount layouts,
// kernels adding keys) shows up on the machines the workload runs on.
func TestSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/cgroup"); err != nil {
		t.Skipf("no /proc/self/cgroup, so not Linux or /proc not mounted: %v", err)
	}
	r, err := Self()
	if err != nil {
		t.Fatalf("Self: %v", err)
	}
	cpu, cpuacct, mem := r.Dirs()
	t.Logf("version %d: cpu=%q cpuacct=%q memory=%q", r.Version(), cpu, cpuacct, mem)
	s, err := r.Read()
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	t.Logf("%s", dump(s))
	if s.Version != 1 && s.Version != 2 {
		t.Errorf("Read().Version: got %d, want 1 or 2", s.Version)
	}
	if s.Version != r.Version() {
		t.Errorf("Read().Version: got %d, want Version() = %d", s.Version, r.Version())
	}
	if !s.HasCPU && !s.HasMemory {
		t.Errorf("Read: got neither HasCPU nor HasMemory, want at least one")
	}
}

// TestRealV1Cgroup creates a v1 cgroup with known limits and reads it back,
// which is the only way to check the parsers against what a kernel writes
// for a limit that was actually set rather than what a fixture claims.
func TestRealV1Cgroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a cgroup needs root")
	}
	name := fmt.Sprintf("runtimelab-cgtest-%d", os.Getpid())
	cpuDir := mkCgroup(t, "/sys/fs/cgroup/cpu", name, "cpu.cfs_quota_us")
	memDir := mkCgroup(t, "/sys/fs/cgroup/memory", name, "memory.limit_in_bytes")
	writeCgroupFile(t, filepath.Join(cpuDir, "cpu.cfs_quota_us"), "50000")
	writeCgroupFile(t, filepath.Join(memDir, "memory.limit_in_bytes"), "67108864")

	// cpuacct.usage is only in cpuDir when cpu and cpuacct are co-mounted;
	// passing cpuDir either way also checks that its absence is tolerated.
	got, err := NewV1(cpuDir, cpuDir, memDir).Read()
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got.Version != 1 || !got.HasCPU || !got.HasMemory {
		t.Errorf("Read: got Version %d HasCPU %v HasMemory %v, want 1 true true", got.Version, got.HasCPU, got.HasMemory)
	}
	if got.CPUQuotaMicros != 50000 {
		t.Errorf("CPUQuotaMicros: got %d, want 50000", got.CPUQuotaMicros)
	}
	if got.CPUPeriodMicros != 100000 {
		t.Errorf("CPUPeriodMicros: got %d, want 100000", got.CPUPeriodMicros)
	}
	if got.MemoryLimitBytes != 67108864 {
		t.Errorf("MemoryLimitBytes: got %d, want 67108864", got.MemoryLimitBytes)
	}
}

// mkCgroup creates name under a v1 hierarchy mounted at parent and removes
// it when the test ends. It skips rather than fails when the hierarchy is
// missing or not writable, because that describes the machine, not a bug.
func mkCgroup(t *testing.T, parent, name, probe string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(parent, probe)); err != nil {
		t.Skipf("%s is not a writable cgroup v1 hierarchy: %v", parent, err)
	}
	dir := filepath.Join(parent, name)
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		t.Fatalf("%s already exists, left over from an earlier run; rmdir it", dir)
	}
	if err != nil {
		t.Skipf("cannot create a cgroup under %s: %v", parent, err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing test cgroup: %v", err)
		}
	})
	return dir
}

func writeCgroupFile(t *testing.T, path, value string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

// TestRealV1Path makes the shape Kubernetes makes for a pod-level limit on
// cgroup v1: a parent with a quota of half a CPU and a child without one,
// burns CPU in the child, and checks that Path reads the parent's quota and
// its throttling one level up while the child's own counters say nothing.
func TestRealV1Path(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a cgroup needs root")
	}
	name := fmt.Sprintf("runtimelab-cgpath-%d", os.Getpid())
	parent := mkCgroup(t, "/sys/fs/cgroup/cpu", name, "cpu.cfs_quota_us")
	child := mkCgroup(t, parent, "ctr", "cpu.cfs_quota_us")
	writeCgroupFile(t, filepath.Join(parent, "cpu.cfs_quota_us"), "50000")

	cmd := exec.Command("/bin/sh", "-c", `echo $$ > "$1/cgroup.procs" && exec sh -c 'while :; do :; done'`, "burn", child)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(time.Second) // ten periods, each of which the burner overruns

	path := NewV1(child, "", "").Path()
	if len(path) < 3 {
		t.Fatalf("Path: %d levels, want the child, the parent and the root at least", len(path))
	}
	own, err := path[0].Read()
	if err != nil {
		t.Fatal(err)
	}
	up, err := path[1].Read()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("child: quota %d, %d of %d periods throttled; parent: quota %d, %d of %d periods throttled, %.2f s",
		own.CPUQuotaMicros, own.ThrottledPeriods, own.Periods, up.CPUQuotaMicros, up.ThrottledPeriods, up.Periods, float64(up.ThrottledNanos)/1e9)
	if own.CPUQuotaMicros != -1 || own.ThrottledPeriods != 0 {
		t.Errorf("child: quota %d, throttled %d, want -1 and 0: the child has no quota of its own", own.CPUQuotaMicros, own.ThrottledPeriods)
	}
	if up.CPUQuotaMicros != 50000 || up.ThrottledPeriods < 3 {
		t.Errorf("parent: quota %d, throttled %d periods, want 50000 and at least 3 of the ~10 a busy loop overruns", up.CPUQuotaMicros, up.ThrottledPeriods)
	}
	if got, want := LevelName(path, 0), "/"+name+"/ctr"; got != want {
		t.Errorf("LevelName(0) = %q, want %q", got, want)
	}
}
