package main

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	atLeast, atMost := goal{0.9, true}, goal{2, false}
	inf := math.Inf(1)
	tests := []struct {
		name string
		g    goal
		e    estimate
		want string
	}{
		{"ratio above", atLeast, estimate{0.95, 0.93, 0.97, 8}, pass},
		{"ratio below", atLeast, estimate{0.8, 0.78, 0.85, 8}, miss},
		{"ratio straddles", atLeast, estimate{0.91, 0.88, 0.93, 8}, cannotTell},
		{"overhead under", atMost, estimate{0.8, -1.2, 1.5, 8}, pass},
		{"overhead over", atMost, estimate{4, 3, 5.5, 8}, miss},
		{"overhead straddles", atMost, estimate{1.5, -2, 4, 8}, cannotTell},
		{"too few rounds", atMost, estimate{0.1, -inf, inf, 3}, cannotTell},
	}
	for _, tt := range tests {
		if got := tt.g.judge(tt.e); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestAdaptiveStopsWhenDecided: clear data decide at the minimum; noisy
// data around the target run to the maximum and say they cannot tell.
func TestAdaptiveStopsWhenDecided(t *testing.T) {
	r := rounds{min: 6, max: 12, cap: time.Minute}
	clear := func(_ context.Context, i int) (float64, error) { return 0.95 + 0.001*float64(i%3), nil }
	xs, _, v, err := adaptive(context.Background(), goal{0.9, true}, r, clear, func(int, float64) {})
	if err != nil || v != pass || len(xs) != 6 {
		t.Errorf("clear: got %s after %d rounds (%v), want PASS after 6", v, len(xs), err)
	}
	noisy := func(_ context.Context, i int) (float64, error) { return 0.9 + 0.2*float64(i%2) - 0.1, nil }
	xs, _, v, err = adaptive(context.Background(), goal{0.9, true}, r, noisy, func(int, float64) {})
	if err != nil || v != cannotTell || len(xs) != 12 {
		t.Errorf("noisy: got %s after %d rounds (%v), want CANNOT TELL after 12", v, len(xs), err)
	}
}
