package memlimit

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// BenchmarkMemlimit is the bare churn the scenario paces: b.N chunk
// replacements on the default live heap (liveHeap=64Mi), with no pacing,
// steps, meter or driver around them.
func BenchmarkMemlimit(b *testing.B) {
	v, err := catalog.Parse(&catalog.MemLimit, nil)
	if err != nil {
		b.Fatal(err)
	}
	w, err := newWithLimit(v, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := &heap{w: w, rng: rand.New(rand.NewPCG(0x11fe, 0x4ea))}
	h.growTo(context.Background(), w.chunks)
	b.ResetTimer()
	for b.Loop() {
		h.churn(1)
	}
	b.ReportMetric(float64(b.N)*chunkBytes/b.Elapsed().Seconds(), "churn-B/s")
}
