package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/probe"
	"github.com/runtime-lab/runtime-lab/workloads/resultfile"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/telemetry"
)

// Phases of a run, as Summary.Phase reports them.
const (
	PhasePrepare = "prepare"
	PhaseWarmup  = "warmup"
	PhaseMeasure = "measure"
	PhaseDone    = "done"
)

// run is the state of one run shared by the driver's steps.
type run struct {
	cfg      Config
	w        scenario.Workload
	meter    *scenario.Meter
	probe    *probe.Probe
	srv      *telemetry.Server
	measured atomic.Bool

	mu      sync.Mutex // guards the fields below
	sum     result.Summary
	begin   *probe.Sample
	counts0 map[string]uint64
	lat0    map[string]scenario.LatencySnapshot
	cpuProf *probe.CPUProfile
	limits  *probe.LimitWatch // follows the own cgroup's limits through the window
}

// limitsEvery is how often the run's own limits are read during the
// window: the resolution of a resize's timing.
const limitsEvery = 100 * time.Millisecond

// Run runs cfg's scenario until its duration ends, ctx is cancelled (a
// signal: the summary is then partial) or the scenario fails. It returns
// the final summary, which was also written to the result file. A
// *UsageError means nothing was run.
func Run(ctx context.Context, cfg Config) (*result.Summary, error) {
	entry, values, w, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	cg, err := cgroup.Self()
	if err != nil {
		cfg.Log.Warn("no cgroup found; CPU throttling and memory limits will not be reported", "err", err)
		cg = nil
	}
	r := &run{cfg: cfg, w: w, meter: scenario.NewMeter(), probe: probe.New(cg)}
	first := r.probe.Sample()
	labels := labelsFromEnv(entry.Name)
	r.sum = result.Summary{
		Version: result.SchemaVersion, Scenario: entry.Name,
		Experiment: labels.Experiment, Variant: labels.Variant, Run: labels.Run,
		Params: values.Text(), Start: first.At, WarmupSeconds: cfg.Warmup.Seconds(),
		Phase: PhasePrepare, Partial: true, Settings: probe.Settings(first),
	}
	r.sum.Memory = r.probe.Memory(first)
	if cfg.Listen != "" {
		telCg, settings := cg, r.sum.Settings
		fwd, _ := w.(telemetry.Forwarder)
		if fwd != nil {
			// The runtime is the observed service's: its settings are in
			// its forwarded series, not this process's.
			telCg, settings = fwd.ObservedCgroup(), result.Settings{}
		}
		reg := telemetry.NewRegistry(labels, r.meter, telCg, settings, r.measured.Load, fwd)
		if r.srv, err = telemetry.Listen(cfg.Listen, reg); err != nil {
			return nil, err
		}
		defer r.shutdownTelemetry()
		cfg.Log.Info("telemetry", "addr", r.srv.Addr())
	}
	if cfg.Pyroscope != "" {
		prof, err := telemetry.StartPyroscope(cfg.Pyroscope, cfg.PyroscopeUploadRate, labels, cfg.Log)
		if err != nil {
			return nil, err
		}
		defer prof.Stop()
		r.cfg.CPUProfile = false
	}
	runErr := r.execute(ctx)
	return r.finish(runErr)
}

func (r *run) shutdownTelemetry() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
}

// execute prepares, warms up and measures. It returns nil when the planned
// duration completed, context.Canceled when ctx ended it early, or the
// scenario's error.
func (r *run) execute(ctx context.Context) error {
	r.publish()
	if p, ok := r.w.(scenario.Preparer); ok {
		if err := p.Prepare(ctx); err != nil {
			return fmt.Errorf("prepare %s: %w", r.sum.Scenario, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- r.w.Run(runCtx, r.meter) }()

	r.setPhase(PhaseWarmup)
	var gate <-chan struct{} // the warmup waits for it (scenario.Gated)
	if g, ok := r.w.(scenario.Gated); ok {
		gate = g.Ready()
	}
	warmup := time.NewTimer(r.cfg.Warmup)
	defer warmup.Stop()
	if gate != nil {
		warmup.Stop()
		r.cfg.Log.Info("waiting for the scenario to be ready before the warmup (a server: its first request)")
	}
	var deadline <-chan time.Time
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	var outcome error
loop:
	for {
		select {
		case <-gate:
			gate = nil
			warmup.Reset(r.cfg.Warmup)
		case <-warmup.C:
			r.startWindow()
			deadline = time.After(r.cfg.Duration)
		case <-deadline:
			break loop
		case <-tick.C:
			r.publish()
		case <-ctx.Done():
			outcome = ctx.Err()
			break loop
		case err := <-errc:
			measuring := r.measured.Load()
			r.endWindow()
			if errors.Is(err, scenario.ErrDone) && measuring {
				return nil // the scenario ended its window itself (a server told to stop)
			}
			if err == nil || errors.Is(err, scenario.ErrDone) {
				err = errors.New("scenario stopped before its duration ended")
			}
			return fmt.Errorf("scenario %s: %w", r.sum.Scenario, err)
		}
	}
	r.endWindow() // before stopping: tear-down is not part of the window
	stop()
	select {
	case err := <-errc:
		// ErrDone here: the scenario was told to stop (a server by its load
		// generator) as the window ended; nothing was cut short.
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, scenario.ErrDone) {
			return fmt.Errorf("scenario %s: %w", r.sum.Scenario, err)
		}
	case <-time.After(r.cfg.StopTimeout):
		return fmt.Errorf("scenario %s did not stop within %s of being told to", r.sum.Scenario, r.cfg.StopTimeout)
	}
	return outcome
}

func (r *run) setPhase(p string) {
	r.mu.Lock()
	r.sum.Phase = p
	r.mu.Unlock()
	r.publish()
}

// startWindow marks the start of the measured window.
func (r *run) startWindow() {
	s := r.probe.Sample()
	counts := r.meter.Snapshot()
	lat := r.meter.Latencies()
	var prof *probe.CPUProfile
	if r.cfg.CPUProfile {
		var err error
		if prof, err = probe.StartCPUProfile(); err != nil {
			r.cfg.Log.Warn("no CPU profile of the window; malloc-cpu-frac will be missing", "err", err)
		}
	}
	if o, ok := r.w.(scenario.Observer); ok {
		o.ObserveStart()
	}
	watch := r.probe.WatchLimits(s, limitsEvery)
	r.mu.Lock()
	r.begin, r.counts0, r.lat0, r.cpuProf, r.limits = &s, counts, lat, prof, watch
	r.sum.Phase = PhaseMeasure
	r.mu.Unlock()
	r.measured.Store(true)
	r.publish()
}

// endWindow fills the summary from the window that ends now.
func (r *run) endWindow() {
	r.measured.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	malloc := -1.0
	if r.cpuProf != nil {
		if b, err := r.cpuProf.Stop(); err != nil {
			r.cfg.Log.Warn("CPU profile unreadable", "err", err)
		} else if b.Samples > 0 {
			malloc = b.Malloc
		}
		r.cpuProf = nil
	}
	r.fillLocked(malloc)
	r.limits.Stop() // the window's segments are in the summary now
}

// fillLocked computes the summary's figures from the window start to now.
func (r *run) fillLocked(mallocFrac float64) {
	end := r.probe.Sample()
	r.sum.Memory = r.probe.Memory(end)
	if r.begin == nil {
		return // nothing measured yet
	}
	counts := r.meter.Snapshot()
	for k, v := range r.counts0 {
		counts[k] -= v
	}
	lats := map[string]scenario.Quantiles{}
	for k, snap := range r.meter.Latencies() {
		lats[k] = snap.Since(r.lat0[k])
	}
	win := scenario.Window{
		Seconds:           end.At.Sub(r.begin.At).Seconds(),
		Counters:          counts,
		Latencies:         lats,
		Runtime:           probe.Runtime(*r.begin, end),
		CPU:               probe.CPU(*r.begin, end),
		Memory:            r.sum.Memory,
		MallocCPUFraction: mallocFrac,
	}
	r.sum.Seconds = win.Seconds
	r.sum.Runtime, r.sum.CPU = win.Runtime, win.CPU
	r.sum.Hierarchy = r.probe.Hierarchy(*r.begin, end, r.sum.Settings, win.CPU, r.sum.Memory)
	r.sum.Limits = r.limits.Segments(end)
	// The rest of the machine is everything but this process. Its cgroup's
	// usage would do inside a container or a local run's own cgroup, but a
	// workload started by hand shares its cgroup (the root, a login
	// session's scope) with the very neighbours this should count.
	r.sum.Machine = probe.Machine(*r.begin, end, ownCPU(win.CPU.ProcessSeconds, win.Seconds, r.sum.Hierarchy))
	if o, ok := r.w.(scenario.Observer); ok {
		// The run is the observed service; this process, its load
		// generator, is one of the neighbours the machine figures count.
		o.Observed(&r.sum)
		r.sum.Machine = probe.Machine(*r.begin, end, r.sum.CPU.UsageSeconds)
	}
	r.sum.Figures = r.w.Figures(win)
	if c, ok := r.w.(scenario.Classifier); ok {
		r.sum.Outcome = c.Outcome(win)
	}
}

// ownCPU is the CPU, in seconds over a window of secs, that counts as the
// run's when the rest of the machine is measured: the process's own, or,
// when a cgroup above it has a CPU limit (a pod's), all that the nearest
// such cgroup used: the pod's sidecar shares the run's budget by design
// and is not a neighbour.
func ownCPU(process, secs float64, h *result.Hierarchy) float64 {
	if h == nil {
		return process
	}
	for _, l := range h.Levels { // nearest first
		if l.CPULimitCores > 0 {
			return max(process, l.Cores*secs)
		}
	}
	return process
}

// publish refreshes the interim summary and writes it out.
func (r *run) publish() {
	r.mu.Lock()
	if r.sum.Phase == PhaseMeasure {
		r.fillLocked(-1)
	}
	s := r.sum
	r.mu.Unlock()
	r.write(&s)
}

// finish completes the summary after execute and writes it.
func (r *run) finish(runErr error) (*result.Summary, error) {
	r.mu.Lock()
	watch := r.limits
	r.mu.Unlock()
	watch.Stop() // nil-safe; the window's end stops it, a failure may not have
	r.mu.Lock()
	r.sum.Phase = PhaseDone
	r.sum.Partial = runErr != nil
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		r.sum.Error = runErr.Error()
	}
	s := r.sum
	r.mu.Unlock()
	werr := r.write(&s)
	if err := r.print(&s); err != nil {
		return &s, err
	}
	if werr != nil && runErr == nil {
		return &s, fmt.Errorf("the final summary was printed but not saved: %w", werr)
	}
	if errors.Is(runErr, context.Canceled) {
		return &s, nil // a signal ended the run: the summary says partial
	}
	return &s, runErr
}

// write encodes s for the result file and /result. A failed interim write
// is logged, not fatal: the run's figures are still printed at the end,
// and the final write's error is returned (the run then exits 1).
func (r *run) write(s *result.Summary) error {
	b, err := encode(s)
	if err != nil {
		r.cfg.Log.Error("summary", "err", err)
		return err
	}
	if r.srv != nil {
		r.srv.SetResult(b)
	}
	if r.cfg.ResultFile != "" {
		if err := resultfile.Write(r.cfg.ResultFile, b); err != nil {
			r.cfg.Log.Error("result file", "err", err)
			return err
		}
	}
	return nil
}

// encode keeps the summary within the termination-message limit: should a
// scenario's parameters ever push it over, they go first, figures never.
func encode(s *result.Summary) ([]byte, error) {
	b, err := result.Encode(s)
	if err == nil || s.Params == nil {
		return b, err
	}
	trimmed := *s
	trimmed.Params = nil
	return result.Encode(&trimmed)
}
