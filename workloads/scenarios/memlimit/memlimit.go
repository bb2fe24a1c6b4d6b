package memlimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// The outcomes Outcome sorts a run into.
const (
	OutcomeSurvived = "survived"
	OutcomeGCThrash = "gc-thrash"
	OutcomeNearOOM  = "near-oom"
)

// Classification thresholds, documented in Spec.Doc.
const (
	// thrashGCCPU is the GC CPU share at which a run counts as thrashing:
	// the GC CPU limiter caps the GC at this share, so reaching it means the
	// GC would take more if it could.
	thrashGCCPU = 0.5
	// nearOOMPeak is the share of the cgroup limit the cgroup's peak usage
	// must reach for a run to count as near an OOM kill.
	nearOOMPeak = 0.95
)

// chunkBytes is the unit the live heap is built from: pointer-free, so the
// GC marks but never scans it, and over 32 KiB, so each chunk is a large
// object with pages of its own.
const chunkBytes = 64 << 10

type workload struct {
	limit      int64 // cgroup memory limit in bytes; 0 when there is none
	chunks     int   // target live heap in chunks
	steps      int
	stepEvery  time.Duration
	churnRate  int64
	held       atomic.Int64 // bytes of live heap currently held
	pageBytes  int
	churnBatch int // chunks replaced between pacing checks
}

// New builds the scenario from validated parameters and the memory limit
// of the cgroup the process runs in.
func New(v catalog.Values, _ scenario.Env) (scenario.Workload, error) {
	limit, err := memoryLimit()
	return newWithLimit(v, limit, err)
}

// memoryLimit reads the process's own cgroup memory limit, 0 when none.
func memoryLimit() (int64, error) {
	r, err := cgroup.Self()
	if err != nil {
		return 0, err
	}
	st, err := r.Read()
	if err != nil || st.MemoryLimitBytes <= 0 {
		return 0, err
	}
	return st.MemoryLimitBytes, nil
}

// newWithLimit is New with the limit given, and why it could not be read.
func newWithLimit(v catalog.Values, limit int64, limitErr error) (*workload, error) {
	target := v.Bytes("liveHeap")
	if target == 0 {
		if limit <= 0 {
			why := "the process's cgroup has no memory limit"
			if limitErr != nil {
				why = fmt.Sprintf("the cgroup memory limit could not be read (%v)", limitErr)
			}
			return nil, &catalog.ParseError{Scenario: catalog.MemLimit.Name, Param: "liveFraction",
				Msg: why + ", so there is nothing to take a fraction of; set liveHeap to a size such as 64Mi"}
		}
		target = int64(v.Float("liveFraction") * float64(limit))
	}
	rate := v.Bytes("churnRate")
	return &workload{
		limit:     limit,
		chunks:    int(max(1, (target+chunkBytes-1)/chunkBytes)),
		steps:     v.Int("steps"),
		stepEvery: v.Duration("stepInterval"),
		churnRate: rate,
		pageBytes: os.Getpagesize(),
		// About 100 pacing checks a second, never more than 1 MiB at once.
		churnBatch: int(min(max(rate/chunkBytes/100, 1), 16)),
	}, nil
}

// Run grows the heap step by step and churns what it holds until ctx ends.
func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	churned := m.Counter("churn_bytes", "Bytes of the live heap replaced by new chunks.")
	h := &heap{w: w, rng: rand.New(rand.NewPCG(0x11fe, 0x4ea))}
	defer w.held.Store(0)
	start := time.Now()
	pace := pacer{rate: float64(w.churnRate), start: start}
	for step := 1; ctx.Err() == nil; {
		stepAt := start.Add(time.Duration(step-1) * w.stepEvery)
		if step <= w.steps && !time.Now().Before(stepAt) {
			h.growTo(ctx, w.chunks*step/w.steps)
			step++
			continue
		}
		wait := time.Duration(1<<63 - 1) // all steps taken: only churn or ctx wakes us
		if step <= w.steps {
			wait = time.Until(stepAt)
		}
		if w.churnRate > 0 && len(h.chunks) > 0 {
			if ahead := pace.ahead(); ahead > 0 {
				wait = min(wait, ahead)
			} else {
				h.churn(w.churnBatch)
				pace.done(w.churnBatch * chunkBytes)
				churned.Add(uint64(w.churnBatch * chunkBytes))
				continue
			}
		}
		sleep(ctx, wait)
	}
	return nil
}

// sleep waits for d or for ctx to end, whichever is first.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// pacer keeps the churn at its rate. When the churn falls behind (the GC
// takes the CPU) it forgives all but 100 ms of debt, so it does not burst
// to catch up once the GC lets go.
type pacer struct {
	rate  float64 // bytes per second
	start time.Time
	bytes float64 // churned so far, debt forgiven included
}

// ahead returns how long until the next batch is due; ≤ 0 means now.
func (p *pacer) ahead() time.Duration {
	due := p.rate * time.Since(p.start).Seconds()
	p.bytes = max(p.bytes, due-p.rate/10)
	return time.Duration((p.bytes - due) / p.rate * float64(time.Second))
}

func (p *pacer) done(n int) { p.bytes += float64(n) }

// heap is the live heap Run holds; only Run's goroutine touches it.
type heap struct {
	w      *workload
	chunks [][]byte
	rng    *rand.Rand
}

// growTo appends chunks until there are n, checking ctx every 4 MiB so a
// large step cannot hold up the end of the run.
func (h *heap) growTo(ctx context.Context, n int) {
	for len(h.chunks) < n {
		if len(h.chunks)%64 == 0 && ctx.Err() != nil {
			return
		}
		h.chunks = append(h.chunks, h.newChunk())
		h.w.held.Store(int64(len(h.chunks)) * chunkBytes)
	}
}

// churn replaces n random chunks; the old ones become garbage.
func (h *heap) churn(n int) {
	for range n {
		h.chunks[h.rng.IntN(len(h.chunks))] = h.newChunk()
	}
}

// newChunk writes a byte in every page: memory the runtime gets from the OS
// is not resident until written, and an untouched heap would never reach
// the cgroup limit however large it looked to the runtime.
func (h *heap) newChunk() []byte {
	c := make([]byte, chunkBytes)
	for i := 0; i < len(c); i += h.w.pageBytes {
		c[i] = 1
	}
	return c
}

// Figures reports the window's figures. mem-runtime-B is read here, when
// the driver closes the window, because the probe does not report released
// memory and mapped memory alone overstates what the kernel charges.
func (w *workload) Figures(win scenario.Window) map[string]float64 {
	held := runtimeHeld()
	f := map[string]float64{
		"held-B":          float64(w.held.Load()),
		"churn-B/s":       win.Rate("churn_bytes"),
		"heap-live-B":     float64(win.Runtime.HeapLiveBytes),
		"gc/s":            win.Runtime.GCCyclesPerS,
		"gc-cpu-frac":     win.Runtime.GCCPUFraction,
		"limiter-on":      boolFigure(win.Runtime.LimiterEnabled),
		"mem-runtime-B":   float64(held),
		"mem-limit-frac":  w.ofLimit(held),
		"peak-limit-frac": w.ofLimit(win.Memory.PeakBytes),
		"oom-kills":       float64(win.Memory.OOMKills),
	}
	if g, ok := win.HeapGoal(); ok {
		f["heap-goal-B"] = g
	}
	return f
}

// Outcome sorts the run by the thresholds in Spec.Doc; thrashing is checked
// first because a thrashing GC is what keeps a near-limit heap alive.
func (w *workload) Outcome(win scenario.Window) string {
	switch {
	case win.Runtime.LimiterEnabled || win.Runtime.GCCPUFraction >= thrashGCCPU:
		return OutcomeGCThrash
	case w.ofLimit(win.Memory.PeakBytes) >= nearOOMPeak:
		return OutcomeNearOOM
	}
	return OutcomeSurvived
}

func (w *workload) ofLimit(b uint64) float64 {
	if w.limit <= 0 {
		return 0
	}
	return float64(b) / float64(w.limit)
}

func boolFigure(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// runtimeHeld is the memory the runtime holds from the OS now.
func runtimeHeld() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}
