package cpuwork

import (
	"sync"
	"time"
)

// Work is an amount of CPU work: loop iterations.
type Work uint64

var (
	calOnce sync.Once
	perUs   float64 // iterations per microsecond of CPU
)

// Calibrate measures iterations per microsecond on this CPU. It takes the
// fastest of several short bursts, so a burst that was throttled or
// preempted does not skew it. It runs once per process (~20 ms).
func Calibrate() float64 {
	calOnce.Do(func() {
		const iters = 200_000
		best := time.Duration(1 << 62)
		for range 25 {
			t := time.Now()
			Keep(Do(iters))
			best = min(best, time.Since(t))
		}
		perUs = iters / max(float64(best)/1e3, 1e-3)
	})
	return perUs
}

// For returns the work that takes d of CPU time on an idle, unthrottled CPU.
func For(d time.Duration) Work {
	w := Work(Calibrate() * float64(d) / 1e3)
	return max(w, 1)
}

// Do performs w iterations of a dependent integer hash, which the compiler
// cannot vectorise or remove, and returns the hash so callers keep it live.
//
// It is not inlined so calibration and use run the same machine code.
//
//go:noinline
func Do(w Work) uint64 {
	x := uint64(w) | 1
	for i := Work(0); i < w; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// Keep makes a result observable so calls to Do are not dead code.
// The compiler cannot prove x is non-zero, so it must compute it.
func Keep(x uint64) {
	if x == 0 { // never true: xorshift never reaches zero from a non-zero seed
		panic("cpuwork: xorshift state reached zero")
	}
}
