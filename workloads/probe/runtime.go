package probe

import (
	"math"
	"runtime/metrics"
)

// The runtime/metrics the probe reads. Every name here exists since Go 1.22.
const (
	mGCCycles     = "/gc/cycles/total:gc-cycles"
	mCPUGC        = "/cpu/classes/gc/total:cpu-seconds"
	mCPUAssist    = "/cpu/classes/gc/mark/assist:cpu-seconds"
	mCPUUser      = "/cpu/classes/user:cpu-seconds"
	mCPUIdle      = "/cpu/classes/idle:cpu-seconds"
	mCPUTotal     = "/cpu/classes/total:cpu-seconds"
	mPauses       = "/sched/pauses/total/gc:seconds"
	mSchedLat     = "/sched/latencies:seconds"
	mAllocBytes   = "/gc/heap/allocs:bytes"
	mAllocObjects = "/gc/heap/allocs:objects"
	mHeapLive     = "/gc/heap/live:bytes"
	mHeapGoal     = "/gc/heap/goal:bytes"
	mMemTotal     = "/memory/classes/total:bytes"
	mStacks       = "/memory/classes/heap/stacks:bytes"
	mGoroutines   = "/sched/goroutines:goroutines"
	mLimiterLast  = "/gc/limiter/last-enabled:gc-cycle"
	mGOMAXPROCS   = "/sched/gomaxprocs:threads"
	mGOGC         = "/gc/gogc:percent"
	mGOMEMLIMIT   = "/gc/gomemlimit:bytes"
)

var runtimeNames = []string{
	mGCCycles, mCPUGC, mCPUAssist, mCPUUser, mCPUIdle, mCPUTotal, mPauses,
	mSchedLat, mAllocBytes, mAllocObjects, mHeapLive, mHeapGoal, mMemTotal,
	mStacks, mGoroutines, mLimiterLast, mGOMAXPROCS, mGOGC, mGOMEMLIMIT,
}

// runtimeSample is one read of the probe's runtime metrics, copied so later
// reads cannot alias its histograms.
type runtimeSample struct {
	scalar map[string]float64
	hist   map[string]*metrics.Float64Histogram
}

func readRuntime() runtimeSample {
	samples := make([]metrics.Sample, len(runtimeNames))
	for i, n := range runtimeNames {
		samples[i].Name = n
	}
	metrics.Read(samples)
	rs := runtimeSample{scalar: map[string]float64{}, hist: map[string]*metrics.Float64Histogram{}}
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			rs.scalar[s.Name] = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			rs.scalar[s.Name] = s.Value.Float64()
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			rs.hist[s.Name] = &metrics.Float64Histogram{
				Counts:  append([]uint64(nil), h.Counts...),
				Buckets: h.Buckets, // bucket boundaries never change
			}
		}
	}
	return rs
}

// histDelta returns b minus a; a may be nil (the empty histogram).
func histDelta(a, b *metrics.Float64Histogram) *metrics.Float64Histogram {
	if b == nil {
		return nil
	}
	d := &metrics.Float64Histogram{Counts: make([]uint64, len(b.Counts)), Buckets: b.Buckets}
	for i, c := range b.Counts {
		if a != nil && i < len(a.Counts) {
			c -= a.Counts[i]
		}
		d.Counts[i] = c
	}
	return d
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of a runtime histogram,
// interpolated linearly within the bucket it falls in. The runtime's time
// histograms have four linear sub-buckets per power of two (timeHistSubBucketBits
// in runtime/histogram.go), so a bucket is 12.5–25 % of its value wide:
// reporting its upper bound would show two variants in adjacent buckets as a
// 25 % difference that no measurement resolved (catalog.RuntimeHistogram says
// so next to each such figure). An empty histogram gives 0; a quantile in
// the open top bucket gives that bucket's lower boundary, and one in an
// open bottom bucket its upper boundary.
func Quantile(h *metrics.Float64Histogram, q float64) float64 {
	if h == nil {
		return 0
	}
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := min(max(q, 0), 1) * float64(total)
	var cum uint64
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		if float64(cum+c) >= rank || i == len(h.Counts)-1 {
			lo, hi := h.Buckets[i], h.Buckets[i+1]
			switch {
			case math.IsInf(hi, 1) && math.IsInf(lo, -1):
				return 0
			case math.IsInf(hi, 1):
				return lo
			case math.IsInf(lo, -1):
				return hi
			}
			frac := min(max((rank-float64(cum))/float64(c), 0), 1)
			return lo + frac*(hi-lo)
		}
		cum += c
	}
	return bucketValue(h.Buckets, len(h.Counts)-1)
}

// Max returns the upper boundary of the highest non-empty bucket.
func Max(h *metrics.Float64Histogram) float64 {
	if h == nil {
		return 0
	}
	for i := len(h.Counts) - 1; i >= 0; i-- {
		if h.Counts[i] > 0 {
			return bucketValue(h.Buckets, i)
		}
	}
	return 0
}

func bucketValue(buckets []float64, i int) float64 {
	hi := buckets[i+1]
	if math.IsInf(hi, 1) {
		lo := buckets[i]
		if math.IsInf(lo, -1) {
			return 0
		}
		return lo
	}
	return hi
}
