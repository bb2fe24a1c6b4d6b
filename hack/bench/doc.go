// Command bench prints how close the workload binary comes to bare
// testing.B microbenchmarks of the same operations, what its telemetry
// costs and what its load generator spends per request, measured side by
// side on this machine, each comparison as a median with its 95%
// interval and a verdict.
//
//	go run ./hack/bench --workload bin/workload
//	go run ./hack/bench --workload bin/workload --only overhead,gc
//	go run ./hack/bench --workload bin/workload --smoke --benchtime 1s   # every section, briefly (CI)
//
// Section "ratio" runs, for each scenario, the scenario's Benchmark
// function in its package (a compiled `go test` binary) and `workload run`
// with telemetry off, in interleaved pairs, and reports the workload's
// throughput as a share of the bare benchmark's (target >= 0.90).
// Section "poller" does the same for the poller scenario's echo mode
// against BenchmarkEchoBaseline, a minimal plain Go echo pair. Section
// "overhead" runs a scenario with telemetry off and on and reports the
// share of work per CPU-second lost (a busy neighbour taking CPU does not
// move that; telemetry, spending the process's CPU, does): at the usual
// settings (/metrics scraped every 15 s, profiles pushed every 15 s, 15 s
// windows), graded against 2%; and at harsh ones (1 s and 1 s), measured
// with where the CPU went, from the CPU profiles the runs pushed.
// Section "loadgen" runs the service scenario's load generator against a
// server doing no work per request — a fresh server per run, which the
// generator stops, as in a cluster — at 500, 2000 and, when it kept up,
// 5000 req/s, and reports the generator's own CPU per 1,000 requests; it
// has no target.
//
// Each pair alternates which run goes first, so drift on a shared machine
// falls on both sides, and each measured process runs alone in a 1-CPU
// cgroup with GOMAXPROCS=1 when the machine allows (--cpus). A comparison
// runs --min-rounds pairs (6: benchmath's least for a 95% interval), then
// more while the interval of its median straddles the target, up to
// --max-rounds or --time-cap: PASS when the whole interval meets the
// target, MISS when none of it does, CANNOT TELL otherwise. Verdicts never
// change the exit status: the command reports, it does not gate. It exits
// 1 only when a run fails, 2 on bad flags. Every round is appended as a Go
// benchmark line to bin/bench/bench-TIME.txt (benchstat OLD NEW compares
// two commits), every workload run's own lines to workload-TIME.txt.
package main
