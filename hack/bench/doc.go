// Command bench prints how close the workload binary comes to bare
// testing.B microbenchmarks of the same operations, what its telemetry
// costs and what its load generator spends per request, measured side by
// side on this machine.
//
//	go run ./hack/bench --workload bin/workload --benchtime 5s --rounds 3
//	go run ./hack/bench --workload bin/workload --only overhead,gc
//	go run ./hack/bench --workload bin/workload --only loadgen
//
// Section "ratio" runs, for each scenario, the scenario's Benchmark
// function in its package (a compiled `go test` binary) and `workload run`
// with telemetry off, in interleaved pairs, and reports the workload's
// throughput as a share of the bare benchmark's. Section "overhead" runs
// the same scenario with telemetry off and on (/metrics scraped every
// second and profiles pushed every second to a local Pyroscope sink) and
// reports the throughput lost. Section "poller" runs the poller scenario's
// echo mode (role both) against BenchmarkEchoBaseline, a minimal plain Go
// echo client and server with the same connections and message size, in
// the same interleaved pairs, and reports msgs/s as a share of it.
// Section "loadgen" starts the service scenario's server role doing no
// work per request, runs its load generator role (telemetry off) against
// it at 500, 2000 and, when it kept up at 2000, 5000 req/s, and reports
// the generator's own CPU per 1,000 requests with the achieved rate and
// the p99 send lag, so a saturated generator shows; it has no target.
//
// Each pair alternates which run goes first, so drift on a shared machine
// falls on both sides; figures are medians over the rounds (the loadgen
// section has no pair: it runs each rate --rounds times). Targets are
// printed with PASS or MISS but never change the exit status: the command
// reports, it does not gate. It exits 1 only when a run fails, 2 on bad
// flags. The benchmark lines of every workload run are appended to a file
// under bin/bench/ for benchstat.
package main
