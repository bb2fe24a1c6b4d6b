package probe

import (
	"cmp"
	"slices"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// Hierarchy computes the cgroup path's figures for the window from a to b,
// given the run's own settings and figures over the same window, and judges
// them (result.Hierarchy.Judge). It is nil without a cgroup.
func (p *Probe) Hierarchy(a, b Sample, st result.Settings, own result.CPU, mem result.Memory) *result.Hierarchy {
	if p.cg == nil || b.Cgroup.Version == 0 {
		return nil
	}
	p.mu.Lock()
	peaks := slices.Clone(p.maxAbove)
	p.mu.Unlock()
	h := hierarchy(a.Above, b.Above, p.names, peaks, b.At.Sub(a.At).Seconds(), st)
	h.Judge(st, own.Cores, own.ThrottledRatio, mem.PeakBytes)
	return h
}

// hierarchy is Hierarchy's pure part: the ancestors' readings at both ends
// of a window of secs seconds, their names and sampled memory peaks, and
// the own cgroup's limits as settings st reports them.
func hierarchy(a, b []cgroup.Stats, names []string, peaks []uint64, secs float64, st result.Settings) *result.Hierarchy {
	h := &result.Hierarchy{Visible: 1 + len(b), CPULimitCores: st.CPULimitCores, MemoryLimitBytes: st.MemoryLimitBytes}
	var levels []result.Level
	for i, e := range b {
		l := result.Level{Up: i + 1, Name: result.CutName(at(names, i))}
		if e.HasCPU && e.CPUQuotaMicros > 0 && e.CPUPeriodMicros > 0 {
			l.CPULimitCores = float64(e.CPUQuotaMicros) / float64(e.CPUPeriodMicros)
			// A tie goes up: the kubelet gives a container without limits
			// its pod's, and the pod's cgroup is where they bind together.
			if h.CPULimitCores == 0 || l.CPULimitCores <= h.CPULimitCores {
				h.CPULimitCores, h.CPULimitUp = l.CPULimitCores, l.Up
			}
		}
		if e.HasMemory && e.MemoryLimitBytes > 0 {
			l.MemoryLimitBytes = e.MemoryLimitBytes
			if h.MemoryLimitBytes == 0 || l.MemoryLimitBytes <= h.MemoryLimitBytes {
				h.MemoryLimitBytes, h.MemoryLimitUp = l.MemoryLimitBytes, l.Up
			}
		}
		if i < len(a) && e.HasCPU && a[i].HasCPU && secs > 0 {
			s := a[i]
			// A counter that went backwards is a cgroup removed and made
			// again between the readings: no figure is better than a wrong one.
			if e.CPUUsageNanos >= s.CPUUsageNanos && e.Periods >= s.Periods && e.ThrottledPeriods >= s.ThrottledPeriods && e.ThrottledNanos >= s.ThrottledNanos {
				l.Cores = float64(e.CPUUsageNanos-s.CPUUsageNanos) / 1e9 / secs
				if n := e.Periods - s.Periods; n > 0 {
					l.ThrottledRatio = float64(e.ThrottledPeriods-s.ThrottledPeriods) / float64(n)
				}
				l.ThrottledSeconds = float64(e.ThrottledNanos-s.ThrottledNanos) / 1e9
			}
		}
		if e.HasMemory {
			l.MemoryPeakBytes = max(at(peaks, i), e.MemoryUsageBytes)
			l.OOMKills = e.OOMKills
		}
		levels = append(levels, l)
	}
	// Keep the levels that matter, at most MaxLevels, nearest first: the
	// ones that set an effective limit (the flags refer to them), then
	// those that limit or throttled.
	effective := func(l result.Level) bool { return l.Up == h.CPULimitUp || l.Up == h.MemoryLimitUp }
	for _, l := range levels {
		if effective(l) {
			h.Levels = append(h.Levels, l)
		}
	}
	for _, l := range levels {
		if len(h.Levels) < result.MaxLevels && !effective(l) && (l.CPULimitCores > 0 || l.MemoryLimitBytes > 0 || l.ThrottledRatio > 0) {
			h.Levels = append(h.Levels, l)
		}
	}
	slices.SortFunc(h.Levels, func(x, y result.Level) int { return cmp.Compare(x.Up, y.Up) })
	return h
}

func at[T any](s []T, i int) T {
	var zero T
	if i < len(s) {
		return s[i]
	}
	return zero
}
