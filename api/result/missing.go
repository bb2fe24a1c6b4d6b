package result

import (
	"fmt"
	"slices"
)

// What an observed service (the app scenario's) did not expose: the codes
// a Summary lists in Missing. A figure that needs one of them is absent
// from the run's figures, never zero, and the report says why.
const (
	// MissingMetrics: the service's metrics endpoint was not set or could
	// not be read.
	MissingMetrics = "metrics"
	// MissingRuntime: the endpoint had no Go runtime series
	// (client_golang's Go collector).
	MissingRuntime = "runtime"
	// MissingGCCPU: no go_cpu_classes_gc_total_cpu_seconds_total.
	MissingGCCPU = "gc-cpu"
	// MissingSched: no go_sched_latencies_seconds.
	MissingSched = "sched-latency"
	// MissingContainer: the service's cgroup could not be read.
	MissingContainer = "container"
	// MissingCPU: neither the cgroup nor the service's
	// process_cpu_seconds_total gave its CPU time.
	MissingCPU = "cpu"
)

// MissingCodes lists the codes in the order reports show them.
var MissingCodes = []string{MissingMetrics, MissingRuntime, MissingGCCPU, MissingSched, MissingContainer, MissingCPU}

// MissingText says what a code costs and how to get it back.
func MissingText(code string) string {
	switch code {
	case MissingMetrics:
		return "the service's metrics endpoint (metricsPath) was not set, could not be read, or did not answer within 5 s over at least half of the window (a service starved of CPU: see its latency): GC, heap and scheduling figures and the runtime's own GOMAXPROCS, GOGC and GOMEMLIMIT are missing; expose client_golang's promhttp.Handler(), or give the service the CPU to answer"
	case MissingRuntime:
		return "the metrics endpoint has no Go runtime series (go_gc_duration_seconds, go_memstats_*, go_sched_gomaxprocs_threads): register client_golang's collectors.NewGoCollector()"
	case MissingGCCPU:
		return "no go_cpu_classes_gc_total_cpu_seconds_total, so gc-cpu-frac is missing: build the Go collector with collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll), or a GoRuntimeMetricsRule matching ^/cpu/classes/ (MetricsGC does not)"
	case MissingSched:
		return "no go_sched_latencies_seconds, so sched-p99-s is missing: build the Go collector with collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler)"
	case MissingContainer:
		return "the service's cgroup could not be read (on a cluster the load generator cannot see another pod's cgroup), so throttled-frac, throttled-s/s, path-throttled-frac and mem-peak-B are missing, cpu-cores is the process's own CPU (process_cpu_seconds_total), and the run's limits were not verified"
	case MissingCPU:
		return "neither the service's cgroup nor its process_cpu_seconds_total (client_golang's process collector) was readable, so cpu-cores is missing"
	}
	return code
}

// MissingFigures are the common figures a code leaves out.
func MissingFigures(code string) []string {
	switch code {
	case MissingMetrics, MissingRuntime, MissingGCCPU:
		return []string{"gc-cpu-frac"}
	case MissingContainer:
		return []string{"throttled-frac", "throttled-s/s", "path-throttled-frac", "mem-peak-B"}
	case MissingCPU:
		return []string{"cpu-cores"}
	}
	return nil
}

// checkMissing accepts known codes, each once.
func checkMissing(codes []string) error {
	for i, c := range codes {
		if !slices.Contains(MissingCodes, c) || slices.Index(codes, c) != i {
			return fmt.Errorf("missing[%d]: %q, want one of %v, each once", i, c, MissingCodes)
		}
	}
	return nil
}
