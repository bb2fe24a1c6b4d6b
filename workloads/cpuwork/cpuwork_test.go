package cpuwork

import (
	"testing"
	"time"
)

func TestForScalesWithDuration(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
	}{
		{"1us", time.Microsecond},
		{"50us", 50 * time.Microsecond},
		{"10ms", 10 * time.Millisecond},
	}
	base := float64(For(time.Millisecond))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := float64(For(tt.d))
			want := base * float64(tt.d) / float64(time.Millisecond)
			if got < want*0.99-1 || got > want*1.01+1 {
				t.Errorf("For(%v): got %.0f iterations, want %.0f (linear in the duration)", tt.d, got, want)
			}
		})
	}
	if For(0) != 1 {
		t.Errorf("For(0): got %d, want the minimum of 1", For(0))
	}
}

// TestWorkTakesAboutItsCalibratedTime guards against the compiler removing
// the loop: calibrated work must take measurable time. It bounds from
// below only, so a busy machine cannot fail it.
func TestWorkTakesAboutItsCalibratedTime(t *testing.T) {
	w := For(2 * time.Millisecond)
	best := time.Hour
	for range 5 {
		start := time.Now()
		Keep(Do(w))
		best = min(best, time.Since(start))
	}
	if best < time.Millisecond {
		t.Errorf("2ms of calibrated work took %v, want ≥ 1ms", best)
	}
}
