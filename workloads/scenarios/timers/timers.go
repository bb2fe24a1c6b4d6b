package timers

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// The kinds of timer, as the kind parameter names them (catalog.Timers).
const (
	kindTimer     = catalog.TimerKindTimer
	kindTicker    = catalog.TimerKindTicker
	kindSleep     = catalog.TimerKindSleep
	kindAfterFunc = catalog.TimerKindAfterFunc
	kindMixed     = catalog.TimerKindMixed
)

// mixedKinds are the kinds a mixed run spreads its timers over, in turn.
var mixedKinds = catalog.TimerMixedKinds

// latencyName is the Meter histogram the lateness goes to.
const latencyName = "lateness"

type workload struct {
	timers   int
	kind     string
	interval time.Duration
	busy     int
	work     cpuwork.Work // one busy slice between checks of ctx
}

// New builds the scenario from validated parameters.
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	w := &workload{
		timers:   v.Int("timers"),
		kind:     v.Enum("kind"),
		interval: v.Duration("interval"),
		busy:     v.Int("busy"),
	}
	if w.busy > 0 {
		w.work = cpuwork.For(100 * time.Microsecond) // calibrates now, before the clock starts
	}
	return w, nil
}

// kindOf is the kind of timer i.
func (w *workload) kindOf(i int) string {
	if w.kind == kindMixed {
		return mixedKinds[i%len(mixedKinds)]
	}
	return w.kind
}

// Run starts every timer and busy goroutine and waits until ctx ends and
// all of them have stopped.
func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	fires := m.Counter("fires", "Timer firings observed.")
	shards := newShards(m.Latency(latencyName), w.timers)
	var wg sync.WaitGroup
	for range w.busy {
		wg.Go(func() { spin(ctx, w.work) })
	}
	var chains []*chain
	for i := range w.timers {
		r := newRecorder(shards[i%len(shards)], fires)
		phase := w.interval * time.Duration(i) / time.Duration(w.timers)
		if k := w.kindOf(i); k == kindAfterFunc {
			chains = append(chains, startChain(r, w.interval, phase, &wg))
		} else {
			wg.Go(func() {
				defer r.flush()
				if sleep(ctx, phase) {
					w.wait(ctx, k, r)
				}
			})
		}
	}
	<-ctx.Done()
	for _, c := range chains {
		c.stop()
	}
	wg.Wait()
	for _, c := range chains {
		c.r.flush() // every callback has ended: wg counts them
	}
	return nil
}

// newShards makes the latency shards. A shard is an HDR histogram of
// about 170 KiB, so rather than one per timer, which would cost 170 MiB
// for a thousand, timers share a few: with four per P, two timers that
// record at the same instant rarely share one.
func newShards(l *scenario.Latency, timers int) []*scenario.LatencyShard {
	shards := make([]*scenario.LatencyShard, min(timers, 4*runtime.GOMAXPROCS(0)))
	for i := range shards {
		shards[i] = l.Shard()
	}
	return shards
}

// wait runs one goroutine-driven timer until ctx ends.
func (w *workload) wait(ctx context.Context, kind string, r *recorder) {
	switch kind {
	case kindTimer:
		t := time.NewTimer(w.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case due := <-t.C: // the time the timer was due, not when it was sent
				now := time.Now()
				r.record(now, now.Sub(due))
				t.Reset(w.interval)
			}
		}
	case kindTicker:
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case due := <-t.C:
				now := time.Now()
				r.record(now, now.Sub(due))
			}
		}
	case kindSleep:
		// Sleep cannot be interrupted: the goroutine ends at most one
		// interval after ctx, which bounds interval's Max.
		for ctx.Err() == nil {
			start := time.Now()
			time.Sleep(w.interval)
			now := time.Now()
			r.record(now, now.Sub(start)-w.interval)
		}
	}
}

// sleep waits d and reports true, or reports false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// spin is one busy goroutine: CPU work in slices short enough to notice
// the end of ctx promptly.
func spin(ctx context.Context, work cpuwork.Work) {
	for ctx.Err() == nil {
		cpuwork.Keep(cpuwork.Do(work))
	}
}

// Figures reports the window's firing rate and lateness quantiles.
func (w *workload) Figures(win scenario.Window) map[string]float64 {
	q := win.Latencies[latencyName]
	return map[string]float64{
		"fires/s":    win.Rate("fires"),
		"late-p50-s": q.P50.Seconds(),
		"late-p99-s": q.P99.Seconds(),
		"late-max-s": q.Max.Seconds(),
	}
}
