// Package sidecar is a container that competes with the workload for its
// pod's budget: it burns a stated amount of CPU and holds a stated amount
// of memory until it is stopped, as a log shipper or a service-mesh proxy
// would with work arriving at a steady rate, so that what it takes from a
// shared limit is known.
package sidecar

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
)

// MaxCores bounds the CPU a sidecar burns (the API's bound).
const MaxCores = 64

// ParseCores parses a Kubernetes CPU quantity of the plain forms, "500m",
// "1" or "1.5", into cores from 0 to MaxCores.
func ParseCores(s string) (float64, error) {
	v, err := parseCores(s)
	if err != nil || v < 0 || v > MaxCores || math.IsNaN(v) {
		return 0, fmt.Errorf("cpu %q: want a quantity from 0 to %d such as 500m or 1.5", s, MaxCores)
	}
	return v, nil
}

func parseCores(s string) (float64, error) {
	if m, ok := strings.CutSuffix(s, "m"); ok {
		n, err := strconv.ParseUint(m, 10, 32)
		return float64(n) / 1000, err
	}
	if s == "" || strings.ContainsAny(s, "eEpPxX_") { // no exponents, hex or digit separators
		return 0, errors.New("not a plain number")
	}
	return strconv.ParseFloat(s, 64)
}

// Run burns cores of CPU and holds memory bytes, every page touched, until
// ctx is done. It keeps its CPU time at cores × the time since it started,
// as a sidecar whose work arrives at a steady rate must: throttled, it
// falls behind and then catches up when its cgroup may run again, so over
// a window it takes its stated share of a shared budget if the budget's
// scheduler gives it that. A debt older than maxDebt is forgiven (work a
// real sidecar would have dropped), so it never runs flat out for long.
// It spreads over as many goroutines as whole CPUs it needs.
func Run(ctx context.Context, cores float64, memory int64) error {
	if cores < 0 || cores > MaxCores || memory < 0 {
		return fmt.Errorf("sidecar: cpu %g, memory %d: out of range", cores, memory)
	}
	held := make([]byte, memory)
	for i := 0; i < len(held); i += 4096 {
		held[i] = 1
	}
	n := int(math.Ceil(cores))
	if n > runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(n)
	}
	p := &pacer{cores: cores, start: time.Now(), cpu0: ProcessCPU()}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.burn(ctx)
		}()
	}
	wg.Wait()
	runtime.KeepAlive(held)
	return nil
}

// maxDebt bounds how far behind the sidecar may fall before it forgives
// the rest.
const maxDebt = 200 * time.Millisecond

// pacer keeps the process's CPU time at cores × the time since start.
type pacer struct {
	cores float64
	mu    sync.Mutex
	start time.Time
	cpu0  time.Duration
}

// behind reports whether the process has used less CPU than its pace asks,
// forgiving a debt past maxDebt.
func (p *pacer) behind() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := time.Duration(p.cores * float64(time.Since(p.start)))
	have := ProcessCPU() - p.cpu0
	if debt := want - have; debt > maxDebt {
		// Move the start so that the debt is maxDebt.
		p.start = p.start.Add(time.Duration(float64(debt-maxDebt) / p.cores))
	}
	return have < want
}

// burn works while the process is behind its pace and naps otherwise.
func (p *pacer) burn(ctx context.Context) {
	chunk := cpuwork.For(200 * time.Microsecond)
	for ctx.Err() == nil {
		if p.behind() {
			cpuwork.Keep(cpuwork.Do(chunk))
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Millisecond):
		}
	}
}

// ProcessCPU is the process's user and system CPU time.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
