package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// PollerUID is the Poller, timers & stacks dashboard's UID.
const PollerUID = "runtimelab-poller-timers-stacks"

func pollerTimersStacks() *dashboard.DashboardBuilder {
	s := workloadScope
	sum := func(expr string) string { return "sum by (variant) (" + expr + ")" }
	maxOf := func(metric string) string { return "max by (variant) (" + s.sel(metric) + ")" }
	return newDashboard(PollerUID, "runtime-lab / Poller, timers & stacks",
		"The network poller (TCP echo round trips), timers (firings and lateness) and goroutine stacks (growth, memory, scanning), with a goroutine flame graph.",
		s, runInfo, true).
		WithRow(row("Network poller")).
		WithPanel(timeSeries("Round trips per second",
			"Echo round trips the poller scenario's clients completed per second (runtimelab_poller_msgs_total).",
			"ops", q{sum(s.rate("runtimelab_poller_msgs_total")), "{{variant}}"})).
		WithPanel(timeSeries("Round-trip latency",
			"Round-trip time of one echo message through the netpoller, median and 99th percentile (runtimelab_poller_rtt_seconds).",
			"s",
			q{s.quantile(0.5, "variant", "runtimelab_poller_rtt_seconds"), "{{variant}} p50"},
			q{s.quantile(0.99, "variant", "runtimelab_poller_rtt_seconds"), "{{variant}} p99"})).
		WithPanel(timeSeries("Bytes echoed",
			"Bytes the poller scenario's server echoed back per second (runtimelab_poller_echoed_total).",
			"Bps", q{sum(s.rate("runtimelab_poller_echoed_total")), "{{variant}}"})).
		WithPanel(timeSeries("Open file descriptors",
			"File descriptors the workload holds open: about one per connection and side (process_open_fds).",
			"short", q{maxOf("process_open_fds"), "{{variant}}"})).
		WithRow(row("Timers")).
		WithPanel(timeSeries("Timer firings per second",
			"Timer, ticker, sleep or AfterFunc firings the timers scenario observed per second (runtimelab_timers_fires_total).",
			"ops", q{sum(s.rate("runtimelab_timers_fires_total")), "{{variant}}"})).
		WithPanel(timeSeries("Timer lateness",
			"How late a timer's goroutine ran after the timer was due, median and 99th percentile (runtimelab_timers_lateness_seconds); CPU throttling adds whole CFS periods.",
			"s",
			q{s.quantile(0.5, "variant", "runtimelab_timers_lateness_seconds"), "{{variant}} p50"},
			q{s.quantile(0.99, "variant", "runtimelab_timers_lateness_seconds"), "{{variant}} p99"})).
		WithRow(row("Stacks")).
		WithPanel(timeSeries("Stack memory",
			"Goroutine stack memory from the heap (/memory/classes/heap/stacks) and OS thread stacks (/memory/classes/os-stacks).",
			"bytes",
			q{maxOf("go_memory_classes_heap_stacks_bytes"), "{{variant}} goroutine stacks"},
			q{maxOf("go_memory_classes_os_stacks_bytes"), "{{variant}} thread stacks"})).
		WithPanel(timeSeries("Goroutines",
			"Live goroutines (/sched/goroutines).",
			"short", q{maxOf("go_sched_goroutines_goroutines"), "{{variant}}"})).
		WithPanel(timeSeries("Stack scanning and starting size",
			"Stack bytes the GC scanned in the last cycle (/gc/scan/stack) and the size new goroutines' stacks start at (/gc/stack/starting-size), which the runtime adapts to the average stack.",
			"bytes",
			q{maxOf("go_gc_scan_stack_bytes"), "{{variant}} scanned"},
			q{maxOf("go_gc_stack_starting_size_bytes"), "{{variant}} starting size"})).
		WithPanel(timeSeries("Recursion cycles per second",
			"Recurse, barrier, return and GC cycles the stack scenario completed per second (runtimelab_stack_cycles_total).",
			"ops", q{sum(s.rate("runtimelab_stack_cycles_total")), "{{variant}}"})).
		WithRow(row("Profiles")).
		WithPanel(flameGraph("Goroutine flame graph",
			"Where the chosen variants' goroutines were when profiled (goroutine profile), filtered by the run's experiment and variant labels.",
			profileGoroutines, "short"))
}
