package cgroup

import (
	"os"
	"path/filepath"
	"strings"
)

// MaxLevels bounds how far Path climbs: Kubernetes nests a container five
// levels deep (root, kubepods, QoS class, pod, container), so more than this
// is a loop or a filesystem that is not a cgroup hierarchy.
const MaxLevels = 16

// marker files: a directory is a cgroup of a hierarchy when it holds the
// file every cgroup of that controller has. The mount point's parent (a
// tmpfs on v1, sysfs on v2) has none of them, which is where Path stops.
const (
	markerCPUV1     = "cpu.cfs_period_us"
	markerCPUAcctV1 = "cpuacct.usage"
	markerMemoryV1  = "memory.limit_in_bytes"
	markerV2        = "cgroup.controllers"
)

// Path returns a Reader for the process's cgroup and one for each ancestor
// it can see, its own first and the highest last. Limits and throttling
// above the process's own cgroup are enforced on it all the same: a pod's
// CPU limit is a quota on the pod's cgroup shared by its containers, and a
// parent's quota throttles every child when their sum reaches it. The Go
// runtime reads only its own cgroup's cpu.max or cpu.cfs_quota_us
// (internal/runtime/cgroup.OpenCPU, used by runtime.adjustCgroupGOMAXPROCS),
// so what Path finds above is what the runtime never saw.
//
// How far up it can see depends on how the hierarchy is mounted: on a host
// or under the local executor up to the root; in a container usually only
// its own cgroup (a v2 cgroup namespace, or a v1 bind mount of the
// container's subtree), and then Path returns r alone. On v1 each
// controller's hierarchy is climbed separately and level i pairs the i-th
// ancestor of each; a controller whose hierarchy is shallower is absent at
// the levels above its top.
func (r *Reader) Path() []*Reader {
	var cpu, cpuacct, mem []string
	switch r.version {
	case 1:
		cpu = climb(r.cpuDir, markerCPUV1)
		cpuacct = climb(r.cpuacctDir, markerCPUAcctV1)
		mem = climb(r.memoryDir, markerMemoryV1)
	case 2:
		cpu = climb(r.cpuDir, markerV2)
		cpuacct, mem = cpu, cpu
	default:
		return []*Reader{r}
	}
	n := max(len(cpu), len(cpuacct), len(mem), 1)
	out := []*Reader{r}
	for i := 1; i < n; i++ {
		out = append(out, &Reader{version: r.version, cpuDir: at(cpu, i), cpuacctDir: at(cpuacct, i), memoryDir: at(mem, i)})
	}
	return out
}

// LevelName is the cgroup's path as seen from the highest cgroup of the
// same hierarchy that is visible ("/" for that one, "/kubepods/pod…" for a
// pod's on a host), given the dirs Path's Readers hold for the cpu (or,
// without one, the memory) controller.
func LevelName(path []*Reader, i int) string {
	dir := func(r *Reader) string {
		if r.cpuDir != "" {
			return r.cpuDir
		}
		return r.memoryDir
	}
	top := dir(path[len(path)-1])
	rel, err := filepath.Rel(top, dir(path[i]))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "/"
	}
	return "/" + rel
}

// climb lists dir and its ancestors that are cgroups of the same hierarchy.
func climb(dir, marker string) []string {
	if dir == "" {
		return nil
	}
	out := []string{dir}
	for len(out) < MaxLevels {
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		if _, err := os.Stat(filepath.Join(up, marker)); err != nil {
			break
		}
		out = append(out, up)
		dir = up
	}
	return out
}

func at(dirs []string, i int) string {
	if i < len(dirs) {
		return dirs[i]
	}
	return ""
}
