package scenario

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency bounds: 1 µs to 5 minutes at 3 significant digits (0.1 % error).
const (
	latencyMin    = int64(time.Microsecond)
	latencyMax    = int64(5 * time.Minute)
	latencyDigits = 3
)

// Latency records durations into HDR histograms, one shard per recording
// goroutine so that a hot loop never waits on another's lock. The driver
// reads the merged counts at the edges of the measured window.
type Latency struct {
	mu     sync.Mutex
	shards []*LatencyShard
}

// LatencyShard is one goroutine's part of a Latency.
type LatencyShard struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// Shard returns a new shard; each recording goroutine should take its own.
func (l *Latency) Shard() *LatencyShard {
	s := &LatencyShard{h: hdrhistogram.New(latencyMin, latencyMax, latencyDigits)}
	l.mu.Lock()
	l.shards = append(l.shards, s)
	l.mu.Unlock()
	return s
}

// Record adds one duration, clamped into the histogram's range.
func (s *LatencyShard) Record(d time.Duration) {
	v := min(max(int64(d), latencyMin), latencyMax)
	s.mu.Lock()
	s.h.RecordValue(v) //nolint:errcheck // v is clamped into range
	s.mu.Unlock()
}

// snapshot merges every shard's counts.
func (l *Latency) snapshot() *hdrhistogram.Snapshot {
	merged := hdrhistogram.New(latencyMin, latencyMax, latencyDigits)
	l.mu.Lock()
	shards := append([]*LatencyShard(nil), l.shards...)
	l.mu.Unlock()
	for _, s := range shards {
		s.mu.Lock()
		merged.Merge(s.h)
		s.mu.Unlock()
	}
	return merged.Export()
}

// LatencySnapshot is the counts of a Latency at one instant.
type LatencySnapshot struct{ s *hdrhistogram.Snapshot }

// Quantiles summarises the durations recorded in a window.
type Quantiles struct {
	Count                    int64
	P50, P90, P99, P999, Max time.Duration
	Mean                     time.Duration
}

// Since returns the quantiles of what was recorded between earlier and s.
// A zero earlier means since the start.
func (s LatencySnapshot) Since(earlier LatencySnapshot) Quantiles {
	if s.s == nil {
		return Quantiles{}
	}
	d := *s.s
	d.Counts = append([]int64(nil), s.s.Counts...)
	if earlier.s != nil {
		for i := range d.Counts {
			if i < len(earlier.s.Counts) {
				d.Counts[i] -= earlier.s.Counts[i]
			}
		}
	}
	h := hdrhistogram.Import(&d)
	if h.TotalCount() == 0 {
		return Quantiles{}
	}
	q := func(p float64) time.Duration { return time.Duration(h.ValueAtQuantile(p)) }
	return Quantiles{
		Count: h.TotalCount(),
		P50:   q(50), P90: q(90), P99: q(99), P999: q(99.9),
		Max:  time.Duration(h.Max()),
		Mean: time.Duration(h.Mean()),
	}
}

// Cumulative returns, for each upper bound in bounds (ascending), how many
// recorded durations were at most that bound, with the total count and the
// sum of the durations in seconds: a Prometheus histogram's fields. HDR
// records a value as a bracket 0.1 % wide; a value counts under a bound
// when its bracket starts at or below it, so a value recorded exactly at
// a bound counts under it.
func (s LatencySnapshot) Cumulative(bounds []time.Duration) (counts []uint64, total uint64, sumSeconds float64) {
	counts = make([]uint64, len(bounds))
	if s.s == nil {
		return counts, 0, 0
	}
	h := hdrhistogram.Import(s.s)
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		for i, bound := range bounds {
			if b.From <= int64(bound) {
				counts[i] += uint64(b.Count)
			}
		}
	}
	total = uint64(h.TotalCount())
	return counts, total, h.Mean() * float64(total) / 1e9
}
