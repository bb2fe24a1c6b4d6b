package scenario

import (
	"math"
	"testing"
	"time"
)

func TestLatencyCumulative(t *testing.T) {
	bounds := []time.Duration{100 * time.Microsecond, time.Millisecond, 10 * time.Millisecond, time.Second}
	tests := []struct {
		name       string
		record     []time.Duration
		wantCounts []uint64
		wantTotal  uint64
		wantSum    float64
	}{
		{name: "empty", wantCounts: []uint64{0, 0, 0, 0}},
		{
			name:       "spread",
			record:     []time.Duration{50 * time.Microsecond, 500 * time.Microsecond, 500 * time.Microsecond, 5 * time.Millisecond, 2 * time.Second},
			wantCounts: []uint64{1, 3, 4, 4},
			wantTotal:  5,
			wantSum:    2.00605,
		},
		{
			name:       "on a bound counts under it",
			record:     []time.Duration{time.Millisecond},
			wantCounts: []uint64{0, 1, 1, 1},
			wantTotal:  1,
			wantSum:    0.001,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMeter()
			sh := m.Latency("x").Shard()
			for _, d := range tt.record {
				sh.Record(d)
			}
			counts, total, sum := m.Latencies()["x"].Cumulative(bounds)
			for i := range bounds {
				if counts[i] != tt.wantCounts[i] {
					t.Errorf("count ≤ %s: got %d, want %d", bounds[i], counts[i], tt.wantCounts[i])
				}
			}
			if total != tt.wantTotal {
				t.Errorf("total: got %d, want %d", total, tt.wantTotal)
			}
			if math.Abs(sum-tt.wantSum) > tt.wantSum*0.002 {
				t.Errorf("sum: got %g s, want %g s (±0.2 %%)", sum, tt.wantSum)
			}
		})
	}
}
