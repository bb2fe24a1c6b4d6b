package catalog

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"time"
)

// BaseMemory is what the workload process needs whatever its scenario:
// the Go runtime, the binary's pages, its telemetry (measured: 16–20 MiB
// resident with /metrics on).
const BaseMemory = 24 << 20

// goroutineBytes is a parked goroutine's cost: its g and a stack of a few
// KiB (8 KiB is what a goroutine that called a little grows to).
const goroutineBytes = 8 << 10

// MemoryInput is what a run's memory need depends on besides its
// parameters.
type MemoryInput struct {
	// Window is warmup plus duration: how long leaks accumulate.
	Window time.Duration
	// Limit is the container's memory limit in bytes, 0 for none: memlimit
	// sizes its live heap from it.
	Limit int64
}

// Need is a scenario's memory estimate at some parameters: Bytes on top
// of BaseMemory, and How they add up, in words a user can act on.
type Need struct {
	Bytes int64
	How   string
}

// MemoryNeed estimates what a run of s needs at v: what its parameters
// hold (live heap, stacks, connections, retained objects) plus
// BaseMemory. It is a floor, not a peak: a heap that GOGC lets grow past
// its live size needs more.
func (s *Spec) MemoryNeed(v Values, in MemoryInput) Need {
	n := Need{Bytes: BaseMemory, How: approxBytes(BaseMemory) + " for the workload itself"}
	if s.Memory != nil {
		if p := s.Memory(v, in); p.Bytes > 0 {
			n.Bytes = satAdd(n.Bytes, p.Bytes)
			n.How = p.How + " + " + n.How
		}
	}
	return n
}

// CheckMemory refuses parameters that need more memory than there is: the
// memory limit, or with none (limit 0) the machine's memory (0: unknown,
// nothing to check). The error gives the estimate and how it adds up.
func (s *Spec) CheckMemory(v Values, in MemoryInput, machine int64) error {
	need := s.MemoryNeed(v, in)
	have, what := in.Limit, "the memory limit of "+approxBytes(in.Limit)
	if have <= 0 {
		have, what = machine, "this machine's "+approxBytes(machine)+" of memory (there is no memory limit)"
	}
	if have <= 0 || need.Bytes <= have {
		return nil
	}
	return &ParseError{Scenario: s.Name, Msg: fmt.Sprintf("its parameters need about %s (%s), over %s; lower them, or raise the limit",
		approxBytes(need.Bytes), need.How, what)}
}

// approxBytes renders a byte count to three significant digits, e.g.
// "1.5Gi", "300Mi", "64Gi".
func approxBytes(n int64) string {
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strconv.FormatFloat(f, 'g', 3, 64) + units[i]
}

// satMul and satAdd keep estimates of absurd parameters from wrapping.
func satMul(a ...int64) int64 {
	out := int64(1)
	for _, x := range a {
		if x <= 0 {
			return 0
		}
		hi, lo := bits.Mul64(uint64(out), uint64(x))
		if hi != 0 || lo > math.MaxInt64 {
			return math.MaxInt64
		}
		out = int64(lo)
	}
	return out
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// nextPow2 is the smallest power of two at least n (a goroutine stack's
// size: it grows by doubling).
func nextPow2(n int64) int64 {
	if n <= 1 {
		return 1
	}
	if n > 1<<62 {
		return math.MaxInt64
	}
	return int64(1) << bits.Len64(uint64(n-1))
}
