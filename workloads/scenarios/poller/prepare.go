package poller

import (
	"context"
	"runtime"
	"runtime/metrics"
	"time"
)

// Prepare listens and connects before the warmup: a server waits for
// conns connections, and in idle mode the memory they cost is measured
// once every one has a goroutine parked in Read. Goroutines it starts end
// when ctx does, or when Run's context does.
func (w *workload) Prepare(ctx context.Context) error {
	if w.prepared {
		return nil
	}
	w.prepared = true
	context.AfterFunc(ctx, w.g.shutdown)
	if err := w.connect(ctx); err != nil || ctx.Err() != nil {
		w.g.shutdown()
		w.g.wg.Wait()
		if ctx.Err() != nil {
			return nil // the driver reports the run as ended early
		}
		return err
	}
	return nil
}

func (w *workload) connect(ctx context.Context) error {
	var before memSample
	if w.mode == modeIdle {
		before = readMem()
	}
	if w.role != roleClient {
		if err := w.listen(ctx); err != nil {
			return err
		}
	}
	if w.role != roleServer {
		target := w.target
		if w.role == roleBoth {
			target = w.addr
		}
		if err := w.dialAll(ctx, target); err != nil {
			return err
		}
	}
	if err := w.waitFor(ctx, w.connected); err != nil {
		return err
	}
	if w.mode == modeIdle {
		settle, cancel := context.WithTimeout(ctx, settleFor)
		w.waitFor(settle, quiet) //nolint:errcheck // a process that never goes quiet is measured anyway
		cancel()
		w.mem = before.perConn(readMem(), w.perConnDivisor())
	}
	return w.g.err()
}

// connected reports whether the server side has its conns connections
// and, in idle mode, every connection's goroutines have reached Read.
func (w *workload) connected() bool {
	readers := int64(0)
	if w.role != roleServer {
		readers += w.dialed.Load()
	}
	if w.role != roleClient {
		if w.accepted.Load() < int64(w.conns) {
			return false
		}
		readers += w.accepted.Load()
	}
	return w.mode != modeIdle || w.reading.Load() >= readers
}

// perConnDivisor is the number of connections the idle memory is shared
// over: a server's accepted ones, else the client's (with role both, each
// is a pair of sockets and goroutines).
func (w *workload) perConnDivisor() int {
	if w.role == roleServer {
		return int(w.accepted.Load())
	}
	return int(w.dialed.Load())
}

// waitFor polls cond until it holds, ctx ends or the workload fails.
func (w *workload) waitFor(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.g.failed:
			return w.g.err()
		case <-tick.C:
		}
	}
	return nil
}

// settleFor bounds the wait for the readers to park.
const settleFor = 2 * time.Second

// quiet reports whether no goroutine waits to run: a reader that has
// counted itself may not have parked yet, and its stack may still grow
// on the way into the poller.
func quiet() bool {
	s := []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64() == 0
}

// memSample is the runtime's memory after a GC.
type memSample struct {
	total, heap, stacks uint64
}

// perConn is memory added per connection.
type perConn struct {
	total, heap, stacks float64
}

// readMem collects garbage first so the heap is what is live, then reads
// all the memory the runtime has mapped, the live heap and the goroutine
// stacks. The runtime never unmaps, so the total's delta is what the
// connections made it map; it is not skewed by the scavenger returning
// pages to the OS in between, as the total less released memory would be.
func readMem() memSample {
	runtime.GC()
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
	metrics.Read(s)
	return memSample{total: s[0].Value.Uint64(), heap: s[1].Value.Uint64(), stacks: s[2].Value.Uint64()}
}

func (m memSample) perConn(after memSample, n int) perConn {
	if n <= 0 {
		return perConn{}
	}
	d := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) }
	return perConn{total: d(m.total, after.total), heap: d(m.heap, after.heap), stacks: d(m.stacks, after.stacks)}
}
