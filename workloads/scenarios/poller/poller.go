package poller

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// The roles a process can play.
const (
	roleBoth   = "both"
	roleServer = "server"
	roleClient = "client"
)

// The modes.
const (
	modeEcho  = "echo"
	modeIdle  = "idle"
	modeBurst = "burst"
)

// defaultServe is where a server listens when --serve is not given.
const defaultServe = "127.0.0.1:0"

// Spec is the poller scenario's catalogue entry.
var Spec = scenario.Spec{
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
	Params: []scenario.Param{
		{Name: "mode", Kind: scenario.Enum, Default: modeEcho, Values: []string{modeEcho, modeIdle, modeBurst},
			Doc: "echo: closed-loop ping-pong on every connection; idle: hold the connections parked in Read " +
				"and measure their memory; burst: all clients send at once every interval"},
		{Name: "conns", Kind: scenario.Int, Default: "16", Min: "1", Max: "100000",
			Doc: "client connections; a server waits for this many before its warmup starts"},
		{Name: "msgSize", Kind: scenario.Bytes, Default: "64", Min: "1", Max: "1Mi",
			Doc: "bytes per message each way, and the size of each connection's read buffer"},
		{Name: "interval", Kind: scenario.Duration, Default: "10ms", Min: "1ms", Max: "1m",
			Doc: "burst mode: time between bursts"},
		{Name: "dialConcurrency", Kind: scenario.Int, Default: "64", Min: "1", Max: "1024",
			Doc: "dials in flight at once while connecting; well under the listen backlog (net.core.somaxconn), " +
				"so thousands of dials are not dropped and retried"},
	},
	Figures: []scenario.Figure{
		{Name: "conns", Unit: "conns", Better: scenario.Higher,
			Doc: "most connections this process held open at once (its client side, or its server side)"},
		{Name: "msgs/s", Unit: "1/s", Better: scenario.Higher,
			Doc: "round trips completed per second; role server: messages echoed per second"},
		{Name: "rtt-p50-s", Unit: "s", Better: scenario.Lower,
			Doc: "median round trip (burst: from the burst's start to the echo); 0 on role server"},
		{Name: "rtt-p99-s", Unit: "s", Better: scenario.Lower, Doc: "99th percentile round trip; 0 on role server"},
		{Name: "rtt-p999-s", Unit: "s", Better: scenario.Lower, Doc: "99.9th percentile round trip; 0 on role server"},
		{Name: "goroutines", Unit: "goroutines", Better: scenario.Lower, Doc: "goroutines at the end of the window"},
		{Name: "bytes/conn", Unit: "B", Better: scenario.Lower,
			Doc: "idle mode: runtime memory (/memory/classes/total) added per connection; 0 in other modes"},
		{Name: "heap-B/conn", Unit: "B", Better: scenario.Lower,
			Doc: "idle mode: live heap added per connection, after a GC; 0 in other modes"},
		{Name: "stack-B/conn", Unit: "B", Better: scenario.Lower,
			Doc: "idle mode: goroutine stack memory added per connection; 0 in other modes"},
	},
	Roles: []scenario.Role{
		{Name: roleBoth, Doc: "server and clients in this process, over loopback; needs 2·conns+64 file descriptors"},
		{Name: roleServer, Doc: "echo server on --serve (default " + defaultServe + "); logs msg=poller-serving " +
			"addr=HOST:PORT, waits for conns connections, and should be given a longer --duration than its client"},
		{Name: roleClient, NeedsTarget: true, Doc: "dials conns connections to the server at --target and drives them"},
	},
}

// New builds the scenario from validated parameters and the process's role.
func New(v scenario.Values, env scenario.Env) (scenario.Workload, error) {
	w := &workload{
		role:     env.Role,
		mode:     v.Enum("mode"),
		conns:    v.Int("conns"),
		msgSize:  int(v.Bytes("msgSize")),
		interval: v.Duration("interval"),
		dialConc: v.Int("dialConcurrency"),
		serve:    env.Serve,
		target:   env.Target,
		log:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
		g:        newGroup(),
	}
	if w.role == "" {
		w.role = Spec.Roles[0].Name
	}
	if w.serve == "" {
		w.serve = defaultServe
	}
	if err := checkRole(w.role, w.serve, w.target); err != nil {
		return nil, err
	}
	limit, err := fileLimit()
	if err != nil {
		return nil, err
	}
	if err := checkFiles(w.role, w.conns, limit); err != nil {
		return nil, err
	}
	if err := checkBuffers(w.conns, w.msgSize); err != nil {
		return nil, err
	}
	return w, nil
}

// workload is one process's part of the scenario. Connections are made
// by Prepare and driven by Run; g owns every goroutine and descriptor
// either starts, so closing them all on shutdown ends every Read and
// Accept.
type workload struct {
	role, mode    string
	conns         int
	msgSize       int
	interval      time.Duration
	dialConc      int
	serve, target string
	log           *slog.Logger

	g        *group
	prepared bool
	addr     string     // where the server listens, once it does
	clients  []net.Conn // this process's client side
	mem      perConn    // idle mode, measured by Prepare

	dialed           atomic.Int64 // client connections established
	accepted         atomic.Int64 // server connections accepted
	srvOpen, srvPeak atomic.Int64 // server connections open, and the most at once
	reading          atomic.Int64 // goroutines that reached their first Read
	echoed           atomic.Pointer[scenario.Counter]
	gate             atomic.Pointer[gate] // burst mode: the next burst to start
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	rtt := win.Latencies["rtt"]
	msgs := win.Rate("msgs")
	if w.role == roleServer {
		msgs = win.Rate("echoed") / float64(w.msgSize)
	}
	return map[string]float64{
		"conns":        w.connsHeld(),
		"msgs/s":       msgs,
		"rtt-p50-s":    rtt.P50.Seconds(),
		"rtt-p99-s":    rtt.P99.Seconds(),
		"rtt-p999-s":   rtt.P999.Seconds(),
		"goroutines":   float64(win.Runtime.Goroutines),
		"bytes/conn":   w.mem.total,
		"heap-B/conn":  w.mem.heap,
		"stack-B/conn": w.mem.stacks,
	}
}

// connsHeld is the conns figure: a server counts the most it held at
// once, since its clients may leave before its window ends.
func (w *workload) connsHeld() float64 {
	if w.role == roleServer {
		return float64(w.srvPeak.Load())
	}
	return float64(w.dialed.Load())
}

// Run drives the connections Prepare made until ctx ends or one of them
// fails, then closes them all and waits for every goroutine.
func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	msgs := m.Counter("msgs", "Round trips the clients completed.")
	echoed := m.Counter("echoed", "Bytes the server echoed back.")
	rtt := m.Latency("rtt")
	if w.role == roleServer {
		w.echoed.Store(echoed) // the server's goroutines are already running
	}
	if !w.prepared {
		if err := w.Prepare(ctx); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, w.g.shutdown)
	defer stop()
	w.drive(msgs, rtt)
	select {
	case <-ctx.Done():
	case <-w.g.failed:
	}
	w.g.shutdown()
	w.g.wg.Wait()
	return w.g.err()
}

// drive starts the client side's traffic for the mode; idle connections
// already have their readers.
func (w *workload) drive(msgs *scenario.Counter, rtt *scenario.Latency) {
	switch w.mode {
	case modeEcho:
		for i, c := range w.clients {
			if c == nil {
				continue // Prepare was cut short
			}
			shard := rtt.Shard()
			w.g.wg.Go(func() { w.echo(i, c, msgs, shard) })
		}
	case modeBurst:
		if len(w.clients) == 0 {
			return
		}
		w.gate.Store(newGate())
		w.g.wg.Go(w.releaseBursts)
		for i, c := range w.clients {
			if c == nil {
				continue
			}
			shard := rtt.Shard()
			w.g.wg.Go(func() { w.burst(i, c, msgs, shard) })
		}
	}
}
