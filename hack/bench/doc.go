// Command bench prints how close the workload binary comes to bare
// testing.B microbenchmarks of the same operations, and what its telemetry
// costs, measured side by side on this machine.
//
//	go run ./hack/bench --workload bin/workload --benchtime 5s --rounds 3
//	go run ./hack/bench --workload bin/workload --only overhead,gc
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
//
// Each pair alternates which run goes first, so drift on a shared machine
// falls on both sides; figures are medians over the rounds. Targets are
// printed with PASS or MISS but never change the exit status: the command
// reports, it does not gate. It exits 1 only when a run fails, 2 on bad
// flags. The benchmark lines of every workload run are appended to a file
// under bin/bench/ for benchstat.
package main
