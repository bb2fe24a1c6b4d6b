package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/probe"
)

// errNoPID: no process to observe was given (a cluster run: the service
// is another pod, whose cgroup this container cannot see).
var errNoPID = errors.New("no --observe-pid: the service runs where this process cannot see its cgroup")

// containerOf returns a probe of pid's cgroup (cgroupOf).
func containerOf(pid int) (*probe.Probe, error) {
	r, err := cgroupOf(pid)
	if err != nil {
		return nil, err
	}
	return probe.New(r), nil
}

// cgroupOf finds pid's cgroup as the runtime finds its own: from
// /proc/<pid>/cgroup and this process's mountinfo (both processes share
// the host's cgroup namespace on a local run).
func cgroupOf(pid int) (*cgroup.Reader, error) {
	if pid <= 0 {
		return nil, errNoPID
	}
	cg, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, fmt.Errorf("the service's cgroup: %w", err)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("the service's cgroup: %w", err)
	}
	r, err := cgroup.Find(cg, mi, "")
	if err != nil {
		return nil, fmt.Errorf("the service's cgroup: %w", err)
	}
	if r.Version() == 0 {
		return nil, errors.New("the service's cgroup: no cpu or memory hierarchy is mounted here")
	}
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("the service's cgroup: %w", err)
	}
	return r, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// processCPU is pid's user+system CPU time in seconds, from
// /proc/<pid>/stat (fields 14 and 15, counted after the parenthesised
// command, which may hold spaces).
func processCPU(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 { // state is field 3, utime 14, stime 15
		return 0, false
	}
	u, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	s, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+s) / clockTicks, true
}

// cpusOf is how many CPUs pid may run on (its affinity mask), 0 when
// unknown.
func cpusOf(pid int) int {
	var set unix.CPUSet
	if pid <= 0 || unix.SchedGetaffinity(pid, &set) != nil {
		return 0
	}
	return set.Count()
}
