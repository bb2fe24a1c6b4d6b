package probe

import (
	"bytes"
	"fmt"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// CPUProfile is a running runtime/pprof CPU profile of this process, used to
// find where CPU goes where runtime/metrics cannot say (time in the
// allocator, for one).
type CPUProfile struct {
	buf bytes.Buffer
}

// StartCPUProfile starts profiling. It fails when another CPU profile runs
// (a Pyroscope agent or /debug/pprof/profile): only one can.
func StartCPUProfile() (*CPUProfile, error) {
	p := &CPUProfile{}
	if err := pprof.StartCPUProfile(&p.buf); err != nil {
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return p, nil
}

// Breakdown is the share of CPU profile samples whose stack passes through
// a function.
type Breakdown struct {
	Samples int64
	// Malloc is the share inside runtime.mallocgc (allocation, including
	// the GC assists it pays for).
	Malloc float64
}

// Stop ends the profile and parses it.
func (p *CPUProfile) Stop() (Breakdown, error) {
	pprof.StopCPUProfile()
	prof, err := profile.Parse(&p.buf)
	if err != nil {
		return Breakdown{}, fmt.Errorf("parse cpu profile: %w", err)
	}
	return breakdown(prof), nil
}

// breakdown counts CPU samples (the "cpu" value, in nanoseconds) in stacks
// through runtime.mallocgc.
func breakdown(prof *profile.Profile) Breakdown {
	idx := len(prof.SampleType) - 1 // samples/count then cpu/nanoseconds
	var total, malloc int64
	var n int64
	for _, s := range prof.Sample {
		v := s.Value[idx]
		total += v
		n++
		if stackHas(s, "runtime.mallocgc") {
			malloc += v
		}
	}
	b := Breakdown{Samples: n}
	if total > 0 {
		b.Malloc = float64(malloc) / float64(total)
	}
	return b
}

func stackHas(s *profile.Sample, fn string) bool {
	for _, loc := range s.Location {
		for _, line := range loc.Line {
			if line.Function != nil && line.Function.Name == fn {
				return true
			}
		}
	}
	return false
}
