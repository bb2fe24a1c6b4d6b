package probe

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
)

// LimitWatch follows the run's own cgroup limits through the measured
// window: it reads them every interval and, when one changes in place,
// starts a new segment, whose figures (CPU, throttling, scheduling
// latency) and GOMAXPROCS it then follows. A nil *LimitWatch (no cgroup)
// has no segments.
type LimitWatch struct {
	p      *Probe
	custom bool // GOMAXPROCS set by hand: the runtime does not follow limits
	stop   chan struct{}
	done   chan struct{}

	mu   sync.Mutex
	segs []segment
}

// segment is one stretch under one set of limits, as the watch sees it.
type segment struct {
	begin     Sample
	cpu       float64 // cores, 0 none
	mem       int64   // bytes, 0 none
	procs0    int     // GOMAXPROCS when it began
	procs     int     // GOMAXPROCS at the last look
	procsAt   time.Time
	memLimit  int64 // GOMEMLIMIT at the last look
	changedAt time.Time
}

// coalesce is how soon after a change another one counts as part of it: a
// resize writes its limits one file at a time (containerd's cgroups
// library, the kubelet's runtime), and a look may fall between two of them.
const coalesce = 500 * time.Millisecond

// WatchLimits starts following the limits from start, the window's first
// sample, reading them every interval; nil without a cgroup.
func (p *Probe) WatchLimits(start Sample, interval time.Duration) *LimitWatch {
	if p.cg == nil || start.Cgroup.Version == 0 {
		return nil
	}
	w := &LimitWatch{p: p, custom: os.Getenv("GOMAXPROCS") != "", stop: make(chan struct{}), done: make(chan struct{})}
	st := Settings(start)
	cpu, mem := st.CPULimitCores, st.MemoryLimitBytes
	w.segs = []segment{{begin: start, cpu: cpu, mem: mem, procs0: runtime.GOMAXPROCS(0), procs: runtime.GOMAXPROCS(0), memLimit: debug.SetMemoryLimit(-1)}}
	go w.loop(interval)
	return w
}

func (w *LimitWatch) loop(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.look()
		}
	}
}

// look reads the limits once, starting a segment when one changed (at
// most MaxSegments in all), and notes GOMAXPROCS and GOMEMLIMIT.
func (w *LimitWatch) look() {
	st, err := w.p.cg.Read()
	if err != nil {
		return
	}
	cpu, mem := 0.0, int64(0)
	if st.CPUQuotaMicros > 0 && st.CPUPeriodMicros > 0 {
		cpu = float64(st.CPUQuotaMicros) / float64(st.CPUPeriodMicros)
	}
	if st.MemoryLimitBytes > 0 {
		mem = st.MemoryLimitBytes
	}
	procs, memLimit := runtime.GOMAXPROCS(0), debug.SetMemoryLimit(-1)
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := &w.segs[len(w.segs)-1]
	if (cpu != cur.cpu || mem != cur.mem) && len(w.segs) > 1 && now.Sub(cur.changedAt) < coalesce {
		// One resize written in parts (the memory limit, then the CPU
		// limit), seen between them: the same segment.
		cur.cpu, cur.mem = cpu, mem
	} else if (cpu != cur.cpu || mem != cur.mem) && len(w.segs) < result.MaxSegments {
		w.mu.Unlock()
		s := w.p.Sample() // outside the lock: it reads the runtime's metrics
		w.mu.Lock()
		// GOMAXPROCS before the change is the last one seen; the runtime
		// may have followed already, between two looks.
		seg := segment{begin: s, cpu: cpu, mem: mem, procs0: w.segs[len(w.segs)-1].procs, procs: procs, memLimit: memLimit, changedAt: now}
		if procs != seg.procs0 {
			seg.procsAt = now
		}
		w.segs = append(w.segs, seg)
		return
	}
	if procs != cur.procs0 && cur.procsAt.IsZero() {
		cur.procsAt = now
	}
	cur.procs, cur.memLimit = procs, memLimit
}

// Stop ends the watch; Segments still answers afterwards.
func (w *LimitWatch) Stop() {
	if w == nil {
		return
	}
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// Segments are the window's stretches up to end, nil when no limit
// changed. The first begins at the window's start.
func (w *LimitWatch) Segments(end Sample) []result.Segment {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	segs := append([]segment(nil), w.segs...)
	w.mu.Unlock()
	if len(segs) < 2 {
		return nil
	}
	start := segs[0].begin.At
	numCPU := runtime.NumCPU()
	out := make([]result.Segment, len(segs))
	for i, s := range segs {
		next := end
		if i+1 < len(segs) {
			next = segs[i+1].begin
		}
		c := CPU(s.begin, next)
		out[i] = result.Segment{
			AtS:              s.begin.At.Sub(start).Seconds(),
			CPULimitCores:    s.cpu,
			MemoryLimitBytes: s.mem,
			GOMAXPROCS:       s.procs,
			GOMEMLIMIT:       s.memLimit,
			Cores:            c.Cores,
			ThrottledRatio:   c.ThrottledRatio,
			SchedP99:         Runtime(s.begin, next).SchedLatencyP99,
		}
		if !w.custom {
			out[i].GOMAXPROCSWant = result.GOMAXPROCSFor(s.cpu, numCPU)
		}
		if !s.procsAt.IsZero() {
			from := s.changedAt
			if from.IsZero() {
				from = s.begin.At
			}
			out[i].GOMAXPROCSAfterS = math.Max(s.procsAt.Sub(from).Seconds(), 0)
		}
	}
	return out
}
