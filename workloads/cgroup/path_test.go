package cgroup

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPathV2Nested climbs a Kubernetes pod's cgroup v2 hierarchy as a host
// sees it: the container's scope has no CPU limit of its own, the pod's
// slice has one CPU and was throttled in 190 of 200 periods, and Path must
// find the pod's limit and throttling one level up, stopping at the root.
func TestPathV2Nested(t *testing.T) {
	dir := filepath.Join("testdata", "v2-nested")
	pc, _ := os.ReadFile(filepath.Join(dir, "proc-cgroup"))
	mi, _ := os.ReadFile(filepath.Join(dir, "mountinfo"))
	r, err := Find(pc, mi, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := r.Path()
	wantNames := []string{"/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope", "/kubepods.slice/kubepods-pod1.slice", "/kubepods.slice", "/"}
	if len(path) != len(wantNames) {
		t.Fatalf("Path: %d levels, want %d", len(path), len(wantNames))
	}
	for i, want := range wantNames {
		if got := LevelName(path, i); got != want {
			t.Errorf("LevelName(%d) = %q, want %q", i, got, want)
		}
	}
	var got []Stats
	for i, l := range path {
		s, err := l.Read()
		if err != nil {
			t.Fatalf("level %d: %v", i, err)
		}
		got = append(got, s)
	}
	if got[0].CPUQuotaMicros != -1 || got[0].ThrottledPeriods != 0 || got[0].MemoryLimitBytes != -1 {
		t.Errorf("own cgroup: quota %d throttled %d memory %d, want -1 0 -1 (no limits, never throttled)", got[0].CPUQuotaMicros, got[0].ThrottledPeriods, got[0].MemoryLimitBytes)
	}
	if p := got[1]; p.CPUQuotaMicros != 100000 || p.CPUPeriodMicros != 100000 || p.ThrottledPeriods != 190 || p.MemoryLimitBytes != 256<<20 {
		t.Errorf("pod: quota %d/%d throttled %d memory %d, want 100000/100000 190 %d", p.CPUQuotaMicros, p.CPUPeriodMicros, p.ThrottledPeriods, p.MemoryLimitBytes, 256<<20)
	}
	if top := got[3]; top.CPUQuotaMicros != -1 || top.HasMemory {
		t.Errorf("root: quota %d HasMemory %v, want -1 false (the root has no cpu.max and no memory.current)", top.CPUQuotaMicros, top.HasMemory)
	}
}

// TestPathStopsAtWhatIsVisible checks that a container that sees only its
// own cgroup gets itself alone, and that v1 hierarchies of different depths
// pair their ancestors level by level.
func TestPathStopsAtWhatIsVisible(t *testing.T) {
	dir := filepath.Join("testdata", "v2-container")
	pc, _ := os.ReadFile(filepath.Join(dir, "proc-cgroup"))
	mi, _ := os.ReadFile(filepath.Join(dir, "mountinfo"))
	r, err := Find(pc, mi, dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Path()); n != 1 {
		t.Errorf("container with a cgroup namespace: Path has %d levels, want 1", n)
	}

	tmp := t.TempDir()
	mk := func(dir, marker string) string {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, marker), []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cpuTop := filepath.Join(tmp, "cpu")
	mk(cpuTop, markerCPUV1)
	mk(filepath.Join(cpuTop, "a"), markerCPUV1)
	cpu := mk(filepath.Join(cpuTop, "a", "b"), markerCPUV1)
	mem := mk(filepath.Join(tmp, "memory"), markerMemoryV1) // the memory hierarchy shows only the own cgroup
	path := NewV1(cpu, "", mem).Path()
	if len(path) != 3 {
		t.Fatalf("Path: %d levels, want 3 (the cpu hierarchy's depth)", len(path))
	}
	for i, want := range [][3]string{{cpu, "", mem}, {filepath.Join(cpuTop, "a"), "", ""}, {cpuTop, "", ""}} {
		c, a, m := path[i].Dirs()
		if [3]string{c, a, m} != want {
			t.Errorf("level %d dirs: %q %q %q, want %q", i, c, a, m, want)
		}
	}
	if got := LevelName(path, 0); got != "/a/b" {
		t.Errorf("LevelName(0) = %q, want /a/b", got)
	}
}
