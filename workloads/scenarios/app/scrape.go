package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// The series of client_golang's Go and process collectors the observer
// reads. The Go collector serves the first group by default; the GC CPU
// and scheduling latency only with its runtime/metrics rules
// (collectors.WithGoCollectorRuntimeMetrics).
const (
	mGCCount     = "go_gc_duration_seconds" // a summary: its count is the cycles
	mGoroutines  = "go_goroutines"
	mHeapAlloc   = "go_memstats_heap_alloc_bytes"
	mNextGC      = "go_memstats_next_gc_bytes"
	mAllocBytes  = "go_memstats_alloc_bytes_total"
	mMallocs     = "go_memstats_mallocs_total"
	mSys         = "go_memstats_sys_bytes"
	mStack       = "go_memstats_stack_inuse_bytes"
	mGOMAXPROCS  = "go_sched_gomaxprocs_threads"
	mGOGC        = "go_gc_gogc_percent"
	mGOMEMLIMIT  = "go_gc_gomemlimit_bytes"
	mInfo        = "go_info"
	mCPUGC       = "go_cpu_classes_gc_total_cpu_seconds_total"
	mCPUTotal    = "go_cpu_classes_total_cpu_seconds_total"
	mSchedLat    = "go_sched_latencies_seconds"
	mProcessCPU  = "process_cpu_seconds_total"
	maxBodyBytes = 32 << 20
)

// scrape is one reading of the service's metrics endpoint.
type scrape struct {
	At  time.Time
	Err error // the endpoint could not be read
	// values holds the first series of each family read (a counter's or
	// gauge's value, a summary's or histogram's count).
	values map[string]float64
	// sched is go_sched_latencies_seconds' cumulative buckets.
	sched     []bucket
	goVersion string
}

// bucket is a cumulative histogram bucket.
type bucket struct {
	upper float64
	count float64
}

func (s *scrape) has(name string) bool {
	_, ok := s.values[name]
	return ok
}

// runtimeSeries reports whether the endpoint serves the Go collector.
func (s *scrape) runtimeSeries() bool { return s.has(mGCCount) || s.has(mGoroutines) }

// readMetrics reads url (Prometheus text format) within timeout.
func readMetrics(ctx context.Context, client *http.Client, url string) scrape {
	s := scrape{At: time.Now(), values: map[string]float64{}}
	fams, err := families(ctx, client, url)
	if err != nil {
		s.Err = err
		return s
	}
	s.fill(fams)
	return s
}

// families fetches and parses url's metric families, within 5 s and
// 32 MiB.
func families(ctx context.Context, client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("GET %s: not Prometheus text format: %w", url, err)
	}
	return fams, nil
}

// fill takes the families the observer uses.
func (s *scrape) fill(fams map[string]*dto.MetricFamily) {
	for name, f := range fams {
		if len(f.Metric) == 0 {
			continue
		}
		m := f.Metric[0]
		switch {
		case name == mInfo:
			for _, l := range m.Label {
				if l.GetName() == "version" {
					s.goVersion = l.GetValue()
				}
			}
		case m.Counter != nil:
			s.values[name] = m.Counter.GetValue()
		case m.Gauge != nil:
			s.values[name] = m.Gauge.GetValue()
		case m.Untyped != nil:
			s.values[name] = m.Untyped.GetValue()
		case m.Summary != nil:
			s.values[name] = float64(m.Summary.GetSampleCount())
		case m.Histogram != nil:
			s.values[name] = float64(m.Histogram.GetSampleCount())
			if name == mSchedLat {
				for _, b := range m.Histogram.Bucket {
					s.sched = append(s.sched, bucket{b.GetUpperBound(), float64(b.GetCumulativeCount())})
				}
				sort.Slice(s.sched, func(i, j int) bool { return s.sched[i].upper < s.sched[j].upper })
			}
		}
	}
}

// settings are the runtime's own settings the endpoint reports; the
// cgroup's come from elsewhere.
func (s *scrape) settings(st *result.Settings) {
	st.GoVersion = s.goVersion
	if v, ok := s.values[mGOMAXPROCS]; ok {
		st.GOMAXPROCS = int(v)
	}
	if v, ok := s.values[mGOGC]; ok {
		st.GOGC = int(v)
		if v > math.MaxInt32 || v < 0 { // GOGC=off: the runtime's uint64(-1), or -1
			st.GOGC = -1
		}
	}
	st.GOMEMLIMIT = math.MaxInt64
	if v, ok := s.values[mGOMEMLIMIT]; ok && v < math.MaxInt64 {
		st.GOMEMLIMIT = int64(v)
	}
}

// runtimeOf computes the window's runtime figures from two readings, as
// the lab's own probe does from runtime/metrics: counters as deltas,
// gauges at the end, the GC's CPU as a share of /cpu/classes/total.
func runtimeOf(a, b *scrape) result.Runtime {
	d := func(name string) float64 { return max(b.values[name]-a.values[name], 0) }
	secs := b.At.Sub(a.At).Seconds()
	r := result.Runtime{
		GCCycles:         uint64(d(mGCCount)),
		AllocBytes:       uint64(d(mAllocBytes)),
		AllocObjects:     uint64(d(mMallocs)),
		HeapLiveBytes:    uint64(b.values[mHeapAlloc]),
		HeapGoalBytes:    uint64(b.values[mNextGC]),
		TotalMemoryBytes: uint64(b.values[mSys]),
		StackBytes:       uint64(b.values[mStack]),
		Goroutines:       uint64(b.values[mGoroutines]),
	}
	if secs > 0 {
		r.GCCyclesPerS = float64(r.GCCycles) / secs
	}
	if total := d(mCPUTotal); total > 0 {
		r.GCCPUFraction = d(mCPUGC) / total
	}
	if len(a.sched) == len(b.sched) && len(b.sched) > 0 {
		delta := make([]bucket, len(b.sched))
		for i := range b.sched {
			delta[i] = bucket{b.sched[i].upper, max(b.sched[i].count-a.sched[i].count, 0)}
		}
		r.SchedLatencyP50 = quantile(delta, 0.50)
		r.SchedLatencyP99 = quantile(delta, 0.99)
	}
	return r
}

// quantile interpolates q within the cumulative buckets (Prometheus's
// histogram_quantile): linear in the bucket that holds it, the lower
// bound of the first bucket taken as 0, and the highest finite bound when
// it falls in the +Inf bucket.
func quantile(bs []bucket, q float64) float64 {
	n := bs[len(bs)-1].count
	if n == 0 {
		return 0
	}
	rank := q * n
	prevUpper, prevCount := 0.0, 0.0
	for _, b := range bs {
		if b.count >= rank {
			if math.IsInf(b.upper, 1) {
				return prevUpper
			}
			if b.count == prevCount {
				return b.upper
			}
			return prevUpper + (b.upper-prevUpper)*(rank-prevCount)/(b.count-prevCount)
		}
		prevUpper, prevCount = b.upper, b.count
	}
	return prevUpper
}
