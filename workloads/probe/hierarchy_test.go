package probe

import (
	"math"
	"slices"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

func TestHierarchy(t *testing.T) {
	pod := func(usage, periods, throttled uint64) cgroup.Stats {
		return cgroup.Stats{Version: 1, HasCPU: true, HasMemory: true, CPUQuotaMicros: 100000, CPUPeriodMicros: 100000,
			CPUUsageNanos: usage, Periods: periods, ThrottledPeriods: throttled, ThrottledNanos: throttled * 90e6,
			MemoryLimitBytes: 256 << 20, MemoryUsageBytes: 100 << 20}
	}
	unlimited := func(usage uint64) cgroup.Stats {
		return cgroup.Stats{Version: 1, HasCPU: true, HasMemory: true, CPUQuotaMicros: -1, CPUPeriodMicros: 100000, CPUUsageNanos: usage, MemoryLimitBytes: -1}
	}
	tests := []struct {
		name       string
		a, b       []cgroup.Stats
		st         result.Settings
		wantCPU    float64
		wantCPUUp  int
		wantMem    int64
		wantMemUp  int
		wantLevels []int // Up of each kept level
		check      func(t *testing.T, h *result.Hierarchy)
	}{{
		name: "nothing visible above: the own limits are the effective ones",
		st:   result.Settings{CPULimitCores: 0.5, MemoryLimitBytes: 64 << 20}, wantCPU: 0.5, wantMem: 64 << 20,
	}, {
		name: "a pod's limit one level up is tighter than none of the own",
		a:    []cgroup.Stats{pod(0, 0, 0), unlimited(0), unlimited(0)},
		b:    []cgroup.Stats{pod(10e9, 100, 95), unlimited(30e9), unlimited(90e9)},
		st:   result.Settings{},
		// 10 s of CPU over a 10 s window is 1 core; 95 of 100 periods throttled.
		wantCPU: 1, wantCPUUp: 1, wantMem: 256 << 20, wantMemUp: 1, wantLevels: []int{1},
		check: func(t *testing.T, h *result.Hierarchy) {
			l := h.Levels[0]
			if l.Cores != 1 || l.ThrottledRatio != 0.95 || math.Abs(l.ThrottledSeconds-8.55) > 1e-9 || l.Name != "/pod" {
				t.Errorf("pod level: %+v, want 1 core, 0.95 throttled, 8.55 s, named /pod", l)
			}
			if l.MemoryPeakBytes != 120<<20 {
				t.Errorf("pod memory peak %d, want the sampled 120 MiB over the reading's 100 MiB", l.MemoryPeakBytes)
			}
		},
	}, {
		name: "the own limit is tighter than the parent's: it stays effective",
		a:    []cgroup.Stats{pod(0, 0, 0)}, b: []cgroup.Stats{pod(5e9, 100, 0)},
		st:      result.Settings{CPULimitCores: 0.5, MemoryLimitBytes: 64 << 20},
		wantCPU: 0.5, wantMem: 64 << 20, wantLevels: []int{1},
	}, {
		name: "a limit equal to the own one is the parent's: the kubelet copies a pod's limits into a container without any",
		a:    []cgroup.Stats{pod(0, 0, 0)}, b: []cgroup.Stats{pod(10e9, 100, 50)},
		st:      result.Settings{CPULimitCores: 1, MemoryLimitBytes: 256 << 20},
		wantCPU: 1, wantCPUUp: 1, wantMem: 256 << 20, wantMemUp: 1, wantLevels: []int{1},
	}, {
		name: "a counter that went backwards gives no figures",
		a:    []cgroup.Stats{pod(10e9, 100, 50)}, b: []cgroup.Stats{pod(1e9, 10, 5)},
		wantCPU: 1, wantCPUUp: 1, wantMem: 256 << 20, wantMemUp: 1, wantLevels: []int{1},
		check: func(t *testing.T, h *result.Hierarchy) {
			if l := h.Levels[0]; l.Cores != 0 || l.ThrottledRatio != 0 {
				t.Errorf("level after a reset: %+v, want no CPU figures", l)
			}
		},
	}, {
		name: "at most MaxLevels kept, the effective one among them however far up",
		a: []cgroup.Stats{
			{HasCPU: true, CPUQuotaMicros: 400000, CPUPeriodMicros: 100000}, {HasCPU: true, CPUQuotaMicros: 300000, CPUPeriodMicros: 100000},
			{HasCPU: true, CPUQuotaMicros: 200000, CPUPeriodMicros: 100000}, unlimited(0), {HasCPU: true, CPUQuotaMicros: 50000, CPUPeriodMicros: 100000},
		},
		st:      result.Settings{},
		wantCPU: 0.5, wantCPUUp: 5, wantLevels: []int{1, 2, 5},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			if b == nil {
				b = tt.a
			}
			names := []string{"/pod", "/kubepods", "/", "/x", "/y"}
			peaks := []uint64{120 << 20}
			h := hierarchy(tt.a, b, names[:len(b)], peaks, 10, tt.st)
			if h.Visible != 1+len(b) || h.CPULimitCores != tt.wantCPU || h.CPULimitUp != tt.wantCPUUp || h.MemoryLimitBytes != tt.wantMem || h.MemoryLimitUp != tt.wantMemUp {
				t.Errorf("got visible %d cpu %g up %d mem %d up %d, want %d %g %d %d %d", h.Visible, h.CPULimitCores, h.CPULimitUp, h.MemoryLimitBytes, h.MemoryLimitUp,
					1+len(b), tt.wantCPU, tt.wantCPUUp, tt.wantMem, tt.wantMemUp)
			}
			var ups []int
			for _, l := range h.Levels {
				ups = append(ups, l.Up)
			}
			if !slices.Equal(ups, tt.wantLevels) {
				t.Errorf("levels kept: %v, want %v", ups, tt.wantLevels)
			}
			if tt.check != nil && len(h.Levels) > 0 {
				tt.check(t, h)
			}
		})
	}
}
