package poller

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// dialAll opens conns connections to addr, dialConcurrency at a time so
// the server's accept queue never overflows; a full queue drops SYNs and
// the kernel retries them a second or more later.
func (w *workload) dialAll(ctx context.Context, addr string) error {
	w.clients = make([]net.Conn, w.conns)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(w.dialConc, w.conns) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < w.conns; i = int(next.Add(1) - 1) {
				if w.g.stopping() || w.g.err() != nil {
					return
				}
				if err := w.dial(ctx, addr, i); err != nil {
					w.g.fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return w.g.err()
}

// dialTimeout fails the run when a server does not answer, instead of
// leaving it in the kernel's SYN retries for minutes.
const dialTimeout = 30 * time.Second

// dial opens connection i; in idle mode it starts the goroutine that
// holds it parked in Read.
func (w *workload) dial(ctx context.Context, addr string, i int) error {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial %s (connection %d of %d): %w", addr, i+1, w.conns, err)
	}
	if !w.g.track(c) {
		return nil
	}
	w.clients[i] = c
	w.dialed.Add(1)
	if w.mode == modeIdle {
		w.g.wg.Go(func() { w.hold(i, c) })
	}
	return nil
}

// lost reports a client connection that failed before shutdown: the
// measurement is broken, so the run ends with an error.
func (w *workload) lost(i int, c net.Conn, err error) {
	if w.g.stopping() {
		return
	}
	w.g.fail(fmt.Errorf("connection %d of %d to %s: %w (if the server stopped first, give it a longer --duration)",
		i+1, w.conns, c.RemoteAddr(), err))
}

// hold parks a goroutine in Read on an idle connection, as a server
// waiting for a request would.
func (w *workload) hold(i int, c net.Conn) {
	buf := make([]byte, w.msgSize)
	w.reading.Add(1)
	for {
		if _, err := c.Read(buf); err != nil {
			w.lost(i, c, err)
			return
		}
	}
}

// echo ping-pongs one message at a time as fast as the connection goes.
// It counts and records every trip rather than in batches: on the 2-core
// machine this was written on, the add took ~10 ns and the two clock
// reads and the record ~100 ns with 8 goroutines contending, against
// ~12 µs of CPU per loopback round trip (four syscalls, two wake-ups).
func (w *workload) echo(i int, c net.Conn, msgs *scenario.Counter, rtt *scenario.LatencyShard) {
	out, in := make([]byte, w.msgSize), make([]byte, w.msgSize)
	for {
		start := time.Now()
		if _, err := c.Write(out); err != nil {
			w.lost(i, c, err)
			return
		}
		if _, err := io.ReadFull(c, in); err != nil {
			w.lost(i, c, err)
			return
		}
		rtt.Record(time.Since(start))
		msgs.Add(1)
	}
}

// gate is one burst: closing open wakes every client at once, and at is
// when that happened. at is written before open is closed, so a client
// woken by open reads it safely.
type gate struct {
	open chan struct{}
	at   time.Time
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

// releaseBursts opens a burst every interval. The next gate is in place
// before the current one opens, so a woken client cannot take the same
// burst twice; a client still busy when a burst opens misses it, as a
// slow receiver misses a ticker's ticks, instead of piling up a backlog.
func (w *workload) releaseBursts() {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.g.done:
			return
		case <-t.C:
		}
		g := w.gate.Swap(newGate())
		g.at = time.Now()
		close(g.open)
	}
}

// burst sends one message per burst and records the time from the
// burst's start to its echo.
func (w *workload) burst(i int, c net.Conn, msgs *scenario.Counter, rtt *scenario.LatencyShard) {
	out, in := make([]byte, w.msgSize), make([]byte, w.msgSize)
	for {
		g := w.gate.Load()
		select {
		case <-g.open:
		case <-w.g.done:
			return
		}
		if _, err := c.Write(out); err != nil {
			w.lost(i, c, err)
			return
		}
		if _, err := io.ReadFull(c, in); err != nil {
			w.lost(i, c, err)
			return
		}
		rtt.Record(time.Since(g.at))
		msgs.Add(1)
	}
}
