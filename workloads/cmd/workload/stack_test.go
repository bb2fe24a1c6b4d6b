package main

import "github.com/runtime-lab/runtime-lab/workloads/workloadtest"

import "testing"

// TestStackDepthCostsStackUntilGC: ten times the depth takes at least
// four times the stack per goroutine (stacks grow in powers of two), and
// the forced GC after the goroutines return shrinks the stacks. A GC
// halves a stack at most, so "well below" means at most 60% here.
func TestStackDepthCostsStackUntilGC(t *testing.T) {
	workloadtest.NeedMachine(t)
	shallow := runScenario(t, nil, "stack", "goroutines=100", "depth=100", "frameBytes=256")
	deep := runScenario(t, nil, "stack", "goroutines=100", "depth=1000", "frameBytes=256")
	for _, s := range []struct {
		name  string
		f     map[string]float64
		depth float64
	}{{"depth=100", shallow.Figures, 100}, {"depth=1000", deep.Figures, 1000}} {
		t.Logf("%s: %.1f cycles/s, %.0f B/goroutine at depth, stacks %.0f B at depth and %.0f B after GC, %.1f goroutines/MiB",
			s.name, s.f["cycles/s"], s.f["stack-B/goroutine"], s.f["stack-depth-B"], s.f["stack-gc-B"], s.f["goroutines/MiB"])
		if s.f["cycles/s"] <= 0 {
			t.Errorf("%s: cycles/s: got %v, want > 0", s.name, s.f["cycles/s"])
		}
		if per := s.f["stack-B/goroutine"]; per < s.depth*256 {
			t.Errorf("%s: stack-B/goroutine: got %.0f, want ≥ depth × frameBytes = %.0f", s.name, per, s.depth*256)
		}
	}
	if r := deep.Figures["stack-B/goroutine"] / shallow.Figures["stack-B/goroutine"]; r < 4 {
		t.Errorf("stack-B/goroutine: got %.0f at depth 1000 and %.0f at depth 100 (%.1f×), want ≥ 4×",
			deep.Figures["stack-B/goroutine"], shallow.Figures["stack-B/goroutine"], r)
	}
	if after, at := deep.Figures["stack-gc-B"], deep.Figures["stack-depth-B"]; after > 0.6*at {
		t.Errorf("stack-gc-B: got %.0f, want ≤ 60%% of the %.0f at depth", after, at)
	}
	if shallow.Figures["goroutines/MiB"] <= deep.Figures["goroutines/MiB"] {
		t.Errorf("goroutines/MiB: got %.1f shallow and %.1f deep, want more when shallow",
			shallow.Figures["goroutines/MiB"], deep.Figures["goroutines/MiB"])
	}
}
