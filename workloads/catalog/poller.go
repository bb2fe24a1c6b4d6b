package catalog

import (
	"fmt"

	"github.com/runtime-lab/runtime-lab/api/contract"
)

// The poller scenario's modes, and where its server listens by default.
const (
	PollerEcho         = "echo"
	PollerIdle         = "idle"
	PollerBurst        = "burst"
	PollerDefaultServe = "127.0.0.1:0"
)

// Poller is the poller scenario's catalogue entry.
var Poller = Spec{
	Name:    "poller",
	Summary: "TCP echo over loopback or to a target: closed-loop ping-pong, idle parked connections, or bursts",
	Doc: "Before the warmup, dials `conns` TCP connections (`dialConcurrency` at a time) to an echo server that " +
		"serves each with its own goroutine blocked in Read. In mode echo every connection sends `msgSize` bytes " +
		"and waits for the echo, as fast as it can: round-trip latency is the netpoller waking a parked goroutine " +
		"twice per trip. In mode idle nothing is sent: the connections are held with a goroutine parked in Read " +
		"on each side, and what they cost is measured after a GC once all are connected (runtime memory, live " +
		"heap and goroutine stacks, per connection). In mode burst every client wakes at once each `interval`, " +
		"sends one message and waits for its echo: latency runs from the burst's start, so it includes waking " +
		"every goroutine together and draining the readiness events. Role both runs server and clients in one " +
		"process and needs 2·conns file descriptors; for more, run --role server and --role client apart.",
	Memory: pollerMemory,
	Params: []Param{
		{Name: "mode", Kind: Enum, Default: PollerEcho, Values: []string{PollerEcho, PollerIdle, PollerBurst},
			Doc: "echo: closed-loop ping-pong on every connection; idle: hold the connections parked in Read " +
				"and measure their memory; burst: all clients send at once every interval"},
		{Name: "conns", Kind: Int, Default: "16", Min: "1", Max: "100000",
			Doc: "client connections; a server waits for this many before its warmup starts"},
		{Name: "msgSize", Kind: Bytes, Default: "64", Min: "1", Max: "1Mi",
			Doc: "bytes per message each way, and the size of each connection's read buffer"},
		{Name: "interval", Kind: Duration, Default: "10ms", Min: "1ms", Max: "1m",
			Doc: "burst mode: time between bursts"},
		{Name: "dialConcurrency", Kind: Int, Default: "64", Min: "1", Max: "1024",
			Doc: "dials in flight at once while connecting; well under the listen backlog (net.core.somaxconn), " +
				"so thousands of dials are not dropped and retried"},
	},
	Headline: []string{"conns", "msgs/s", "rtt-p99-s", "bytes/conn"},
	Figures: []Figure{
		{Name: "conns", Unit: "conns", Better: Higher,
			Doc: "most connections this process held open at once (its client side, or its server side)"},
		{Name: "msgs/s", Unit: "1/s", Better: Higher,
			Doc: "round trips completed per second; role server: messages echoed per second"},
		{Name: "rtt-p50-s", Unit: "s", Better: Lower,
			Doc: "median round trip (burst: from the burst's start to the echo); 0 on role server"},
		{Name: "rtt-p99-s", Unit: "s", Better: Lower, Doc: "99th percentile round trip; 0 on role server"},
		{Name: "rtt-p999-s", Unit: "s", Better: Lower, Doc: "99.9th percentile round trip; 0 on role server"},
		{Name: "goroutines", Unit: "goroutines", Better: Lower, Doc: "goroutines at the end of the window"},
		{Name: "bytes/conn", Unit: "B", Better: Lower,
			Doc: "idle mode: runtime memory (/memory/classes/total) added per connection; 0 in other modes"},
		{Name: "heap-B/conn", Unit: "B", Better: Lower,
			Doc: "idle mode: live heap added per connection, after a GC; 0 in other modes"},
		{Name: "stack-B/conn", Unit: "B", Better: Lower,
			Doc: "idle mode: goroutine stack memory added per connection; 0 in other modes"},
	},
	Roles: []Role{
		{Name: contract.RoleBoth, Doc: "server and clients in this process, over loopback; needs 2·conns+64 file descriptors"},
		{Name: contract.RoleServer, Doc: "echo server on --serve (default " + PollerDefaultServe + "); logs msg=poller-serving " +
			"addr=HOST:PORT, waits for conns connections, and should be given a longer --duration than its client"},
		{Name: contract.RoleClient, NeedsTarget: true, Doc: "dials conns connections to the server at --target and drives them"},
	},
}

// pollerMemory: per connection, a goroutine parked in Read with its
// buffer, and the socket; role both holds both ends (measured: 3.6 KiB a
// side in idle mode with 64-byte messages).
func pollerMemory(v Values, _ MemoryInput) Need {
	conns, msg := int64(v.Int("conns")), v.Bytes("msgSize")
	per := satAdd(2*goroutineBytes, 2*msg)
	return Need{satMul(conns, per), fmt.Sprintf("%d connections × %s (both ends, each a goroutine and a %s buffer)", conns, approxBytes(per), approxBytes(msg))}
}
