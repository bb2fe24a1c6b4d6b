package scenario

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// Counter is a monotonically increasing count of a scenario's work. Hot
// loops should add in batches: one atomic add per operation on a shared
// cache line would measure contention instead of the runtime.
type Counter struct {
	v atomic.Uint64
	_ [56]byte // keep each counter on its own cache line
}

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Load returns the current count.
func (c *Counter) Load() uint64 { return c.v.Load() }

// CounterDesc names a counter: the metric is
// runtimelab_<scenario>_<Name>_total.
type CounterDesc struct {
	Name string
	Help string
	c    *Counter
}

// Meter holds the counters of one run. Scenarios register counters before
// their hot loop starts; the driver and telemetry read them concurrently.
type Meter struct {
	mu        sync.Mutex
	descs     []CounterDesc
	latencies map[string]*Latency
}

// NewMeter returns an empty Meter.
func NewMeter() *Meter { return &Meter{} }

// Counter registers a counter. Registering a name twice returns the same
// counter, so Run may be called again after a failed attempt.
func (m *Meter) Counter(name, help string) *Counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.descs {
		if d.Name == name {
			return d.c
		}
	}
	if name == "" {
		panic(fmt.Sprintf("counter with empty name (%s)", help))
	}
	c := &Counter{}
	m.descs = append(m.descs, CounterDesc{Name: name, Help: help, c: c})
	return c
}

// Latency registers a latency histogram, or returns the one of that name.
func (m *Meter) Latency(name string) *Latency {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.latencies == nil {
		m.latencies = map[string]*Latency{}
	}
	if l, ok := m.latencies[name]; ok {
		return l
	}
	l := &Latency{}
	m.latencies[name] = l
	return l
}

// Latencies snapshots every latency histogram.
func (m *Meter) Latencies() map[string]LatencySnapshot {
	m.mu.Lock()
	ls := make(map[string]*Latency, len(m.latencies))
	for k, l := range m.latencies {
		ls[k] = l
	}
	m.mu.Unlock()
	out := make(map[string]LatencySnapshot, len(ls))
	for k, l := range ls {
		out[k] = LatencySnapshot{s: l.snapshot()}
	}
	return out
}

// Counters returns the registered counters in registration order.
func (m *Meter) Counters() []CounterDesc {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]CounterDesc(nil), m.descs...)
}

// Value returns a counter's current value.
func (d CounterDesc) Value() uint64 { return d.c.Load() }

// Snapshot reads every counter.
func (m *Meter) Snapshot() map[string]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]uint64, len(m.descs))
	for _, d := range m.descs {
		out[d.Name] = d.c.Load()
	}
	return out
}

// Window is one measured interval as a scenario sees it when it computes
// its figures.
type Window struct {
	// Seconds is the wall-clock length of the window.
	Seconds float64
	// Counters are the counter deltas over the window.
	Counters map[string]uint64
	// Latencies are the quantiles of each latency histogram over the window.
	Latencies map[string]Quantiles
	// Runtime, CPU and Memory are the probe's figures for the window.
	Runtime result.Runtime
	CPU     result.CPU
	Memory  result.Memory
	// MallocCPUFraction is the share of the process's CPU profile samples
	// taken inside runtime.mallocgc (allocation, including GC assists), or
	// -1 when no CPU profile was taken.
	MallocCPUFraction float64
}

// Rate returns a counter's delta per second (0 for an empty window).
func (w Window) Rate(counter string) float64 {
	if w.Seconds <= 0 {
		return 0
	}
	return float64(w.Counters[counter]) / w.Seconds
}

// HeapGoal is the window's heap goal, and false when there is none: with
// GOGC=off and no GOMEMLIMIT the runtime reports a goal of about 2^63
// bytes, which is no goal at all and must not be reported as one.
func (w Window) HeapGoal() (float64, bool) {
	g := w.Runtime.HeapGoalBytes
	return float64(g), g < 1<<62
}
