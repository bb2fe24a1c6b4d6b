package sidecar

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func TestParseCores(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		bad  bool
	}{{"500m", 0.5, false}, {"1", 1, false}, {"1.5", 1.5, false}, {"0", 0, false}, {"64", 64, false},
		{"65", 0, true}, {"-1", 0, true}, {"1e3", 0, true}, {"", 0, true}, {"m", 0, true}, {"0x10", 0, true}, {"NaN", 0, true}, {"1Gi", 0, true}} {
		got, err := ParseCores(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseCores(%q) = %g, %v; want %g, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

// TestRunUsesWhatItSays: half a core for a second is about half a second
// of this process's CPU. The margin (0.3 to 0.75 s) leaves room for a
// machine too busy to give it its pace and for the first chunk's
// overshoot; what it guards is that the sidecar burns about what it says,
// not nothing and not a whole core.
func TestRunUsesWhatItSays(t *testing.T) {
	before := cpuTime()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := Run(ctx, 0.5, 8<<20); err != nil {
		t.Fatal(err)
	}
	used := (cpuTime() - before).Seconds()
	t.Logf("0.5 cores for 1 s used %.3f s of CPU", used)
	if used < 0.3 || used > 0.75 {
		t.Errorf("used %.3f s of CPU, want about 0.5", used)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
