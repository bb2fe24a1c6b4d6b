package catalog

import "github.com/runtime-lab/runtime-lab/api/contract"

// Patterns of the app scenario's Text parameters: no whitespace, quotes,
// shell metacharacters or "..", so no value can reach a shell, leave its
// directory or split a line.
const (
	// imagePattern is an OCI image reference: registry/name[:tag][@digest].
	imagePattern = `[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?`
	// binaryPattern is an absolute path without "..": the service's
	// executable on a local run.
	binaryPattern = `/([A-Za-z0-9_+-][A-Za-z0-9._+-]*/)*[A-Za-z0-9_+-][A-Za-z0-9._+-]*`
	// urlPathPattern is an HTTP path with an optional query.
	urlPathPattern = `/[A-Za-z0-9._~/=&%:@+-]*(\?[A-Za-z0-9._~/=&%:@+-]*)?`
	// argsPattern is up to 32 arguments separated by single spaces.
	argsPattern = `[A-Za-z0-9=:,./_@+-]+( [A-Za-z0-9=:,./_@+-]+){0,31}`
)

// App is the scenario for the user's own Go HTTP service: the lab runs it
// as the server under each variant's limits and Go knobs and drives it
// with its open-loop load generator.
var App = Spec{
	Name:    "app",
	Summary: "your own Go HTTP service (an image, or a binary locally) under the lab's open-loop constant-rate load",
	Doc: "The server is your service: the operator runs `image` (with `args`) as the constrained container, the local " +
		"executor runs `binary` in the run's cgroup, each with the variant's GOMAXPROCS, GOGC, GOMEMLIMIT and GODEBUG in " +
		"its environment. It must listen on `port`. The load generator waits until `readyPath` answers 2xx, then sends " +
		"`rate` requests per second on a fixed schedule over `paths` (a request mix: `/a*3,/b` sends three to /a for " +
		"each to /b), never waiting for a response before the next (no coordinated omission). At the window's start " +
		"and end it reads the service's own Prometheus endpoint (`metricsPath` on `metricsPort`): client_golang's Go " +
		"collector gives GOMAXPROCS, GOGC, GOMEMLIMIT, the GC rate and heap, and, when the service opts in to its " +
		"runtime/metrics rules, GC CPU and scheduling latency. Locally it also reads the service's cgroup (CPU, " +
		"throttling, memory, OOM kills). Figures the service does not expose are reported missing, with why, never zero.",
	Roles: []Role{
		{Name: contract.RoleLoadgen, Doc: "the load generator and observer, sending to --target host:port (your service)", NeedsTarget: true},
		{Name: contract.RoleServer, Doc: "your service itself, which an executor starts from spec.scenario.app.image or .binary; the workload binary cannot play it"},
	},
	Params: []Param{
		{Name: "image", Kind: Text, Default: "", Pattern: `(` + imagePattern + `)?`, MaxLen: 255, Example: "ghcr.io/acme/orders:v1.4.2",
			Doc: "your service's container image, for runs on a cluster"},
		{Name: "binary", Kind: Text, Default: "", Pattern: `(` + binaryPattern + `)?`, MaxLen: 1024, Example: "/usr/local/bin/orders",
			Doc: "absolute path of your service's executable, for local runs (kubectl lab run --local)"},
		{Name: "args", Kind: Text, Default: "", Pattern: `(` + argsPattern + `)?`, MaxLen: 1024, Example: "--listen=:8080 --log=warn",
			Doc: "arguments to your service, separated by single spaces (no shell, no quoting)"},
		{Name: "port", Kind: Int, Default: "8080", Min: "1", Max: "65535",
			Doc: "port your service listens on"},
		{Name: "paths", Kind: Text, Default: "/", Pattern: urlPathPattern + `(\*[1-9][0-9]{0,2})?(,` + urlPathPattern + `(\*[1-9][0-9]{0,2})?){0,15}`,
			MaxLen: 1024, Example: "/api/orders*3,/api/orders/42",
			Doc: "the request mix: up to 16 GET paths, each with an optional weight (*1 to *999), sent in that proportion"},
		{Name: "readyPath", Kind: Text, Default: "/", Pattern: urlPathPattern, MaxLen: 256, Example: "/healthz",
			Doc: "path that answers 2xx once your service is ready; the warmup starts then"},
		{Name: "metricsPath", Kind: Text, Default: "/metrics", Pattern: `(` + urlPathPattern + `)?`, MaxLen: 256, Example: "/metrics",
			Doc: "path of your service's Prometheus metrics (client_golang); empty reads none"},
		{Name: "metricsPort", Kind: Int, Default: "0", Min: "0", Max: "65535",
			Doc: "port of the metrics endpoint; 0 is the service's port"},
		{Name: "rate", Kind: Int, Default: "200", Min: "1", Max: "100000",
			Doc: "requests per second the load generator sends, on schedule (open loop)"},
		{Name: "connections", Kind: Int, Default: "256", Min: "1", Max: "10000",
			Doc: "most keep-alive connections the load generator opens"},
		{Name: "timeout", Kind: Duration, Default: "10s", Min: "10ms", Max: "5m",
			Doc: "request timeout; a timed-out request counts as an error"},
		{Name: "readyTimeout", Kind: Duration, Default: "60s", Min: "1s", Max: "10m",
			Doc: "how long the service has to answer readyPath before the run fails"},
	},
	Headline: []string{"lat-p99-s", "req/s", "error-frac", "throttled-s/s"},
	Figures: []Figure{
		{Name: "req/s", Unit: "1/s", Better: Higher, Doc: "responses received per second"},
		{Name: "rate-frac", Unit: "ratio", Better: Higher, Doc: "achieved request rate over the target rate"},
		{Name: "lat-p50-s", Unit: "s", Better: Lower, Doc: "median latency from when the request was sent to its response"},
		{Name: "lat-p90-s", Unit: "s", Better: Lower, Doc: "90th percentile latency"},
		{Name: "lat-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile latency"},
		{Name: "lat-p999-s", Unit: "s", Better: Lower, Doc: "99.9th percentile latency"},
		{Name: "send-lag-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile of how late the load generator sent a request; large means the generator itself lacks CPU and the run is suspect"},
		{Name: "error-frac", Unit: "ratio", Better: Lower, Doc: "share of requests that failed or were not 2xx"},
		{Name: "lg-cpu-ms/1k-req", Unit: "ms", Better: Lower, Doc: "the load generator's CPU per 1,000 requests"},
		{Name: "gc/s", Unit: "1/s", Better: Lower, Doc: "GC cycles per second of your service (go_gc_duration_seconds_count)"},
		{Name: "heap-live-B", Unit: "B", Better: Lower, Doc: "your service's heap in use at the window's end (go_memstats_heap_alloc_bytes)"},
		{Name: "sched-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile of how long your service's goroutines waited runnable (go_sched_latencies_seconds, when exposed)", Resolution: ExportedHistogram},
	},
}
