package localexec

import (
	"testing"
	"time"
)

func TestETA(t *testing.T) {
	const s = time.Second
	for _, tt := range []struct {
		name             string
		parallel, queued int
		running          []time.Duration
		want             time.Duration
	}{
		{"nothing left", 1, 0, nil, 0},
		{"one at a time, none started", 1, 4, nil, 40 * s},
		{"one at a time, one half done", 1, 3, []time.Duration{5 * s}, 35 * s},
		{"four at once, eight queued: two waves", 4, 8, nil, 20 * s},
		{"four at once, nine queued: a third wave", 4, 9, nil, 30 * s},
		{"four at once, four running, none queued", 4, 0, []time.Duration{2 * s, 4 * s, 6 * s, 8 * s}, 8 * s},
		{"two at once, two running, one queued: the first slot free takes it", 2, 1, []time.Duration{8 * s, 1 * s}, 12 * s},
		{"a run past its planned time counts as ending now", 1, 1, []time.Duration{15 * s}, 10 * s},
		{"more parallel than runs", 8, 2, nil, 10 * s},
		{"parallel 0 is one at a time", 0, 2, nil, 20 * s},
	} {
		if got := eta(10*s, tt.parallel, tt.queued, tt.running); got != tt.want {
			t.Errorf("%s: eta(10s, parallel %d, queued %d, running %v) = %s, want %s", tt.name, tt.parallel, tt.queued, tt.running, got, tt.want)
		}
	}
}
