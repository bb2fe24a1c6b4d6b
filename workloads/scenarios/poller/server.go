package poller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// listen opens the server's socket, logs its address for the operator
// and whoever starts the client, and starts accepting.
func (w *workload) listen(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", w.serve)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", w.serve, err)
	}
	if !w.g.track(ln) {
		return nil
	}
	w.addr = ln.Addr().String()
	if w.role == roleServer {
		w.log.Info("poller-serving", "addr", w.addr)
		if w.listening != nil {
			w.listening(w.addr)
		}
	}
	w.g.wg.Go(func() { w.accept(ln) })
	return nil
}

// acceptBackoff is how long the server waits after running out of
// descriptors before it accepts again.
const acceptBackoff = 50 * time.Millisecond

// accept serves every connection with its own goroutine until the
// listener is closed.
func (w *workload) accept(ln net.Listener) {
	warned := false
	for {
		c, err := ln.Accept()
		if err != nil {
			if w.g.stopping() {
				return
			}
			if !transient(err) {
				w.g.fail(fmt.Errorf("accept on %s: %w", w.addr, err))
				return
			}
			if !warned {
				w.log.Warn("poller: accept failed; retrying", "addr", w.addr, "err", err)
				warned = true
			}
			select {
			case <-w.g.done:
				return
			case <-time.After(acceptBackoff):
			}
			continue
		}
		if !w.g.track(c) {
			return
		}
		w.accepted.Add(1)
		w.g.wg.Go(func() { w.serve1(c) })
	}
}

// transient reports whether an Accept error passes: too many clients for
// the descriptors left, or a client that gave up while queued.
func transient(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS)
}

// serve1 echoes what arrives on c until the client leaves or the
// workload shuts down. It counts echoed bytes with one atomic add per
// Read, only as a server role, where they are the throughput figure.
func (w *workload) serve1(c net.Conn) {
	defer w.g.untrack(c)
	if w.role == roleServer {
		n := w.srvOpen.Add(1)
		for p := w.srvPeak.Load(); n > p && !w.srvPeak.CompareAndSwap(p, n); p = w.srvPeak.Load() {
		}
		defer w.srvOpen.Add(-1)
	}
	buf := make([]byte, w.msgSize)
	w.reading.Add(1)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
			if e := w.echoed.Load(); e != nil {
				e.Add(uint64(n))
			}
		}
		if err != nil {
			return // the client left, or shutdown closed c
		}
	}
}
