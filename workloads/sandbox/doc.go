// Package sandbox creates a fresh cgroup with a CPU quota and a memory
// limit and starts a process inside it from its first instruction, as a
// container runtime would. The local executor runs each workload run in one;
// the workload's tests use it to prove what the workload reports.
//
// cgroup v1 (root) and v2 (root, writing cgroupfs) are created with
// containerd/cgroups, the library container runtimes use.
package sandbox
