package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// OverviewUID is the Experiment overview's UID.
const OverviewUID = "runtimelab-overview"

// Each scenario's headline counter and latency histogram, the figures the
// overview puts side by side whatever the experiment's scenario.
const (
	throughputCounters = `__name__=~"runtimelab_(scheduler_tasks|alloc_objects|gc_ops|poller_msgs|timers_fires|stack_cycles|service_responses)_total"`
	headlineLatencies  = `__name__=~"runtimelab_(poller_rtt|timers_lateness|service_latency)_seconds_bucket"`
)

func overview() *dashboard.DashboardBuilder {
	s := workloadScope
	perVariant := func(expr string) string { return "sum by (variant) (" + expr + ")" }
	ratio := func(num, den string) string {
		return perVariant(s.rate(num)) + " / " + perVariant(s.rate(den))
	}
	links := []cog.Builder[dashboard.DashboardLink]{variantLink("Profiles and figures of variant ${__field.labels.variant}", OverviewUID)}
	return newDashboard(OverviewUID, "runtime-lab / Experiment overview",
		"An experiment's variants side by side: throughput, tail latency, GC cost, CPU throttling, memory against the limit, OOM kills and restarts, with CPU and allocation flame graphs of the chosen variants.",
		s, runInfo, true).
		WithRow(row("Variants side by side")).
		WithPanel(timeSeries("Throughput",
			"Work completed per second by each variant, from the scenario's headline counter: scheduler tasks, alloc objects, gc live-heap units, poller round trips, timer firings, stack cycles or service responses (the load generator's view). Click a series to narrow the dashboard to its variant.",
			"ops", q{perVariant(fmt.Sprintf("rate(%s[$__rate_interval])", s.sel("", throughputCounters))), "{{variant}}"}).
			DataLinks(links)).
		WithPanel(timeSeries("p99 latency",
			"99th percentile of the scenario's own latency (poller round trip, timer lateness or service request latency from when it was due) and of the Go scheduler's latency (time goroutines waited runnable), per variant.",
			"s",
			q{fmt.Sprintf("histogram_quantile(0.99, sum by (variant, le) (rate(%s[$__rate_interval])))", s.sel("", headlineLatencies)), "{{variant}}"},
			q{s.quantile(0.99, "variant", "go_sched_latencies_seconds"), "{{variant}} scheduling"}).
			DataLinks(links)).
		WithPanel(timeSeries("GC CPU share",
			"Share of the CPU time available to the Go runtime (GOMAXPROCS × wall time) spent in the garbage collector: mark assists, dedicated and idle mark workers and pauses (/cpu/classes/gc/total over /cpu/classes/total).",
			"percentunit", q{ratio("go_cpu_classes_gc_total_cpu_seconds_total", "go_cpu_classes_total_cpu_seconds_total"), "{{variant}}"}).
			Min(0)).
		WithPanel(timeSeries("CPU throttled ratio",
			"Share of CFS periods in which the container hit its CPU quota and was throttled (cgroup cpu.stat nr_throttled over nr_periods). Empty when the container has no CPU limit.",
			"percentunit", q{ratio("runtimelab_cgroup_cpu_throttled_periods_total", "runtimelab_cgroup_cpu_periods_total"), "{{variant}}"}).
			Min(0)).
		WithPanel(timeSeries("Memory versus limit",
			"The container's memory usage and its peak usage as a share of its memory limit (cgroup memory.current/usage_in_bytes and memory.peak/max_usage_in_bytes over the limit); at 100 % the kernel reclaims and then OOM-kills. Empty without a memory limit.",
			"percentunit",
			q{"max by (variant) (" + s.sel("runtimelab_cgroup_memory_usage_bytes") + " / " + s.sel("runtimelab_cgroup_memory_limit_bytes") + ")", "{{variant}} now"},
			q{"max by (variant) (" + s.sel("runtimelab_cgroup_memory_peak_bytes") + " / " + s.sel("runtimelab_cgroup_memory_limit_bytes") + ")", "{{variant}} peak"}).
			Min(0)).
		WithPanel(statPanel("OOM kills",
			"Processes the kernel OOM-killed in the run's cgroup during the time range (memory.oom_control / memory.events oom_kill). A kill of the workload itself ends its pod: the Operator dashboard counts it as an OOMKilled run.",
			"short", "lastNotNull", q{perVariant("increase(" + s.sel("runtimelab_cgroup_memory_oom_kills_total") + "[$__range])"), "{{variant}}"})).
		WithPanel(statPanel("Restarts",
			"Times a workload process started again under the same pod during the time range (changes of process_start_time_seconds). Runs retried in a new pod show on the Operator dashboard as Error, Evicted or Deleted outcomes.",
			"short", "lastNotNull", q{perVariant("changes(" + s.sel("process_start_time_seconds") + "[$__range])"), "{{variant}}"})).
		WithRow(row("Profiles")).
		WithPanel(flameGraph("CPU flame graph",
			"Where the chosen variants spent CPU, from the profiles pyroscope-go pushes every upload interval, filtered by the run's experiment and variant labels.",
			profileCPU, "ns")).
		WithPanel(flameGraph("Allocation flame graph",
			"Which code allocated the bytes of the chosen variants (alloc_space), filtered by the run's experiment and variant labels.",
			profileAllocSpace, "bytes"))
}
