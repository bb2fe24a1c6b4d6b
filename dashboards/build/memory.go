package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// MemoryGCUID is the Memory & GC dashboard's UID.
const MemoryGCUID = "runtimelab-memory-gc"

func memoryGC() *dashboard.DashboardBuilder {
	s := workloadScope
	sum := func(expr string) string { return "sum by (variant) (" + expr + ")" }
	maxOf := func(expr string) string { return "max by (variant) (" + expr + ")" }
	gcShare := func(class string) string {
		return sum(s.rate("go_cpu_classes_gc_"+class+"_cpu_seconds_total")) + " / " + sum(s.rate("go_cpu_classes_total_cpu_seconds_total"))
	}
	return newDashboard(MemoryGCUID, "runtime-lab / Memory & GC",
		"The heap and the garbage collector: live heap against the goal and GOMEMLIMIT, runtime memory against the container limit, GC frequency and CPU, the GC CPU limiter, pauses and allocation.",
		s, runInfo, false).
		WithRow(row("Heap")).
		WithPanel(timeSeries("Heap live, goal and GOMEMLIMIT",
			"Heap marked live by the last GC (/gc/heap/live), the heap size the pacer aims to finish the next cycle at (/gc/heap/goal) and GOMEMLIMIT (/gc/gomemlimit, hidden when unset).",
			"bytes",
			q{maxOf(s.sel("go_gc_heap_live_bytes")), "{{variant}} live"},
			q{maxOf(s.sel("go_gc_heap_goal_bytes")), "{{variant}} goal"},
			q{maxOf(s.sel("go_gc_gomemlimit_bytes") + " < 4e18"), "{{variant}} GOMEMLIMIT"})).
		WithPanel(timeSeries("Runtime memory and container limit",
			"Memory the Go runtime holds from the OS (/memory/classes/total less heap/released, what GOMEMLIMIT bounds), the container's usage and its memory limit (cgroup).",
			"bytes",
			q{maxOf(s.sel("go_memory_classes_total_bytes") + " - " + s.sel("go_memory_classes_heap_released_bytes")), "{{variant}} runtime"},
			q{maxOf(s.sel("runtimelab_cgroup_memory_usage_bytes")), "{{variant}} container"},
			q{maxOf(s.sel("runtimelab_cgroup_memory_limit_bytes")), "{{variant}} limit"})).
		WithPanel(timeSeries("GOMEMLIMIT against the effective memory limit",
			"GOMEMLIMIT (hidden when unset), the container's own memory limit, and the effective one: the tightest on the path from its cgroup up (a pod-level limit, a parent slice). Nothing in the Go runtime reads a memory limit; a GOMEMLIMIT above the effective limit, or one that leaves no room for what else shares it, does not keep the kernel's OOM killer away.",
			"bytes",
			q{maxOf(s.sel("go_gc_gomemlimit_bytes") + " < 4e18"), "{{variant}} GOMEMLIMIT"},
			q{maxOf(s.sel("runtimelab_cgroup_memory_limit_bytes")), "{{variant}} own limit"},
			q{maxOf(s.sel("runtimelab_cgroup_effective_memory_limit_bytes")), "{{variant}} effective limit"})).
		WithRow(row("Garbage collector")).
		WithPanel(timeSeries("GC cycles per second",
			"Completed GC cycles per second (/gc/cycles/total), automatic and forced.",
			"cps", q{sum(s.rate("go_gc_cycles_total_gc_cycles_total")), "{{variant}}"})).
		WithPanel(timeSeries("GC CPU by phase",
			"Share of available CPU (GOMAXPROCS × wall time) in mark assists (taken from allocating goroutines), dedicated and idle mark workers, and pauses (/cpu/classes/gc).",
			"percentunit",
			q{gcShare("mark_assist"), "{{variant}} assist"},
			q{gcShare("mark_dedicated"), "{{variant}} dedicated"},
			q{gcShare("mark_idle"), "{{variant}} idle"},
			q{gcShare("pause"), "{{variant}} pause"})).
		WithPanel(timeSeries("GC CPU limiter",
			"The last GC cycle in which the GC CPU limiter engaged (/gc/limiter/last-enabled; 0: never). It caps GC CPU at 50 % when the heap is near GOMEMLIMIT, trading memory for CPU.",
			"short", q{maxOf(s.sel("go_gc_limiter_last_enabled_gc_cycle")), "{{variant}}"})).
		WithPanel(timeSeries("GC pauses",
			"Stop-the-world pauses of the GC, from stopping the world to starting it again (/sched/pauses/total/gc), median and 99th percentile.",
			"s",
			q{s.quantile(0.5, "variant", "go_sched_pauses_total_gc_seconds"), "{{variant}} p50"},
			q{s.quantile(0.99, "variant", "go_sched_pauses_total_gc_seconds"), "{{variant}} p99"})).
		WithPanel(timeSeries("GOGC",
			"The GOGC percentage in force (/gc/gogc): the heap may grow by this share of the live heap before the next cycle.",
			"percent", q{maxOf(s.sel("go_gc_gogc_percent")), "{{variant}}"})).
		WithRow(row("Allocation")).
		WithPanel(timeSeries("Heap allocation rate",
			"Bytes allocated on the heap per second (/gc/heap/allocs), and the bytes the alloc and memlimit scenarios asked for.",
			"Bps",
			q{sum(s.rate("go_gc_heap_allocs_bytes_total")), "{{variant}} heap"},
			q{sum(s.rate("runtimelab_alloc_bytes_total")), "{{variant}} alloc scenario"},
			q{sum(s.rate("runtimelab_memlimit_churn_bytes_total")), "{{variant}} memlimit churn"})).
		WithPanel(timeSeries("Heap objects",
			"Heap objects allocated per second (/gc/heap/allocs:objects) and objects the alloc scenario requested (tiny allocations are batched, sync.Pool hits are not allocations).",
			"ops",
			q{sum(s.rate("go_gc_heap_allocs_objects_total")), "{{variant}} heap"},
			q{sum(s.rate("runtimelab_alloc_objects_total")), "{{variant}} requested"})).
		WithPanel(timeSeries("GC scan work",
			"Bytes the GC scans each cycle: heap, goroutine stacks and globals (/gc/scan).",
			"bytes",
			q{maxOf(s.sel("go_gc_scan_heap_bytes")), "{{variant}} heap"},
			q{maxOf(s.sel("go_gc_scan_stack_bytes")), "{{variant}} stacks"},
			q{maxOf(s.sel("go_gc_scan_globals_bytes")), "{{variant}} globals"}))
}
