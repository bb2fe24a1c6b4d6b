package main

import "github.com/runtime-lab/runtime-lab/workloads/workloadtest"

import "testing"

// TestTimersLatenessUnderCPULoad: with one P, a due timer's goroutine
// waits for the P behind CPU-bound goroutines, which yield only when
// preempted (every 10ms), so its lateness grows from well under a
// millisecond to several.
func TestTimersLatenessUnderCPULoad(t *testing.T) {
	workloadtest.NeedMachine(t)
	env := []string{"GOMAXPROCS=1"}
	sets := []string{"timers=100", "interval=1ms", "kind=timer"}
	idle := runScenario(t, env, "timers", sets...)
	busy := runScenario(t, env, "timers", append(sets, "busy=4")...)
	for _, s := range []struct {
		name string
		f    map[string]float64
	}{{"idle", idle.Figures}, {"busy=4", busy.Figures}} {
		t.Logf("%s: %.0f fires/s, lateness p50 %.6fs p99 %.6fs max %.6fs",
			s.name, s.f["fires/s"], s.f["late-p50-s"], s.f["late-p99-s"], s.f["late-max-s"])
		p50, p99, mx := s.f["late-p50-s"], s.f["late-p99-s"], s.f["late-max-s"]
		if s.f["fires/s"] <= 0 || p50 <= 0 || p50 > p99 || p99 > mx {
			t.Errorf("%s: got %v fires/s and lateness p50 %v p99 %v max %v, want fires and 0 < p50 ≤ p99 ≤ max",
				s.name, s.f["fires/s"], p50, p99, mx)
		}
	}
	if busy.Settings.GOMAXPROCS != 1 {
		t.Fatalf("GOMAXPROCS: got %d, want 1", busy.Settings.GOMAXPROCS)
	}
	if b, i := busy.Figures["late-p99-s"], idle.Figures["late-p99-s"]; b < 5*i || b < 0.005 {
		t.Errorf("late-p99-s: got %.6fs busy and %.6fs idle, want busy ≥ 5× idle and ≥ 5ms", b, i)
	}
}
