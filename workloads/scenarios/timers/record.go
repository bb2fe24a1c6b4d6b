package timers

import (
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// recorder is one timer's view of the meter. Firings are added to the
// shared counter in batches of up to 256, but a firing 50ms or more after
// the last add is added at once: a batch sized by the interval alone
// would sit uncounted for seconds when load makes the firings late.
type recorder struct {
	shard     *scenario.LatencyShard
	fires     *scenario.Counter
	n         uint64
	lastFlush time.Time
}

// Flush thresholds of a recorder.
const (
	flushFires = 256
	flushEvery = 50 * time.Millisecond
)

func newRecorder(shard *scenario.LatencyShard, fires *scenario.Counter) *recorder {
	return &recorder{shard: shard, fires: fires, lastFlush: time.Now()}
}

// record counts one firing, observed at now, that came late by d. Timers
// never fire early, and the histogram floors durations at 1µs, so
// lateness is never below zero.
func (r *recorder) record(now time.Time, d time.Duration) {
	r.shard.Record(d)
	if r.n++; r.n >= flushFires || now.Sub(r.lastFlush) >= flushEvery {
		r.flush()
		r.lastFlush = now
	}
}

func (r *recorder) flush() {
	r.fires.Add(r.n)
	r.n = 0
}

// chain is an AfterFunc timer whose callback records and re-arms it. No
// goroutine waits on it: each firing runs the callback in a new
// goroutine, which is what sets AfterFunc apart. inflight (Run's
// WaitGroup) counts the armed timer or running callback, so Run can wait
// until the last callback has returned.
type chain struct {
	r        *recorder
	interval time.Duration
	inflight *sync.WaitGroup

	mu      sync.Mutex // serialises a callback with stop
	t       *time.Timer
	due     time.Time
	stopped bool
}

// startChain arms the first firing phase+interval from now.
func startChain(r *recorder, interval, phase time.Duration, inflight *sync.WaitGroup) *chain {
	c := &chain{r: r, interval: interval, inflight: inflight}
	c.mu.Lock() // the callback waits for c.t and c.due
	defer c.mu.Unlock()
	inflight.Add(1)
	c.due = time.Now().Add(phase + interval)
	c.t = time.AfterFunc(phase+interval, c.fire)
	return c
}

// fire is the callback. The time is taken before the lock: it is when the
// callback ran that counts, not when it got the lock.
func (c *chain) fire() {
	now := time.Now()
	defer c.inflight.Done()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.r.record(now, now.Sub(c.due))
	c.inflight.Add(1) // before this callback's Done, so the count never drops to zero between firings
	// due is taken before Reset, which sets the timer from a later clock
	// reading: lateness is overstated by the few ns between, never understated.
	c.due = time.Now().Add(c.interval)
	c.t.Reset(c.interval)
}

// stop disarms the chain. A timer stopped before it fired will never run
// its callback, so its count is released here; otherwise the callback is
// running or about to, and sees stopped.
func (c *chain) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.t.Stop() {
		c.inflight.Done()
	}
}
