package stack

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// Limits on what New accepts, beyond each parameter's own bounds. A
// goroutine's stack may not exceed 1 GiB (runtime/debug.SetMaxStack) and
// grows by doubling, so half of it is what a recursion may use.
const (
	maxPerGoroutine = 256 << 20
	maxTotal        = 64 << 30
)

type workload struct {
	goroutines int
	depth      int
	descend    descender
	last       atomic.Pointer[measurement]
}

// measurement is what one cycle saw.
type measurement struct {
	base, atDepth, afterGC uint64 // stack bytes: before the goroutines started, at the barrier, after the GC
}

// New builds the scenario from validated parameters.
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	fb := v.Bytes("frameBytes")
	d, ok := descenders[fb]
	if !ok {
		return nil, &catalog.ParseError{Scenario: catalog.Stack.Name, Param: "frameBytes",
			Msg: fmt.Sprintf("%s is not a power of two; use 64, 128, 256, 512, 1Ki, … or 64Ki", catalog.FormatBytes(fb))}
	}
	g, depth := int64(v.Int("goroutines")), int64(v.Int("depth"))
	if per := depth * fb; per > maxPerGoroutine {
		return nil, &catalog.ParseError{Scenario: catalog.Stack.Name, Param: "depth",
			Msg: fmt.Sprintf("depth × frameBytes is %s, over the %s one goroutine's stack may hold; lower depth or frameBytes",
				catalog.FormatBytes(per), catalog.FormatBytes(maxPerGoroutine))}
	}
	if total := g * depth * fb; total > maxTotal {
		return nil, &catalog.ParseError{Scenario: catalog.Stack.Name, Param: "goroutines",
			Msg: fmt.Sprintf("goroutines × depth × frameBytes is %s, over %s of stacks; lower one of them",
				catalog.FormatBytes(total), catalog.FormatBytes(maxTotal))}
	}
	return &workload{goroutines: int(g), depth: int(depth), descend: d}, nil
}

// Run cycles until ctx ends. The goroutines it starts end before it returns.
func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	cycles := m.Counter("cycles", "Recurse, barrier, return and GC cycles completed.")
	// A GC first: the stacks of goroutines that ended (and the stack
	// cache) are released only then, and must not count in the base.
	runtime.GC()
	base := stackBytes()
	c := w.startCrew()
	defer c.stop()
	for ctx.Err() == nil {
		atDepth := c.cycle()
		runtime.GC() // stacks shrink only when a GC scans them
		w.last.Store(&measurement{base: base, atDepth: atDepth, afterGC: stackBytes()})
		cycles.Add(1)
	}
	return nil
}

// crew is the scenario's goroutines and what synchronises them.
type crew struct {
	w        *workload
	start    chan chan struct{} // one token per goroutine per cycle: the cycle's release
	quit     chan struct{}
	arrived  sync.WaitGroup
	returned sync.WaitGroup
	all      sync.WaitGroup
}

func (w *workload) startCrew() *crew {
	c := &crew{w: w, start: make(chan chan struct{}, w.goroutines), quit: make(chan struct{})}
	for i := range w.goroutines {
		c.all.Go(func() { c.member(byte(i)) })
	}
	return c
}

// member parks at the top until a cycle's token or quit. A goroutine that
// took a token cannot take another before every goroutine has reached the
// barrier, so the goroutines tokens go to are all different. quit, not
// ctx, ends them: it is closed between cycles, when no token is pending.
func (c *crew) member(seed byte) {
	for {
		select {
		case <-c.quit:
			return
		case release := <-c.start:
			c.w.descend(c.w.depth, seed, func() {
				c.arrived.Done()
				<-release
			})
			c.returned.Done()
		}
	}
}

// cycle sends every goroutine down, reads the stack memory once all are at
// the bottom, lets them return and waits until they have.
func (c *crew) cycle() uint64 {
	n := c.w.goroutines
	release := make(chan struct{})
	c.arrived.Add(n)
	c.returned.Add(n)
	for range n {
		c.start <- release
	}
	c.arrived.Wait()
	atDepth := stackBytes()
	close(release)
	c.returned.Wait()
	return atDepth
}

func (c *crew) stop() {
	close(c.quit)
	c.all.Wait()
}

// stackBytes reads the memory the heap has given to goroutine stacks.
func stackBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Figures reports the window's cycle rate and the last cycle's stacks.
func (w *workload) Figures(win scenario.Window) map[string]float64 {
	f := map[string]float64{"cycles/s": win.Rate("cycles"), "stack-depth-B": 0, "stack-gc-B": 0,
		"stack-B/goroutine": 0, "goroutines/MiB": 0}
	m := w.last.Load()
	if m == nil {
		return f
	}
	f["stack-depth-B"], f["stack-gc-B"] = float64(m.atDepth), float64(m.afterGC)
	if m.atDepth > m.base {
		own := float64(m.atDepth - m.base)
		f["stack-B/goroutine"] = own / float64(w.goroutines)
		f["goroutines/MiB"] = float64(w.goroutines) / (own / (1 << 20))
	}
	return f
}
