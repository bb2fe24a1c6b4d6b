// Package e2e tests the dashboards against real servers: real workload
// processes (in real cgroups where the machine allows) and the operator
// against a real kube-apiserver are scraped by a real Prometheus, and every
// PromQL query of every panel must return data; a stand-in Pyroscope ingest
// endpoint receives pyroscope-go's pushes and every flame graph's label
// selector must match them; the exported metrics pass promlint with a
// bounded series count. The package has tests only.
package e2e
