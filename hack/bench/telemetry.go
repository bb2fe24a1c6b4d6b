package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"
)

// telemetry is one way of watching a workload: how often Prometheus
// scrapes /metrics and Pyroscope receives profiles, and the window a run
// needs for a few of each.
type telemetry struct {
	name                   string
	scrapeEvery, pushEvery time.Duration
	window                 time.Duration
	// graded: the overhead target applies (settings users run); the
	// others are measured and explained, not graded.
	graded bool
	sink   *sink
}

// telemetrySettings are the settings the overhead section measures:
// what users run (kube-prometheus-stack scrapes every 15-30 s; Pyroscope
// agents push every 10-15 s), graded against the target; and a harsh
// setting, 1 s and 1 s, measured with where its cost goes.
//
// A usual window is one scrape and one push interval (15 s): it holds one
// of each, and the steady cost of profiling, as any 15 s of a long run
// does. Longer windows do not buy precision on this kind of machine: the
// host's memory contention comes and goes over seconds (one 40 s gc run
// measured 1.49M then 0.98M ops per CPU-second in consecutive 4 s slices,
// while eight consecutive 10 s runs in a quiet spell stayed within ±2%),
// so what narrows the interval is more pairs adjacent in time, not longer
// ones. Running off and on side by side on the two CPUs is worse (an
// off/off pair's ratio ranged 0.76-1.22: they share memory bandwidth).
func telemetrySettings(benchtime time.Duration, smoke bool) []telemetry {
	usual := max(benchtime, 15*time.Second)
	if smoke {
		usual = benchtime
	}
	return []telemetry{
		{name: "usual", scrapeEvery: 15 * time.Second, pushEvery: 15 * time.Second, window: usual, graded: true},
		{name: "harsh", scrapeEvery: time.Second, pushEvery: time.Second, window: benchtime},
	}
}

// scrape reads /metrics at addr every interval until ctx ends, as
// Prometheus would: the first scrape as soon as the endpoint answers (a
// new target's), then one per interval. It returns the number of scrapes
// that succeeded.
func scrape(ctx context.Context, addr string, every time.Duration) int64 {
	client := &http.Client{Timeout: every}
	var n int64
	for {
		wait := every
		if scrapeOnce(ctx, client, "http://"+addr+"/metrics") == nil {
			n++
		} else if n == 0 {
			wait = 50 * time.Millisecond // not listening yet
		}
		select {
		case <-ctx.Done():
			return n
		case <-time.After(wait):
		}
	}
}

func scrapeOnce(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("scrape %s: status %s", url, resp.Status)
	}
	return nil
}

// sink stands in for a Pyroscope server: it accepts every profile upload
// on loopback and counts it; the CPU profiles among them it parses and
// adds up by where the time went (costs).
type sink struct {
	srv *http.Server
	ln  net.Listener
	n   atomic.Int64

	mu    sync.Mutex
	costs map[string]int64 // CPU nanoseconds by cost
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pyroscope sink listen: %w", err)
	}
	s := &sink{ln: ln, costs: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ingest", func(w http.ResponseWriter, r *http.Request) {
		s.n.Add(1)
		if f, _, err := r.FormFile("profile"); err == nil {
			if p, err := profile.Parse(f); err == nil {
				s.add(p)
			}
			f.Close()
		}
		io.Copy(io.Discard, r.Body)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Where a workload's CPU goes, by the functions on a sample's stack.
const (
	costMetrics   = "/metrics (client_golang)"
	costProfiling = "profiling (pyroscope-go, runtime/pprof)"
	costHTTP      = "other HTTP serving"
	costWork      = "the workload and the runtime"
)

var costOrder = []string{costMetrics, costProfiling, costHTTP, costWork}

// costOf classifies one stack, leaf first.
func costOf(s *profile.Sample) string {
	has := func(prefixes ...string) bool {
		for _, l := range s.Location {
			for _, ln := range l.Line {
				if ln.Function == nil {
					continue
				}
				for _, p := range prefixes {
					if strings.Contains(ln.Function.Name, p) {
						return true
					}
				}
			}
		}
		return false
	}
	switch {
	case has("github.com/prometheus/"):
		return costMetrics
	case has("github.com/grafana/pyroscope-go", "runtime/pprof."):
		return costProfiling
	case has("net/http."):
		return costHTTP
	}
	return costWork
}

// add adds a CPU profile's samples by cost; other profiles are ignored.
func (s *sink) add(p *profile.Profile) {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, smp := range p.Sample {
		s.costs[costOf(smp)] += smp.Value[idx]
	}
}

// takeCosts returns the CPU time by cost since the last call, as shares.
func (s *sink) takeCosts() map[string]float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int64
	for _, v := range s.costs {
		total += v
	}
	out := map[string]float64{}
	for k, v := range s.costs {
		if total > 0 {
			out[k] = float64(v) / float64(total)
		}
	}
	s.costs = map[string]int64{}
	return out
}

// costsText renders shares in costOrder.
func costsText(shares map[string]float64) string {
	var parts []string
	for _, k := range costOrder {
		parts = append(parts, fmt.Sprintf("%.1f%% %s", 100*shares[k], k))
	}
	return strings.Join(parts, ", ")
}

func (s *sink) url() string { return "http://" + s.ln.Addr().String() }

// pushes is the number of uploads received so far; 0 for no sink.
func (s *sink) pushes() int64 {
	if s == nil {
		return 0
	}
	return s.n.Load()
}

func (s *sink) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}
