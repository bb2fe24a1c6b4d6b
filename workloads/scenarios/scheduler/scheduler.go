package scheduler

import (
	"context"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// New builds the scenario from validated parameters.
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	if v.Float("blockFraction")+v.Float("syscallFraction") > 1 {
		return nil, &catalog.ParseError{Scenario: catalog.Scheduler.Name, Param: "syscallFraction",
			Msg: "blockFraction + syscallFraction must be at most 1"}
	}
	return &workload{
		goroutines: v.Int("goroutines"),
		work:       cpuwork.For(v.Duration("work")),
		blockFrac:  v.Float("blockFraction"),
		sysFrac:    v.Float("syscallFraction"),
		blockFor:   v.Duration("blockFor"),
	}, nil
}

type workload struct {
	goroutines int
	work       cpuwork.Work
	blockFrac  float64
	sysFrac    float64
	blockFor   time.Duration

	gate atomic.Pointer[chan struct{}] // closed and replaced every blockFor
}

type kind int

const (
	compute kind = iota
	park
	sleepSyscall
)

// kindOf spreads blocking and syscall tasks evenly and deterministically
// through a round: task i is of a kind when the running share crosses a
// whole number.
func kindOf(i int, blockFrac, sysFrac float64) kind {
	crosses := func(f float64) bool { return int(float64(i+1)*f) > int(float64(i)*f) }
	switch {
	case crosses(blockFrac):
		return park
	case crosses(sysFrac):
		return sleepSyscall
	}
	return compute
}

func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	tasks := m.Counter("tasks", "Tasks completed.")
	rounds := m.Counter("rounds", "Fan-out/fan-in rounds completed.")
	var bg sync.WaitGroup
	if w.blockFrac > 0 {
		g := make(chan struct{})
		w.gate.Store(&g)
		bg.Go(func() { w.releaseGate(ctx) })
	}
	defer bg.Wait()
	kinds := make([]kind, w.goroutines)
	for i := range kinds {
		kinds[i] = kindOf(i, w.blockFrac, w.sysFrac)
	}
	var wg sync.WaitGroup
	for ctx.Err() == nil {
		for _, k := range kinds {
			wg.Go(func() { w.task(k) })
		}
		wg.Wait()
		tasks.Add(uint64(len(kinds)))
		rounds.Add(1)
	}
	return nil
}

func (w *workload) task(k kind) {
	switch k {
	case compute:
		cpuwork.Keep(cpuwork.Do(w.work))
	case park:
		<-*w.gate.Load()
	case sleepSyscall:
		ts := syscall.NsecToTimespec(int64(w.blockFor))
		for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
		}
	}
}

// releaseGate wakes every parked task at once each blockFor, a thundering
// herd onto the run queues. After ctx ends it leaves the gate open so no
// task parks forever.
func (w *workload) releaseGate(ctx context.Context) {
	t := time.NewTicker(w.blockFor)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			open := make(chan struct{})
			close(open)
			close(*w.gate.Swap(&open))
			return
		case <-t.C:
			next := make(chan struct{})
			close(*w.gate.Swap(&next))
		}
	}
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	return map[string]float64{
		"tasks/s":     win.Rate("tasks"),
		"rounds/s":    win.Rate("rounds"),
		"sched-p50-s": win.Runtime.SchedLatencyP50,
		"sched-p99-s": win.Runtime.SchedLatencyP99,
		"threads":     float64(pprof.Lookup("threadcreate").Count()),
	}
}
