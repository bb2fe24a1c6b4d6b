// Package build defines runtime-lab's Grafana dashboards in Go with the
// Grafana foundation SDK: one file per dashboard, small factories for
// panels, queries and variables in factories.go. Every PromQL query uses
// the metric names the workloads and the operator export, filtered by the
// dashboard's template variables; dashboards/cmd/gen writes them as JSON.
package build
