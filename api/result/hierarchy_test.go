package result

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestGOMAXPROCSFor(t *testing.T) {
	for _, tt := range []struct {
		cores  float64
		numCPU int
		want   int
	}{{0, 8, 8}, {0.5, 8, 2}, {1, 8, 2}, {2.1, 8, 3}, {4, 8, 4}, {16, 8, 8}, {1, 1, 1}} {
		if got := GOMAXPROCSFor(tt.cores, tt.numCPU); got != tt.want {
			t.Errorf("GOMAXPROCSFor(%g, %d) = %d, want %d", tt.cores, tt.numCPU, got, tt.want)
		}
	}
}

func TestJudge(t *testing.T) {
	pod := Level{Up: 1, Name: "/pod", CPULimitCores: 1, MemoryLimitBytes: 256 << 20, Cores: 1, ThrottledRatio: 0.9, MemoryPeakBytes: 200 << 20}
	tests := []struct {
		name     string
		h        Hierarchy
		st       Settings
		cores    float64
		throttle float64
		peak     uint64
		want     []string
	}{{
		name: "two containers share a pod's CPU and memory limits they do not see",
		h:    Hierarchy{Visible: 4, CPULimitCores: 1, CPULimitUp: 1, MemoryLimitBytes: 256 << 20, MemoryLimitUp: 1, Levels: []Level{pod}},
		st:   Settings{NumCPU: 8, GOMAXPROCS: 8, GOMEMLIMIT: math.MaxInt64}, cores: 0.5, peak: 100 << 20,
		want: []string{FlagGOMAXPROCSAboveLimit, FlagCPUShared, FlagThrottledAbove, FlagMemoryShared},
	}, {
		name: "GOMAXPROCS set to the pod's budget, alone in the pod: only the throttling above",
		h:    Hierarchy{Visible: 4, CPULimitCores: 1, CPULimitUp: 1, MemoryLimitBytes: 256 << 20, MemoryLimitUp: 1, Levels: []Level{pod}},
		st:   Settings{NumCPU: 8, GOMAXPROCS: 2, GOMEMLIMIT: math.MaxInt64}, cores: 0.99, peak: 195 << 20,
		want: []string{FlagThrottledAbove},
	}, {
		name: "the own cgroup's limit is the effective one: the runtime saw it",
		h:    Hierarchy{Visible: 3, CPULimitCores: 0.5, MemoryLimitBytes: 64 << 20, Levels: []Level{{Up: 1, Name: "/x", CPULimitCores: 4, Cores: 0.5}}},
		st:   Settings{NumCPU: 8, GOMAXPROCS: 8, GOMEMLIMIT: 60 << 20}, cores: 0.5, throttle: 0.9, peak: 60 << 20,
	}, {
		name: "GOMEMLIMIT above a parent's memory limit",
		h:    Hierarchy{Visible: 2, MemoryLimitBytes: 128 << 20, MemoryLimitUp: 1, Levels: []Level{{Up: 1, Name: "/pod", MemoryLimitBytes: 128 << 20, MemoryPeakBytes: 90 << 20}}},
		st:   Settings{NumCPU: 2, GOMAXPROCS: 2, GOMEMLIMIT: 200 << 20}, peak: 90 << 20,
		want: []string{FlagGOMEMLIMITAboveLimit},
	}, {
		name: "nothing visible above",
		h:    Hierarchy{Visible: 1, CPULimitCores: 1, MemoryLimitBytes: 64 << 20},
		st:   Settings{NumCPU: 8, GOMAXPROCS: 8, GOMEMLIMIT: math.MaxInt64},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			h.Judge(tt.st, tt.cores, tt.throttle, tt.peak)
			if !slices.Equal(h.Flags, tt.want) {
				t.Errorf("flags %v, want %v", h.Flags, tt.want)
			}
			s := &Summary{Version: 1, Scenario: "scheduler", Phase: "done", Settings: tt.st, Hierarchy: &h}
			if err := Check(s); err != nil {
				t.Errorf("Check: %v", err)
			}
			for _, f := range h.Flags {
				text := FlagText(f, s)
				if text == f || !strings.Contains(text, "level(s) up") && f != FlagThrottledAbove {
					t.Errorf("FlagText(%s) = %q: want an explanation naming the level", f, text)
				}
				if FlagAdvice(f) == f {
					t.Errorf("FlagAdvice(%s) has no text", f)
				}
			}
		})
	}
}

func TestCheckHierarchy(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    Hierarchy
		want string
	}{
		{"unknown flag", Hierarchy{Flags: []string{"rm -rf"}}, "flags[0]"},
		{"too many levels", Hierarchy{Levels: make([]Level, MaxLevels+1)}, "levels: 4"},
		{"name with a control character", Hierarchy{Levels: []Level{{Up: 1, Name: "/a\x1b[2J"}}}, "levels[0]"},
		{"negative cores", Hierarchy{Levels: []Level{{Up: 1, Name: "/a", Cores: -1}}}, "levels[0].cores"},
		{"level 0 is the own cgroup, never a level", Hierarchy{Levels: []Level{{Up: 0, Name: "/a"}}}, "levels[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(&Summary{Version: 1, Scenario: "gc", Phase: "done", Hierarchy: &tt.h})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "hier.") {
				t.Errorf("Check: %v, want an error at hier.%s", err, tt.want)
			}
		})
	}
}

func TestCutName(t *testing.T) {
	long := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0123456789abcdef.slice"
	for _, tt := range []struct{ in, want string }{
		{"/runtimelab/pod", "/runtimelab/pod"},
		{long, "…/kubepods-burstable-pod0123456789abcdef.slice"},
		{"/a\nb\x1b", "/a_b_"},
	} {
		got := CutName(tt.in)
		if got != tt.want || len(got) > MaxLevelName || CutName(got) != got {
			t.Errorf("CutName(%q) = %q (%d bytes), want %q, at most %d bytes, and a fixed point", tt.in, got, len(got), tt.want, MaxLevelName)
		}
	}
}
