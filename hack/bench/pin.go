package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"

	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

// pinning runs each measured process — a bare benchmark or a workload —
// alone in a cgroup of cpus CPUs with GOMAXPROCS set to match, so it does
// not compete with the bench's own scraper and Pyroscope sink, and every
// run has the same CPU budget. Without cgroups (not root) processes run
// unpinned, and the header says so.
type pinning struct {
	cpus int
	why  string // why there is no pinning; "" when there is
	n    atomic.Int64
}

func newPinning(cpus int) *pinning {
	p := &pinning{cpus: cpus}
	switch {
	case cpus <= 0:
		p.why = "--cpus 0"
	default:
		if err := sandbox.Probe("bench"); err != nil {
			p.why = err.Error()
		}
	}
	return p
}

func (p *pinning) pinned() bool { return p.why == "" }

func (p *pinning) String() string {
	if !p.pinned() {
		return "unpinned (" + p.why + ")"
	}
	return fmt.Sprintf("each measured process alone in a %d-CPU cgroup with GOMAXPROCS=%d", p.cpus, p.cpus)
}

// command returns cmd for name and args, in a fresh cgroup when pinning,
// and the function that removes that cgroup once the process has exited.
func (p *pinning) command(name string, args ...string) (*exec.Cmd, func(), error) {
	if !p.pinned() {
		return exec.Command(name, args...), func() {}, nil
	}
	sb, err := sandbox.New(fmt.Sprintf("bench-%d-%d", os.Getpid(), p.n.Add(1)),
		sandbox.Limits{CPUQuotaMicros: int64(p.cpus) * sandbox.DefaultPeriodMicros})
	if err != nil {
		return nil, nil, fmt.Errorf("bench cgroup: %w", err)
	}
	cmd := sb.Command(name, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(p.cpus))
	return cmd, func() { sb.Delete() }, nil
}
