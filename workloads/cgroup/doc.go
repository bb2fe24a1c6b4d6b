// Package cgroup reads the Linux cgroup "ground truth" of a process — CPU
// quota and throttling, memory limit and usage, OOM counters and pressure
// stall information — so that a workload measuring the Go runtime inside a
// container can compare what the runtime decided (GOMAXPROCS, GC pacing
// against GOMEMLIMIT) with what the kernel actually enforced.
//
// It handles both cgroup v1 and cgroup v2 and is strictly read-only.
//
// Path discovery follows the same rules the Go runtime itself uses since
// Go 1.25 (internal/runtime/cgroup): a v1 hierarchy carrying the controller
// wins over the v2 hierarchy, and the cgroup directory is the mount point
// plus the process's cgroup path made relative to the mount's root. Using
// the same rules means that when the runtime and this package disagree about
// a limit, the disagreement is about the numbers and not about which cgroup
// was looked at.
//
// The parsers are small and hand-written rather than taken from a library
// on purpose. github.com/containerd/cgroups wants to be handed the hierarchy
// up front, drags in opencontainers/runtime-spec, godbus and cilium/ebpf, and
// offers no single read that returns the same numbers for v1 and v2 from
// inside a container, which is exactly the one thing needed here. The files
// involved are a handful of one-line or flat "key value" files whose formats
// have been stable for years, so a few dozen lines of parsing cost less than
// the dependency tree.
package cgroup
