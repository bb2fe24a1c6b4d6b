package gc

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// unitBytes is the size of one unit of live heap.
const unitBytes = 512

// node is 64 bytes, seven of them pointers.
type node struct {
	next [7]*node
	val  uint64
}

type workload struct {
	units      int
	scanUnits  int // units [0, scanUnits) are node chains
	churnRate  int64
	goroutines int

	chains []*node
	blocks []*[unitBytes]byte
}

// New builds the scenario from validated parameters.
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	units := int(v.Bytes("liveHeap") / unitBytes)
	return &workload{
		units:      units,
		scanUnits:  int(float64(units) * v.Float("pointerDensity")),
		churnRate:  v.Bytes("churnRate"),
		goroutines: min(v.Int("goroutines"), units), // each mutator owns some units
	}, nil
}

// Prepare builds the live heap before the warmup starts.
func (w *workload) Prepare(ctx context.Context) error {
	w.chains = make([]*node, w.scanUnits)
	w.blocks = make([]*[unitBytes]byte, w.units-w.scanUnits)
	for i := range w.chains {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil
		}
		w.chains[i] = newChain(uint64(i))
	}
	for i := range w.blocks {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil
		}
		w.blocks[i] = newBlock(uint64(i))
	}
	return nil
}

// newChain links eight nodes; every pointer stays inside the chain, so
// replacing a unit frees exactly one unit.
func newChain(seed uint64) *node {
	var nodes [8]*node
	for i := range nodes {
		nodes[i] = &node{val: seed}
	}
	for i, n := range nodes {
		for j := range n.next {
			n.next[j] = nodes[(i+j+1)%8]
		}
	}
	return nodes[0]
}

func newBlock(seed uint64) *[unitBytes]byte {
	b := new([unitBytes]byte)
	b[0] = byte(seed)
	return b
}

func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	ops := m.Counter("ops", "Live-heap units replaced.")
	if w.chains == nil {
		if err := w.Prepare(ctx); err != nil {
			return err
		}
	}
	perG := float64(w.churnRate) / unitBytes / float64(w.goroutines) // units/s per mutator; 0 = unthrottled
	var wg sync.WaitGroup
	for g := range w.goroutines {
		wg.Go(func() { w.mutate(ctx, g, perG, ops) })
	}
	wg.Wait()
	return nil
}

// mutate replaces random units, in batches, pacing itself to perSec units
// per second when perSec > 0. Distinct goroutines touch distinct slots
// (index ≡ g mod goroutines), so the slices need no lock.
func (w *workload) mutate(ctx context.Context, g int, perSec float64, ops *scenario.Counter) {
	const batch = 64
	rng := rand.New(rand.NewPCG(uint64(g), 0x9c))
	start := time.Now()
	var done float64
	for ctx.Err() == nil {
		if perSec > 0 {
			if ahead := done - perSec*time.Since(start).Seconds(); ahead > 0 {
				time.Sleep(time.Duration(ahead / perSec * float64(time.Second)))
				continue
			}
		}
		for range batch {
			w.replace(g, rng)
		}
		done += batch
		ops.Add(batch)
	}
}

func (w *workload) replace(g int, rng *rand.Rand) {
	n := w.goroutines
	i := rng.IntN(w.units)
	i -= i % n
	i += g
	if i >= w.units {
		i -= n
	}
	if i < w.scanUnits {
		w.chains[i] = newChain(uint64(i))
	} else if i-w.scanUnits < len(w.blocks) {
		w.blocks[i-w.scanUnits] = newBlock(uint64(i))
	}
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	f := map[string]float64{
		"ops/s":           win.Rate("ops"),
		"churn-B/s":       win.Rate("ops") * unitBytes,
		"gc/s":            win.Runtime.GCCyclesPerS,
		"gc-cpu-frac":     win.Runtime.GCCPUFraction,
		"assist-cpu-frac": win.Runtime.GCAssistCPUFraction,
		"pause-p50-s":     win.Runtime.GCPauseP50,
		"pause-p99-s":     win.Runtime.GCPauseP99,
		"heap-live-B":     float64(win.Runtime.HeapLiveBytes),
	}
	if g, ok := win.HeapGoal(); ok {
		f["heap-goal-B"] = g
	}
	return f
}
