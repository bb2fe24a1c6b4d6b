package expstatus

import (
	"strings"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func TestLimitsSeen(t *testing.T) {
	tests := []struct {
		name string
		k    labv1.Knobs
		s    result.Settings
		want string // substring of the reason; "" for none
	}{
		{"as asked", labv1.Knobs{CPULimit: "500m", MemoryLimit: "128Mi"}, result.Settings{CgroupVersion: 1, CPULimitCores: 0.5, MemoryLimitBytes: 128 << 20}, ""},
		{"unlimited both ways", labv1.Knobs{GOMAXPROCS: "2"}, result.Settings{CgroupVersion: 2}, ""},
		{"memory rounded to a page", labv1.Knobs{MemoryLimit: "100M"}, result.Settings{CgroupVersion: 1, MemoryLimitBytes: 99_999_744}, ""},
		{"no cgroup made (the path-traversal run)", labv1.Knobs{CPULimit: "500m", MemoryLimit: "128Mi"}, result.Settings{CgroupVersion: 1},
			"limits not enforced (cpu 500m asked, none seen; memory 128Mi asked, none seen in its cgroup)"},
		{"no cgroup found", labv1.Knobs{CPULimit: "1"}, result.Settings{}, "cpu 1 asked, none seen in no cgroup"},
		{"another quota", labv1.Knobs{CPULimit: "500m"}, result.Settings{CgroupVersion: 2, CPULimitCores: 1}, "cpu 500m asked, 1 CPU seen"},
		{"a limit nobody asked for", labv1.Knobs{}, result.Settings{CgroupVersion: 2, MemoryLimitBytes: 256 << 20}, "no memory limit asked, 256Mi seen"},
		{"a larger memory limit", labv1.Knobs{MemoryLimit: "128Mi"}, result.Settings{CgroupVersion: 2, MemoryLimitBytes: 256 << 20}, "memory 128Mi asked, 256Mi seen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LimitsSeen(tt.k, tt.s)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
