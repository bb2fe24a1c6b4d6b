package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// OperatorUID is the Operator dashboard's UID.
const OperatorUID = "runtimelab-operator"

func operator() *dashboard.DashboardBuilder {
	s := operatorScope
	ctl := `controller="experiment"`
	queue := `name="experiment"`
	return newDashboard(OperatorUID, "runtime-lab / Operator",
		"The runtime-lab operator: Experiment reconciles, the work queue, runs and experiments by outcome, API server requests and the manager's own resources.",
		s, source{"controller_runtime_reconcile_total", []string{ctl}}, false).
		WithRow(row("Reconciles")).
		WithPanel(timeSeries("Reconciles per second",
			"Experiment reconciles per second by result: success, error, requeue or requeue_after (controller_runtime_reconcile_total).",
			"ops", q{"sum by (result) (" + s.rate("controller_runtime_reconcile_total", ctl) + ")", "{{result}}"})).
		WithPanel(timeSeries("Reconcile errors",
			"Experiment reconciles per second that returned an error and will be retried with backoff (controller_runtime_reconcile_errors_total).",
			"ops", q{"sum(" + s.rate("controller_runtime_reconcile_errors_total", ctl) + ")", "errors"})).
		WithPanel(timeSeries("Reconcile time",
			"Time one Experiment reconcile took, median and 99th percentile (controller_runtime_reconcile_time_seconds).",
			"s",
			q{s.quantile(0.5, "controller", "controller_runtime_reconcile_time_seconds", ctl), "p50"},
			q{s.quantile(0.99, "controller", "controller_runtime_reconcile_time_seconds", ctl), "p99"})).
		WithPanel(timeSeries("Work queue depth",
			"Experiments waiting in the work queue for a worker (workqueue_depth).",
			"short", q{"sum(" + s.sel("workqueue_depth", queue) + ")", "depth"})).
		WithPanel(timeSeries("Work queue wait",
			"99th percentile of how long an Experiment waited in the work queue before a worker took it (workqueue_queue_duration_seconds).",
			"s", q{s.quantile(0.99, "name", "workqueue_queue_duration_seconds", queue), "p99"})).
		WithRow(row("Runs and experiments")).
		WithPanel(statPanel("Runs finished by outcome",
			"Runs that reached an outcome during the time range, by scenario and outcome: Completed, OOMKilled, Evicted, Error or Deleted (runtimelab_operator_runs_total). Error, Evicted and Deleted runs are retried within the retry budget.",
			"short", "lastNotNull", q{"sum by (scenario, outcome) (increase(" + s.sel("runtimelab_operator_runs_total") + "[$__range]))", "{{scenario}} {{outcome}}"}).
			Span(12)).
		WithPanel(timeSeries("Run duration",
			"Time from a run's pod creation to its end over the time range, median and 99th percentile by scenario (runtimelab_operator_run_duration_seconds).",
			"s",
			q{"histogram_quantile(0.5, sum by (scenario, le) (increase(" + s.sel("runtimelab_operator_run_duration_seconds_bucket") + "[$__range])))", "{{scenario}} p50"},
			q{"histogram_quantile(0.99, sum by (scenario, le) (increase(" + s.sel("runtimelab_operator_run_duration_seconds_bucket") + "[$__range])))", "{{scenario}} p99"})).
		WithPanel(statPanel("Experiments finished",
			"Experiments that finished during the time range, by scenario and condition: Complete or Failed (runtimelab_operator_experiments_finished_total).",
			"short", "lastNotNull", q{"sum by (scenario, condition) (increase(" + s.sel("runtimelab_operator_experiments_finished_total") + "[$__range]))", "{{scenario}} {{condition}}"}).
			Span(12)).
		WithRow(row("Manager")).
		WithPanel(timeSeries("API server requests",
			"Requests the manager's clients sent to the API server per second, by HTTP status code (rest_client_requests_total); a wave of runs creates pods in bursts.",
			"reqps", q{"sum by (code) (" + s.rate("rest_client_requests_total") + ")", "{{code}}"})).
		WithPanel(timeSeries("Manager memory",
			"Resident memory of the manager process (process_resident_memory_bytes); it grows with the Experiments and pods its caches hold.",
			"bytes", q{"max(" + s.sel("process_resident_memory_bytes") + ")", "resident"})).
		WithPanel(timeSeries("Manager goroutines",
			"Goroutines in the manager process (go_goroutines).",
			"short", q{"max(" + s.sel("go_goroutines") + ")", "goroutines"}))
}
