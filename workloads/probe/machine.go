package probe

import (
	"github.com/prometheus/procfs"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// machineSample is the machine-wide CPU accounting at one instant, from
// /proc/stat and /proc/pressure/cpu. Both are the node's, also inside a
// container: what every process on the machine did, the run's neighbours
// included.
type machineSample struct {
	ok bool
	// CPUs is the number of CPUs /proc/stat lists.
	cpus int
	// busy is the CPU time spent in user, nice, system, irq and softirq
	// over all CPUs, in seconds (guest time is counted in user already);
	// steal is the time the hypervisor ran other guests instead.
	busy, steal float64
	// someMicros is PSI's cpu "some" total: how long at least one runnable
	// task waited for a CPU. hasPSI is false when the kernel has no PSI.
	someMicros uint64
	hasPSI     bool
}

var procFS, procFSErr = procfs.NewDefaultFS()

func readMachine() machineSample {
	if procFSErr != nil {
		return machineSample{}
	}
	st, err := procFS.Stat()
	if err != nil {
		return machineSample{}
	}
	t := st.CPUTotal
	m := machineSample{ok: true, cpus: len(st.CPU), busy: t.User + t.Nice + t.System + t.IRQ + t.SoftIRQ, steal: t.Steal}
	if psi, err := procFS.PSIStatsForResource("cpu"); err == nil && psi.Some != nil {
		m.someMicros, m.hasPSI = psi.Some.Total, true
	}
	return m
}

// Machine computes how busy the rest of the machine was over the window
// from a to b: the CPU everything but the run used (the machine's busy time
// minus own, the run's own CPU seconds in the window), the share of the
// machine's CPU time stolen by the hypervisor, and the share of the window
// in which some task waited for a CPU. Zero without /proc/stat.
func Machine(a, b Sample, own float64) result.Machine {
	ma, mb := a.machine, b.machine
	secs := b.At.Sub(a.At).Seconds()
	if !ma.ok || !mb.ok || secs <= 0 {
		return result.Machine{}
	}
	m := result.Machine{CPUs: mb.cpus, OtherCores: max(mb.busy-ma.busy-own, 0) / secs}
	if mb.cpus > 0 {
		// /proc/stat counts in clock ticks (10 ms), the window and the
		// run's own CPU do not: on a saturated machine the difference can
		// pass the CPUs there are by a tick or two. No more can be used.
		m.OtherCores = min(m.OtherCores, float64(mb.cpus))
		m.StealFrac = min(max(mb.steal-ma.steal, 0)/(secs*float64(mb.cpus)), 1)
	}
	if ma.hasPSI && mb.hasPSI && mb.someMicros >= ma.someMicros {
		some := min(float64(mb.someMicros-ma.someMicros)/1e6/secs, 1)
		m.CPUSomeFrac = &some
	}
	return m
}
