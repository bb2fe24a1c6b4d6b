package poller

import (
	"io"
	"sync"
)

// group owns the goroutines and descriptors of one workload. Shutting it
// down closes every listener and connection it tracks, which is what
// unblocks goroutines parked in Accept or Read: they cannot watch a
// context while the netpoller holds them.
type group struct {
	wg     sync.WaitGroup
	done   chan struct{} // closed by shutdown
	failed chan struct{} // closed by the first fail

	mu      sync.Mutex
	closing bool
	first   error
	closers map[io.Closer]struct{}
}

func newGroup() *group {
	return &group{done: make(chan struct{}), failed: make(chan struct{}), closers: map[io.Closer]struct{}{}}
}

// track registers c to be closed on shutdown. After shutdown it closes c
// at once and returns false.
func (g *group) track(c io.Closer) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		c.Close()
		return false
	}
	g.closers[c] = struct{}{}
	return true
}

// untrack closes c and forgets it, so a long-lived server does not keep
// every connection it ever accepted.
func (g *group) untrack(c io.Closer) {
	g.mu.Lock()
	delete(g.closers, c)
	g.mu.Unlock()
	c.Close()
}

// shutdown closes everything tracked; later calls do nothing.
func (g *group) shutdown() {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return
	}
	g.closing = true
	cs := g.closers
	g.closers = nil
	close(g.done)
	g.mu.Unlock()
	for c := range cs {
		c.Close()
	}
}

// stopping reports whether shutdown has begun: errors after it are the
// closing itself, not failures.
func (g *group) stopping() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// fail records the first error before shutdown and signals failed.
func (g *group) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing || g.first != nil {
		return
	}
	g.first = err
	close(g.failed)
}

// err returns the first failure, or nil.
func (g *group) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}
