package telemetry

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// LatencyBuckets are the upper bounds of every exported latency histogram:
// 10 µs to 1.5 s by factors of 2.5, which covers timer lateness and
// loopback round trips at the bottom and an overloaded service at the top
// in 14 buckets (17 series per histogram).
var LatencyBuckets = prometheus.ExponentialBuckets(10e-6, 2.5, 14)

var latencyBounds = func() []time.Duration {
	out := make([]time.Duration, len(LatencyBuckets))
	for i, b := range LatencyBuckets {
		out[i] = time.Duration(b * float64(time.Second))
	}
	return out
}()

// latencyHelp says what each scenario latency measures; a name missing
// here gets a generic help.
var latencyHelp = map[string]string{
	"rtt":      "Round-trip time of one echo message.",
	"lateness": "How late a timer's goroutine ran after the timer was due.",
	"latency":  "Request latency from when the request was due (open loop).",
	"lag":      "How late the load generator sent a request after it was due.",
}

// collectLatencies exports each of the Meter's latency recorders as a
// histogram runtimelab_<scenario>_<name>_seconds. The counts are
// cumulative since the run started, as Prometheus expects, so
// histogram_quantile over a rate shows any window's quantiles.
func collectLatencies(scenarioName string, ls map[string]scenario.LatencySnapshot, ch chan<- prometheus.Metric) {
	names := make([]string, 0, len(ls))
	for n := range ls {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		counts, total, sum := ls[n].Cumulative(latencyBounds)
		buckets := make(map[float64]uint64, len(counts))
		for i, c := range counts {
			buckets[LatencyBuckets[i]] = c
		}
		help, ok := latencyHelp[n]
		if !ok {
			help = "Latency the scenario recorded as " + n + "."
		}
		desc := prometheus.NewDesc(MetricName(scenarioName, n)+"_seconds", help, nil, nil)
		ch <- prometheus.MustNewConstHistogram(desc, total, sum, buckets)
	}
}
