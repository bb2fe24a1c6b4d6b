package driver

import (
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
)

func TestOwnCPU(t *testing.T) {
	pod := &result.Hierarchy{CPULimitCores: 1, CPULimitUp: 1, Levels: []result.Level{{Up: 1, Name: "/pod", CPULimitCores: 1, Cores: 0.9}}}
	ownLimit := &result.Hierarchy{CPULimitCores: 0.5, Levels: []result.Level{{Up: 1, Name: "/pod", CPULimitCores: 1, Cores: 0.95}}}
	unlimited := &result.Hierarchy{Levels: []result.Level{{Up: 2, Name: "/", Cores: 1.9, ThrottledRatio: 0.1}}}
	for _, tt := range []struct {
		name string
		h    *result.Hierarchy
		want float64
	}{
		{"no hierarchy: the process", nil, 7},
		{"nothing limited above: the process", unlimited, 7},
		{"a pod's limit: all the pod used, the sidecar with it", pod, 9},
		{"a limit of its own under a pod's: still the pod", ownLimit, 9.5},
	} {
		if got := ownCPU(7, 10, tt.h); got != tt.want {
			t.Errorf("%s: ownCPU = %g, want %g", tt.name, got, tt.want)
		}
	}
}
