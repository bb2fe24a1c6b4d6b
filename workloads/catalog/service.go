package catalog

import (
	"fmt"
	"math"

	"github.com/runtime-lab/runtime-lab/api/contract"
)

// Service is the service scenario's catalogue entry.
var Service = Spec{
	Name:    "service",
	Summary: "an HTTP service with per-request CPU, allocation and I/O wait under open-loop constant-rate load",
	Doc: "The server answers GET /work: it burns `work` of CPU (in the request goroutine, or in a pool of " +
		"`workers` goroutines when set), allocates `allocBytes`, waits `ioWait` as if calling a backend, and " +
		"writes `respBytes`. A `panicFraction` of requests panic and are recovered by middleware (500). With " +
		"`leakEvery` N > 0, every Nth request leaks a goroutine or `leakBytes` of heap (`leakKind`), for leak " +
		"hunting. The load generator sends `rate` requests per second on a fixed schedule (vegeta's constant " +
		"pacer) over up to `connections` keep-alive connections; it never waits for a response before sending the next " +
		"request, so a server that falls behind shows it in latency instead of slowing the load (no coordinated omission). SIGTERM stops the load and drains in-flight requests " +
		"before the final summary. Run apart (roles server and loadgen), the server's warmup and window start with its first " +
		"request, and the load generator tells it to stop when its own window ends, so both measure the same load.",
	Roles: []Role{
		{Name: contract.RoleBoth, Doc: "server and load generator in this process (quick local runs; they share its CPU)"},
		{Name: contract.RoleServer, Doc: "the server only, listening on --serve (default :8080); the constrained container"},
		{Name: contract.RoleLoadgen, Doc: "the load generator only, sending to --target host:port; its own pod", NeedsTarget: true},
	},
	Memory: serviceMemory,
	Params: []Param{
		{Name: "rate", Kind: Int, Default: "500", Min: "1", Max: "100000",
			Doc: "requests per second the load generator sends, on schedule (open loop)"},
		{Name: "connections", Kind: Int, Default: "256", Min: "1", Max: "10000",
			Doc: "most keep-alive connections the load generator opens"},
		{Name: "timeout", Kind: Duration, Default: "10s", Min: "10ms", Max: "5m",
			Doc: "request timeout; a timed-out request counts as an error"},
		{Name: "work", Kind: Duration, Default: "500us", Min: "0s", Max: "1s",
			Doc: "CPU work per request, as time on an idle unthrottled CPU"},
		{Name: "allocBytes", Kind: Bytes, Default: "16Ki", Min: "0", Max: "64Mi",
			Doc: "heap allocated (and touched) per request"},
		{Name: "ioWait", Kind: Duration, Default: "0s", Min: "0s", Max: "10s",
			Doc: "time each request waits as if on a backend call (a timer, no CPU)"},
		{Name: "respBytes", Kind: Bytes, Default: "256", Min: "0", Max: "16Mi",
			Doc: "response body size"},
		{Name: "workers", Kind: Int, Default: "0", Min: "0", Max: "10000",
			Doc: "run the CPU work in a fixed pool of this many goroutines; 0 runs it in the request goroutine"},
		{Name: "panicFraction", Kind: Float, Default: "0", Min: "0", Max: "1",
			Doc: "share of requests that panic and are recovered by middleware (answered 500)"},
		{Name: "leakEvery", Kind: Int, Default: "0", Min: "0", Max: "1000000",
			Doc: "leak on every Nth request (0: never), for leak-detection exercises"},
		{Name: "leakKind", Kind: Enum, Default: "goroutine", Values: []string{"goroutine", "heap"},
			Doc: "what a leaking request leaks: a goroutine blocked until the run ends, or leakBytes of heap"},
		{Name: "leakBytes", Kind: Bytes, Default: "64Ki", Min: "1", Max: "64Mi",
			Doc: "heap a heap leak keeps per leaking request"},
	},
	Headline: []string{"lat-p99-s", "req/s", "error-frac", "throttled-s/s"},
	Figures: []Figure{
		{Name: "req/s", Unit: "1/s", Better: Higher, Doc: "responses received per second (load generator)"},
		{Name: "rate-frac", Unit: "ratio", Better: Higher, Doc: "achieved request rate over the target rate (load generator)"},
		{Name: "lat-p50-s", Unit: "s", Better: Lower, Doc: "median latency from when the request was sent to its response (load generator; the generator's own lateness is send-lag-p99-s)"},
		{Name: "lat-p90-s", Unit: "s", Better: Lower, Doc: "90th percentile latency (load generator)"},
		{Name: "lat-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile latency (load generator)"},
		{Name: "lat-p999-s", Unit: "s", Better: Lower, Doc: "99.9th percentile latency (load generator)"},
		{Name: "send-lag-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile of how late the load generator sent a request; large means the generator itself lacks CPU and the run is suspect"},
		{Name: "error-frac", Unit: "ratio", Better: Lower, Doc: "share of requests that failed or were not 2xx (load generator)"},
		{Name: "lg-cpu-ms/1k-req", Unit: "ms", Better: Lower, Doc: "the load generator's CPU per 1,000 requests (loadgen role only)"},
		{Name: "served/s", Unit: "1/s", Better: Higher, Doc: "requests the server completed per second (server)"},
		{Name: "panics/s", Unit: "1/s", Better: Lower, Doc: "panics the server recovered per second (server)"},
		{Name: "leaked", Unit: "count", Better: Lower, Doc: "goroutines or heap blocks leaked during the window (server)"},
	},
}

// serviceMemory: a goroutine and a response per connection, the heap of
// the requests in flight (rate × their time), and what leaks over the
// window.
func serviceMemory(v Values, in MemoryInput) Need {
	rate, conns := float64(v.Int("rate")), int64(v.Int("connections"))
	inFlight := int64(math.Ceil(rate * (v.Duration("work") + v.Duration("ioWait")).Seconds()))
	need := satAdd(satMul(conns, satAdd(goroutineBytes, v.Bytes("respBytes"))), satMul(max(inFlight, 1), max(v.Bytes("allocBytes"), 1)))
	how := fmt.Sprintf("%d connections, %d requests in flight × %s", conns, inFlight, approxBytes(v.Bytes("allocBytes")))
	if every := v.Int("leakEvery"); every > 0 {
		leaks := int64(rate * in.Window.Seconds() / float64(every))
		each := int64(goroutineBytes)
		if v.Enum("leakKind") == "heap" {
			each = v.Bytes("leakBytes")
		}
		need = satAdd(need, satMul(leaks, each))
		how += fmt.Sprintf(", %d leaks × %s over %s", leaks, approxBytes(each), in.Window)
	}
	return Need{need, how}
}
