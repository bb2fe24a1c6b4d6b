package catalog

import (
	"strings"
	"testing"
	"time"
)

// TestMemoryGuard: parameters inside their bounds can still need more
// memory than there is; the guard refuses them with the estimate, and
// lets through what fits.
func TestMemoryGuard(t *testing.T) {
	const gi = int64(1) << 30
	tests := []struct {
		name    string
		spec    *Spec
		sets    []string
		in      MemoryInput
		machine int64
		want    string // "" when it fits
	}{
		{"stack defaults", &Stack, nil, MemoryInput{}, 24 * gi, ""},
		{"stack of 64 GiB on a 24 GiB machine", &Stack, []string{"goroutines=256", "depth=1000000", "frameBytes=256"}, MemoryInput{}, 24 * gi,
			"need about 128Gi (256 goroutines × a 512Mi stack (1000000 frames of 256 bytes) + 24Mi for the workload itself), over this machine's 24Gi of memory"},
		{"gc live heap 64Gi without a limit", &GC, []string{"liveHeap=64Gi"}, MemoryInput{}, 24 * gi, "a live heap of 64Gi"},
		{"gc live heap over its limit", &GC, []string{"liveHeap=1Gi"}, MemoryInput{Limit: 128 << 20}, 24 * gi, "over the memory limit of 128Mi"},
		{"gc live heap under its limit", &GC, []string{"liveHeap=64Mi"}, MemoryInput{Limit: 256 << 20}, 24 * gi, ""},
		{"memlimit from its limit", &MemLimit, []string{"liveHeap=0", "liveFraction=0.6"}, MemoryInput{Limit: 128 << 20}, 0, ""},
		{"memlimit above its limit", &MemLimit, []string{"liveHeap=0", "liveFraction=1.5"}, MemoryInput{Limit: 128 << 20}, 0, "liveFraction 1.5 of the limit"},
		{"alloc rings of large objects", &Alloc, []string{"goroutines=100", "retainSlots=1000000", "largeWeight=1", "tinyWeight=0", "smallWeight=0", "largeSize=16Mi"}, MemoryInput{}, 24 * gi,
			"100 goroutines × 1000000 retained objects × 16Mi"},
		{"poller 100k connections in 64Mi", &Poller, []string{"conns=100000"}, MemoryInput{Limit: 64 << 20}, 0, "100000 connections"},
		{"service leaking heap", &Service, []string{"rate=1000", "leakEvery=1", "leakKind=heap", "leakBytes=1Mi"}, MemoryInput{Window: time.Minute, Limit: 512 << 20}, 0, "60000 leaks × 1Mi over 1m0s"},
		{"service defaults", &Service, nil, MemoryInput{Window: time.Minute, Limit: 256 << 20}, 0, ""},
		{"unknown machine, no limit: nothing to check", &GC, []string{"liveHeap=64Gi"}, MemoryInput{}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse(tt.spec, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.spec.CheckMemory(v, tt.in, tt.machine)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestEveryDefaultFits: every scenario's defaults run in 256Mi.
func TestEveryDefaultFits(t *testing.T) {
	for _, s := range All() {
		v, err := Parse(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CheckMemory(v, MemoryInput{Window: 35 * time.Second, Limit: 256 << 20}, 0); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}
