package poller

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// The roles a process can play, and the modes (catalog.Poller).
const (
	roleBoth   = contract.RoleBoth
	roleServer = contract.RoleServer
	roleClient = contract.RoleClient
	modeEcho   = catalog.PollerEcho
	modeIdle   = catalog.PollerIdle
	modeBurst  = catalog.PollerBurst
)

// defaultServe is where a server listens when --serve is not given.
const defaultServe = catalog.PollerDefaultServe

// New builds the scenario from validated parameters and the process's role.
func New(v catalog.Values, env scenario.Env) (scenario.Workload, error) {
	w := &workload{
		role:      env.Role,
		mode:      v.Enum("mode"),
		conns:     v.Int("conns"),
		msgSize:   int(v.Bytes("msgSize")),
		interval:  v.Duration("interval"),
		dialConc:  v.Int("dialConcurrency"),
		serve:     env.Serve,
		target:    env.Target,
		listening: env.Listening,
		log:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
		g:         newGroup(),
	}
	if w.role == "" {
		w.role = catalog.Poller.Roles[0].Name
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
	listening     func(addr string) // told the server's address (scenario.Env)

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
