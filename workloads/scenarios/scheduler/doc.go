// Package scheduler is the "scheduler" scenario: CPU-bound fan-out/fan-in
// over N goroutines, optionally mixed with tasks that park on a channel or
// sit in a blocking syscall. It shows what GOMAXPROCS against the CPU limit
// does to throughput, to how long runnable goroutines wait for a P
// (/sched/latencies:seconds), and to CFS throttling.
package scheduler
