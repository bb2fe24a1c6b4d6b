// Package lint checks Grafana dashboard JSON against the rules of
// grafana/dashboard-linter that matter for runtime-lab: a data source
// variable and job/instance variables, panels on the $datasource variable,
// rate windows of $__rate_interval, every query filtered by the dashboard's
// template variables, counters only under a range function, units and
// descriptions on every panel, and unique UIDs, IDs and titles.
//
// dashboard-linter itself is not usable here (no version of its module is
// served), so these rules are reimplemented on Prometheus' own PromQL
// parser (promql/parser), with Grafana's variables stood in for as
// dashboard-linter does; the real test of every query is running it
// against a real Prometheus (package dashboards/e2e).
package lint
