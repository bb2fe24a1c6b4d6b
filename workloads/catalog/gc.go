package catalog

// GC is the gc scenario's catalogue entry.
var GC = Spec{
	Name:    "gc",
	Summary: "a live heap of set size and pointer density, churned at a set rate",
	Doc: "Before the warmup, builds `liveHeap` bytes of live objects in 512-byte units. A `pointerDensity` share " +
		"of units are chains of eight 64-byte nodes full of pointers, which the GC must scan; the rest are " +
		"single pointer-free 512-byte blocks, which it only marks. Then `goroutines` mutators replace random " +
		"units at `churnRate` bytes per second in all (0: as fast as they can), so the live heap stays the " +
		"same size while garbage is made. Mutator throughput (units replaced per second) falls as the GC " +
		"takes CPU and assists.",
	Memory: gcMemory,
	Params: []Param{
		{Name: "liveHeap", Kind: Bytes, Default: "64Mi", Min: "1Mi", Max: "64Gi",
			Doc: "size of the live heap the mutators keep"},
		{Name: "pointerDensity", Kind: Float, Default: "0.5", Min: "0", Max: "1",
			Doc: "share of the live heap in pointer-rich objects the GC must scan"},
		{Name: "churnRate", Kind: Bytes, Default: "256Mi", Min: "0", Max: "64Gi",
			Doc: "bytes of the live heap replaced per second, all mutators together; 0 means unthrottled"},
		{Name: "goroutines", Kind: Int, Default: "2", Min: "1", Max: "10000",
			Doc: "mutator goroutines"},
	},
	Headline: []string{"ops/s", "gc/s", "gc-cpu-frac", "pause-p99-s", "heap-goal-B"},
	Figures: []Figure{
		{Name: "ops/s", Unit: "1/s", Better: Higher, Doc: "mutator throughput: 512-byte units replaced per second"},
		{Name: "churn-B/s", Unit: "B/s", Better: Higher, Doc: "bytes of live heap replaced per second"},
		{Name: "gc/s", Unit: "1/s", Better: Lower, Doc: "GC cycles per second"},
		{Name: "gc-cpu-frac", Unit: "ratio", Better: Lower, Doc: "share of available CPU the GC used (/cpu/classes/gc/total)"},
		{Name: "assist-cpu-frac", Unit: "ratio", Better: Lower, Doc: "share of available CPU spent in mark assists by mutators"},
		{Name: "pause-p50-s", Unit: "s", Better: Lower, Doc: "median stop-the-world GC pause", Resolution: RuntimeHistogram},
		{Name: "pause-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile stop-the-world GC pause", Resolution: RuntimeHistogram},
		{Name: "heap-live-B", Unit: "B", Better: Lower, Doc: "heap marked live by the last GC"},
		{Name: "heap-goal-B", Unit: "B", Better: Lower, Doc: "heap size the pacer aims to finish the next GC at; absent when there is none (GOGC=off without GOMEMLIMIT)"},
	},
}

// gcMemory: the live heap it builds, and a stack per churning goroutine.
func gcMemory(v Values, _ MemoryInput) Need {
	live := v.Bytes("liveHeap")
	return Need{satAdd(live, satMul(int64(v.Int("goroutines")), goroutineBytes)), "a live heap of " + approxBytes(live)}
}
