package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// SchedulerUID is the Scheduler dashboard's UID.
const SchedulerUID = "runtimelab-scheduler"

func scheduler() *dashboard.DashboardBuilder {
	s := workloadScope
	sum := func(expr string) string { return "sum by (variant) (" + expr + ")" }
	maxOf := func(metric string) string { return "max by (variant) (" + s.sel(metric) + ")" }
	cpuShare := func(class string) string {
		return sum(s.rate("go_cpu_classes_"+class+"_cpu_seconds_total")) + " / " + sum(s.rate("go_cpu_classes_total_cpu_seconds_total"))
	}
	return newDashboard(SchedulerUID, "runtime-lab / Scheduler",
		"The Go scheduler under a CPU limit: task throughput, scheduling latency, goroutine states, GOMAXPROCS against the quota, throttling and where the CPU went.",
		s, runInfo, false).
		WithRow(row("Throughput and latency")).
		WithPanel(timeSeries("Tasks per second",
			"CPU-bound tasks the scheduler scenario completed per second (runtimelab_scheduler_tasks_total), and fan-out/fan-in rounds.",
			"ops",
			q{sum(s.rate("runtimelab_scheduler_tasks_total")), "{{variant}} tasks"},
			q{sum(s.rate("runtimelab_scheduler_rounds_total")), "{{variant}} rounds"})).
		WithPanel(timeSeries("Scheduling latency",
			"Time goroutines spent runnable before they ran (/sched/latencies), median and 99th percentile. Above the CPU quota this grows by whole CFS periods.",
			"s",
			q{s.quantile(0.5, "variant", "go_sched_latencies_seconds"), "{{variant}} p50"},
			q{s.quantile(0.99, "variant", "go_sched_latencies_seconds"), "{{variant}} p99"})).
		WithRow(row("Goroutines, Ps and threads")).
		WithPanel(timeSeries("Goroutines by state",
			"Goroutines runnable (waiting for a P), running, waiting (blocked) and not in Go (in a system call or cgo), from /sched/goroutines.",
			"short",
			q{sum(s.sel("go_sched_goroutines_runnable_goroutines")), "{{variant}} runnable"},
			q{sum(s.sel("go_sched_goroutines_running_goroutines")), "{{variant}} running"},
			q{sum(s.sel("go_sched_goroutines_waiting_goroutines")), "{{variant}} waiting"},
			q{sum(s.sel("go_sched_goroutines_not_in_go_goroutines")), "{{variant}} not in Go"})).
		WithPanel(timeSeries("GOMAXPROCS and OS threads",
			"GOMAXPROCS (Ps) and the OS threads the runtime holds (/sched/threads/total). Since Go 1.25 GOMAXPROCS follows the CPU limit unless set.",
			"short",
			q{maxOf("go_sched_gomaxprocs_threads"), "{{variant}} GOMAXPROCS"},
			q{maxOf("go_sched_threads_total_threads"), "{{variant}} threads"})).
		WithRow(row("CPU")).
		WithPanel(timeSeries("CPU used and limit",
			"CPU cores the container used (cgroup cpuacct.usage / cpu.stat usage_usec) against its limit (CFS quota over period). The limit is absent when the container has none.",
			"short",
			q{sum(s.rate("runtimelab_cgroup_cpu_usage_seconds_total")), "{{variant}} used"},
			q{maxOf("runtimelab_cgroup_cpu_limit_cores"), "{{variant}} limit"})).
		WithPanel(timeSeries("Throttled time",
			"Time the container's threads spent throttled per second of wall time (cgroup cpu.stat throttled_time / throttled_usec); more than 1 s/s means several threads waited at once.",
			"s", q{sum(s.rate("runtimelab_cgroup_cpu_throttled_seconds_total")), "{{variant}}"})).
		WithPanel(timeSeries("CPU by class",
			"Share of the runtime's available CPU (GOMAXPROCS × wall time) spent in user code, the GC, the scavenger and idle (/cpu/classes).",
			"percentunit",
			q{cpuShare("user"), "{{variant}} user"},
			q{cpuShare("gc_total"), "{{variant}} GC"},
			q{cpuShare("scavenge_total"), "{{variant}} scavenge"},
			q{cpuShare("idle"), "{{variant}} idle"})).
		WithPanel(timeSeries("Time to stop the world",
			"99th percentile of how long the runtime took to stop every goroutine for the GC's stop-the-world phases (/sched/pauses/stopping/gc): long when goroutines run tight loops or the container is throttled mid-stop.",
			"s", q{s.quantile(0.99, "variant", "go_sched_pauses_stopping_gc_seconds"), "{{variant}}"})).
		WithPanel(timeSeries("Mutex wait",
			"Time goroutines spent blocked on sync.Mutex and sync.RWMutex per second (/sync/mutex/wait/total).",
			"s", q{sum(s.rate("go_sync_mutex_wait_total_seconds_total")), "{{variant}}"})).
		WithRow(row("Above the container")).
		WithPanel(timeSeries("GOMAXPROCS against the effective CPU limit",
			"GOMAXPROCS, the container's own CPU limit, and the effective one: the tightest quota on the path from its cgroup up (a pod-level limit, a parent slice), as far up as the workload can see. The runtime sizes GOMAXPROCS from its own cgroup only (runtime.adjustCgroupGOMAXPROCS): when the effective limit is below the own one, GOMAXPROCS is sized for CPU the container does not get.",
			"short",
			q{maxOf("go_sched_gomaxprocs_threads"), "{{variant}} GOMAXPROCS"},
			q{maxOf("runtimelab_cgroup_cpu_limit_cores"), "{{variant}} own limit"},
			q{maxOf("runtimelab_cgroup_effective_cpu_limit_cores"), "{{variant}} effective limit"})).
		WithPanel(timeSeries("Throttled time by cgroup level",
			"Throttled seconds per second in the container's own cgroup and in each cgroup above it that the workload can see (up=1 is its parent, such as the pod's). A quota on a pod throttles there, where the container's own cpu.stat shows nothing.",
			"s",
			q{sum(s.rate("runtimelab_cgroup_cpu_throttled_seconds_total")), "{{variant}} own"},
			q{"sum by (variant, up, cgroup) (" + s.rate("runtimelab_cgroup_level_cpu_throttled_seconds_total") + ")", "{{variant}} up {{up}} {{cgroup}}"})).
		WithPanel(timeSeries("CPU used by cgroup level",
			"CPU cores used in the container's own cgroup and in each cgroup above it: a level that uses more than the container shares its budget with others (the pod's other containers, a sidecar).",
			"short",
			q{sum(s.rate("runtimelab_cgroup_cpu_usage_seconds_total")), "{{variant}} own"},
			q{"sum by (variant, up, cgroup) (" + s.rate("runtimelab_cgroup_level_cpu_usage_seconds_total") + ")", "{{variant}} up {{up}} {{cgroup}}"}))
}
