package timers

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// The kinds of timer, as the kind parameter names them.
const (
	kindTimer     = "timer"
	kindTicker    = "ticker"
	kindSleep     = "sleep"
	kindAfterFunc = "afterfunc"
	kindMixed     = "mixed"
)

// mixedKinds are the kinds a mixed run spreads its timers over, in turn.
var mixedKinds = []string{kindTimer, kindTicker, kindSleep, kindAfterFunc}

// Spec is the timers scenario's catalogue entry.
var Spec = scenario.Spec{
	Name:    "timers",
	Summary: "many concurrent timers, tickers, sleeps or AfterFuncs; how late they fire, idle and under CPU load",
	Doc: "Runs `timers` timers of one `kind`, each firing every `interval`, their phases spread evenly over one " +
		"interval so they do not all fire at once: timer is a goroutine waiting on time.NewTimer and Reset " +
		"after each firing; ticker a goroutine reading a time.Ticker; sleep a goroutine calling time.Sleep; " +
		"afterfunc a time.AfterFunc whose callback, a new goroutine each time, re-arms it; mixed deals the " +
		"four kinds out in turn. Each firing's lateness (when the goroutine ran less when the timer was due) " +
		"is recorded. `busy` goroutines spin on CPU work meanwhile: a due timer's goroutine still waits for a P, " +
		"and a busy goroutine gives its P up only when preempted, after 10ms, so with fewer Ps than busy " +
		"goroutines lateness grows to tens of milliseconds, about 10ms for each busy goroutine ahead of it.",
	Params: []scenario.Param{
		{Name: "timers", Kind: scenario.Int, Default: "1000", Min: "1", Max: "100000",
			Doc: "concurrent timers"},
		{Name: "kind", Kind: scenario.Enum, Default: kindTimer, Values: append(append([]string(nil), mixedKinds...), kindMixed),
			Doc: "how each timer waits: timer (NewTimer+Reset), ticker, sleep, afterfunc, or mixed (all four spread evenly)"},
		{Name: "interval", Kind: scenario.Duration, Default: "10ms", Min: "10us", Max: "1s",
			Doc: "period of each timer"},
		{Name: "busy", Kind: scenario.Int, Default: "0", Min: "0", Max: "1024",
			Doc: "CPU-bound goroutines competing with the timers for the Ps"},
	},
	Figures: []scenario.Figure{
		{Name: "fires/s", Unit: "1/s", Better: scenario.Higher, Doc: "timer firings observed per second, all timers together"},
		{Name: "late-p50-s", Unit: "s", Better: scenario.Lower, Doc: "median lateness of a firing: when its goroutine ran less when it was due"},
		{Name: "late-p99-s", Unit: "s", Better: scenario.Lower, Doc: "99th percentile lateness"},
		{Name: "late-max-s", Unit: "s", Better: scenario.Lower, Doc: "largest lateness"},
	},
}

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
func New(v scenario.Values, _ scenario.Env) (scenario.Workload, error) {
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
