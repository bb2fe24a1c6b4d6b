package catalog

import (
	"fmt"
)

// MemLimit is the memlimit scenario's catalogue entry.
var MemLimit = Spec{
	Name:    "memlimit",
	Summary: "a live heap grown in steps towards the container memory limit, then held and churned",
	Doc: "Grows a live heap of pointer-free 64 KiB chunks, every page written so the memory is really resident, " +
		"in `steps` equal steps `stepInterval` apart, to `liveHeap` bytes or, when liveHeap is 0, to " +
		"`liveFraction` of the cgroup memory limit the workload reads itself. It then holds the heap and " +
		"replaces random chunks at `churnRate` bytes per second, so garbage keeps coming while the live heap " +
		"stays the same. With GOGC=100 and no GOMEMLIMIT the heap grows to about twice the live heap before a " +
		"GC, so a live heap over half the limit gets the process OOM-killed (the result file keeps the last " +
		"interim summary); GOMEMLIMIT below the limit caps the heap goal and trades memory for GC cycles. " +
		"Outcome: gc-thrash when the GC CPU limiter engaged in the window or the GC took at least 50% of the " +
		"available CPU; otherwise near-oom when the cgroup's peak memory usage reached 95% of its limit; " +
		"otherwise survived.",
	Memory: memlimitMemory,
	Params: []Param{
		{Name: "liveHeap", Kind: Bytes, Default: "64Mi", Min: "0", Max: "64Gi",
			Doc: "live heap to grow to, in whole 64 KiB chunks; 0 sizes it from the container memory limit with liveFraction"},
		{Name: "liveFraction", Kind: Float, Default: "0.6", Min: "0.05", Max: "2",
			Doc: "live heap as a share of the cgroup memory limit, used when liveHeap is 0; above 0.5 the GOGC=100 heap goal exceeds the limit"},
		{Name: "steps", Kind: Int, Default: "10", Min: "1", Max: "1000",
			Doc: "equal steps the live heap grows in; the first is taken at the start"},
		{Name: "stepInterval", Kind: Duration, Default: "500ms", Min: "1ms", Max: "10m",
			Doc: "time between growth steps"},
		{Name: "churnRate", Kind: Bytes, Default: "64Mi", Min: "0", Max: "64Gi",
			Doc: "bytes of the live heap replaced per second; 0 holds it unchanged, so no garbage is made"},
	},
	Headline: []string{"held-B", "gc-cpu-frac", "limiter-on", "peak-limit-frac", "oom-kills"},
	Figures: []Figure{
		{Name: "held-B", Unit: "B", Better: Higher, Doc: "live heap the scenario holds at the end of the window (below the target while it grows)"},
		{Name: "churn-B/s", Unit: "B/s", Better: Higher, Doc: "bytes of live heap replaced per second"},
		{Name: "heap-live-B", Unit: "B", Better: Lower, Doc: "heap marked live by the last GC"},
		{Name: "heap-goal-B", Unit: "B", Better: Lower, Doc: "heap size the pacer aims to finish the next GC at, capped by GOMEMLIMIT; absent when there is none (GOGC=off without GOMEMLIMIT)"},
		{Name: "gc/s", Unit: "1/s", Better: Lower, Doc: "GC cycles per second"},
		{Name: "gc-cpu-frac", Unit: "ratio", Better: Lower, Doc: "share of available CPU the GC used (/cpu/classes/gc/total)"},
		{Name: "limiter-on", Unit: "bool", Better: Lower, Doc: "1 when the GC CPU limiter engaged during the window (/gc/limiter/last-enabled), else 0"},
		{Name: "mem-runtime-B", Unit: "B", Better: Lower, Doc: "memory the Go runtime holds from the OS at the end of the window (/memory/classes/total less heap/released), which GOMEMLIMIT bounds"},
		{Name: "mem-limit-frac", Unit: "ratio", Better: Lower, Doc: "mem-runtime-B as a share of the cgroup memory limit; 0 without a limit"},
		{Name: "peak-limit-frac", Unit: "ratio", Better: Lower, Doc: "the cgroup's peak memory usage as a share of its limit; 0 without a limit"},
		{Name: "oom-kills", Unit: "kills", Better: Lower, Doc: "processes the kernel OOM-killed in the cgroup since it was created"},
	},
}

// memlimitMemory: the live heap it grows to, liveHeap or liveFraction of
// the memory limit.
func memlimitMemory(v Values, in MemoryInput) Need {
	if live := v.Bytes("liveHeap"); live > 0 {
		return Need{live, "a live heap of " + approxBytes(live)}
	}
	f := v.Float("liveFraction")
	live := int64(f * float64(in.Limit))
	return Need{live, fmt.Sprintf("a live heap of %s (liveFraction %g of the limit)", approxBytes(live), f)}
}
