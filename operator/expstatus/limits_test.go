package expstatus

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func TestLimitsSeen(t *testing.T) {
	tests := []struct {
		name string
		k    labv1.Knobs
		pod  *labv1.PodLimits
		s    result.Settings
		want string // substring of the reason; "" for none
	}{
		{"as asked", labv1.Knobs{CPULimit: "500m", MemoryLimit: "128Mi"}, nil, result.Settings{CgroupVersion: 1, CPULimitCores: 0.5, MemoryLimitBytes: 128 << 20}, ""},
		{"unlimited both ways", labv1.Knobs{GOMAXPROCS: "2"}, nil, result.Settings{CgroupVersion: 2}, ""},
		{"memory rounded to a page", labv1.Knobs{MemoryLimit: "100M"}, nil, result.Settings{CgroupVersion: 1, MemoryLimitBytes: 99_999_744}, ""},
		{"no cgroup made (the path-traversal run)", labv1.Knobs{CPULimit: "500m", MemoryLimit: "128Mi"}, nil, result.Settings{CgroupVersion: 1},
			"limits not enforced (cpu 500m asked, none seen; memory 128Mi asked, none seen in its cgroup)"},
		{"no cgroup found", labv1.Knobs{CPULimit: "1"}, nil, result.Settings{}, "cpu 1 asked, none seen in no cgroup"},
		{"another quota", labv1.Knobs{CPULimit: "500m"}, nil, result.Settings{CgroupVersion: 2, CPULimitCores: 1}, "cpu 500m asked, 1 CPU seen"},
		{"a limit nobody asked for", labv1.Knobs{}, nil, result.Settings{CgroupVersion: 2, MemoryLimitBytes: 256 << 20}, "no memory limit asked, 256Mi seen"},
		{"a larger memory limit", labv1.Knobs{MemoryLimit: "128Mi"}, nil, result.Settings{CgroupVersion: 2, MemoryLimitBytes: 256 << 20}, "memory 128Mi asked, 256Mi seen"},
		{"a pod's limits copied into a container without its own", labv1.Knobs{}, podLimits("1", "256Mi"),
			result.Settings{CgroupVersion: 1, CPULimitCores: 1, MemoryLimitBytes: 256 << 20}, ""},
		{"a pod's limits, none in the container's cgroup", labv1.Knobs{}, podLimits("1", "256Mi"), result.Settings{CgroupVersion: 2}, ""},
		{"a container's own limit under a pod's", labv1.Knobs{CPULimit: "500m"}, podLimits("1", ""), result.Settings{CgroupVersion: 1, CPULimitCores: 0.5}, ""},
		{"a container's own limit not enforced under a pod's", labv1.Knobs{CPULimit: "500m"}, podLimits("1", ""), result.Settings{CgroupVersion: 1, CPULimitCores: 1}, "cpu 500m asked, 1 CPU seen"},
		{"neither the pod's nor none", labv1.Knobs{}, podLimits("1", "256Mi"), result.Settings{CgroupVersion: 1, CPULimitCores: 2, MemoryLimitBytes: 64 << 20},
			"no cpu limit asked, 2 CPU seen; no memory limit asked, 64Mi seen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LimitsSeen(tt.k, tt.pod, tt.s)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func podLimits(cpu, memory string) *labv1.PodLimits {
	var p labv1.PodLimits
	if cpu != "" {
		q := resource.MustParse(cpu)
		p.CPU = &q
	}
	if memory != "" {
		p.Memory = &memory
	}
	return &p
}
