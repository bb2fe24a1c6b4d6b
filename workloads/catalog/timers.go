package catalog

import (
	"fmt"
)

// The kinds of timer the timers scenario runs, as its kind parameter names
// them.
const (
	TimerKindTimer     = "timer"
	TimerKindTicker    = "ticker"
	TimerKindSleep     = "sleep"
	TimerKindAfterFunc = "afterfunc"
	TimerKindMixed     = "mixed"
)

// TimerMixedKinds are the kinds a mixed timers run deals out in turn.
var TimerMixedKinds = []string{TimerKindTimer, TimerKindTicker, TimerKindSleep, TimerKindAfterFunc}

// Timers is the timers scenario's catalogue entry.
var Timers = Spec{
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
	Memory: timersMemory,
	Params: []Param{
		{Name: "timers", Kind: Int, Default: "1000", Min: "1", Max: "100000",
			Doc: "concurrent timers"},
		{Name: "kind", Kind: Enum, Default: TimerKindTimer, Values: append(append([]string(nil), TimerMixedKinds...), TimerKindMixed),
			Doc: "how each timer waits: timer (NewTimer+Reset), ticker, sleep, afterfunc, or mixed (all four spread evenly)"},
		{Name: "interval", Kind: Duration, Default: "10ms", Min: "10us", Max: "1s",
			Doc: "period of each timer"},
		{Name: "busy", Kind: Int, Default: "0", Min: "0", Max: "1024",
			Doc: "CPU-bound goroutines competing with the timers for the Ps"},
	},
	Headline: []string{"fires/s", "late-p99-s"},
	Figures: []Figure{
		{Name: "fires/s", Unit: "1/s", Better: Higher, Doc: "timer firings observed per second, all timers together"},
		{Name: "late-p50-s", Unit: "s", Better: Lower, Doc: "median lateness of a firing: when its goroutine ran less when it was due"},
		{Name: "late-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile lateness"},
		{Name: "late-max-s", Unit: "s", Better: Lower, Doc: "largest lateness"},
	},
}

// timersMemory: a goroutine per timer (an AfterFunc's lives only while it
// runs, but they may overlap), and one per busy goroutine.
func timersMemory(v Values, _ MemoryInput) Need {
	n, busy := int64(v.Int("timers")), int64(v.Int("busy"))
	return Need{satMul(n+busy, goroutineBytes), fmt.Sprintf("%d timer and %d busy goroutines × %s", n, busy, approxBytes(goroutineBytes))}
}
