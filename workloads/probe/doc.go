// Package probe samples what every scenario is judged by: runtime/metrics
// (counters as deltas over a window, histograms turned into quantiles) and
// the container's cgroup files (CPU quota and throttling, memory limit,
// usage and OOM kills, pressure), plus the settings the runtime used.
package probe
