package catalog

import (
	"fmt"
)

// Scheduler is the scheduler scenario's catalogue entry.
var Scheduler = Spec{
	Name:    "scheduler",
	Summary: "CPU-bound fan-out/fan-in over N goroutines, with optional blocking and syscall tasks",
	Doc: "Each round starts `goroutines` goroutines, each running one task of `work` CPU time, and waits for " +
		"all of them. A `blockFraction` of tasks instead park on a channel that is released every `blockFor`; " +
		"a `syscallFraction` sit `blockFor` in a blocking nanosleep syscall, so sysmon hands their P to another " +
		"thread. Compare tasks/s and scheduling latency across GOMAXPROCS and CPU limits: with GOMAXPROCS above " +
		"the quota, threads exhaust the quota early in each CFS period and every runnable goroutine waits out " +
		"the throttled remainder.",
	Memory: schedulerMemory,
	Params: []Param{
		{Name: "goroutines", Kind: Int, Default: "64", Min: "1", Max: "100000",
			Doc: "goroutines started per fan-out round"},
		{Name: "work", Kind: Duration, Default: "50us", Min: "1us", Max: "100ms",
			Doc: "CPU work per task, as time on an idle unthrottled CPU (calibrated at start)"},
		{Name: "blockFraction", Kind: Float, Default: "0", Min: "0", Max: "1",
			Doc: "share of tasks that park on a channel instead of computing"},
		{Name: "syscallFraction", Kind: Float, Default: "0", Min: "0", Max: "1",
			Doc: "share of tasks that sit in a blocking syscall instead of computing"},
		{Name: "blockFor", Kind: Duration, Default: "1ms", Min: "10us", Max: "1s",
			Doc: "how long a blocking or syscall task waits"},
	},
	Headline: []string{"tasks/s", "sched-p99-s", "throttled-s/s"},
	Figures: []Figure{
		{Name: "tasks/s", Unit: "1/s", Better: Higher, Doc: "tasks completed per second"},
		{Name: "rounds/s", Unit: "1/s", Better: Higher, Doc: "fan-out/fan-in rounds completed per second"},
		{Name: "sched-p50-s", Unit: "s", Better: Lower, Doc: "median time a goroutine was runnable before it ran", Resolution: RuntimeHistogram},
		{Name: "sched-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile of that wait", Resolution: RuntimeHistogram},
		{Name: "threads", Unit: "threads", Better: Lower, Doc: "OS threads the runtime has created"},
	},
}

// schedulerMemory: a stack per goroutine of a round, all alive at once.
func schedulerMemory(v Values, _ MemoryInput) Need {
	g := int64(v.Int("goroutines"))
	return Need{satMul(g, goroutineBytes), fmt.Sprintf("%d goroutines × %s", g, approxBytes(goroutineBytes))}
}
