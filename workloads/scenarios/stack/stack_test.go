package stack

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

func TestNewRejectsImpossibleStacks(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string
		wantErr string // substring of a *catalog.ParseError; "" means none
	}{
		{name: "defaults"},
		{name: "largest frame", sets: []string{"frameBytes=64Ki", "depth=4096"}},
		{name: "not a power of two", sets: []string{"frameBytes=100"},
			wantErr: "parameter frameBytes: 100 is not a power of two; use a power of two from 64 to 64Ki"},
		{name: "one stack too deep", sets: []string{"frameBytes=64Ki", "depth=4097"},
			wantErr: "parameter depth: depth × frameBytes is 262208Ki, over the 256Mi one goroutine's stack may hold"},
		{name: "all stacks too large", sets: []string{"goroutines=100000", "depth=100000", "frameBytes=1Ki"},
			wantErr: "parameter goroutines: goroutines × depth × frameBytes is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := catalog.Parse(&catalog.Stack, tt.sets)
			if err == nil {
				_, err = New(v, scenario.Env{})
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			var pe *catalog.ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want a *catalog.ParseError containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRecursionUsesItsFrames checks, for every frame size, that the stack
// a recursion needs is at least depth × frameBytes: the compiler kept
// every frame and every array.
func TestRecursionUsesItsFrames(t *testing.T) {
	sizes := make([]int64, 0, len(descenders))
	for fb := range descenders {
		sizes = append(sizes, fb)
	}
	slices.Sort(sizes)
	if len(sizes) != 11 || sizes[0] != 64 || sizes[10] != 64<<10 {
		t.Fatalf("got frame sizes %v, want the 11 powers of two from 64 to 64Ki", sizes)
	}
	for _, fb := range sizes {
		t.Run(catalog.FormatBytes(fb), func(t *testing.T) {
			depth := int(max(4<<20/fb, 2)) // 4 MiB of locals
			// An earlier subtest's freed stack stays counted in the stack
			// pool until a GC returns it; without these GCs the recursion
			// could reuse it and show no growth.
			runtime.GC()
			runtime.GC()
			before := stackBytes()
			var atDepth uint64
			done := make(chan struct{})
			go func() {
				defer close(done)
				descenders[fb](depth, 1, func() { atDepth = stackBytes() })
			}()
			<-done
			if grew := int64(atDepth) - int64(before); grew < int64(depth)*fb {
				t.Errorf("stack memory grew by %d bytes at depth %d, want ≥ %d (depth × frameBytes)", grew, depth, int64(depth)*fb)
			}
		})
	}
}

// TestRunCycles runs a few cycles: the stacks must be measured at depth
// and smaller after the GC, and every goroutine must end with Run.
func TestRunCycles(t *testing.T) {
	v, err := catalog.Parse(&catalog.Stack, []string{"goroutines=20", "depth=500", "frameBytes=512"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(v, scenario.Env{})
	if err != nil {
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	m := scenario.NewMeter()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := w.Run(ctx, m); err != nil {
		t.Fatalf("Run: got %v, want nil", err)
	}
	f := w.Figures(scenario.Window{Seconds: time.Since(start).Seconds(), Counters: m.Snapshot()})
	t.Logf("figures: %v", f)
	if f["cycles/s"] <= 0 {
		t.Errorf("cycles/s: got %v, want > 0", f["cycles/s"])
	}
	if per := f["stack-B/goroutine"]; per < 500*512 {
		t.Errorf("stack-B/goroutine: got %.0f, want ≥ %d (depth × frameBytes)", per, 500*512)
	}
	if f["stack-gc-B"] >= f["stack-depth-B"] {
		t.Errorf("stack-gc-B: got %.0f, want below stack-depth-B %.0f", f["stack-gc-B"], f["stack-depth-B"])
	}
	// The runtime's own helpers (the finalizer goroutine a GC may wake)
	// come and go: allow them a moment; a crew goroutine left behind stays.
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(time.Second); n > goroutines && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if n > goroutines {
		t.Errorf("goroutines after Run: got %d, want ≤ %d as before", n, goroutines)
	}
}
