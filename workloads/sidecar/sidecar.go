// Package sidecar is a container that competes with the workload for its
// pod's budget: it burns a stated amount of CPU and holds a stated amount
// of memory until it is stopped, as a log shipper or a service-mesh proxy
// would, only steadily, so that what it takes from a shared limit is known.
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
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
)

// MaxCores bounds the CPU a sidecar burns (the API's bound).
const MaxCores = 64

// slot is the duty cycle's period: shorter than a CFS period (100 ms), so
// its use is steady within each one, and long enough that the sleep at its
// end costs little.
const slot = 10 * time.Millisecond

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

// Run burns cores of CPU, spread over as many goroutines as whole CPUs it
// needs, each busy for its share of every 10 ms, and holds memory bytes,
// every page touched, until ctx is done. Throttled, it uses less: its busy
// time is wall time.
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
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			burn(ctx, time.Duration(float64(slot)*cores/float64(n)))
		}()
	}
	wg.Wait()
	runtime.KeepAlive(held)
	return nil
}

// burn is busy for busy of every slot until ctx is done.
func burn(ctx context.Context, busy time.Duration) {
	chunk := cpuwork.For(50 * time.Microsecond)
	for ctx.Err() == nil {
		start := time.Now()
		for time.Since(start) < busy {
			cpuwork.Keep(cpuwork.Do(chunk))
		}
		if rest := slot - time.Since(start); rest > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(rest):
			}
		}
	}
}
