// Package workloadtest builds the workload binary for tests that run it as
// users and executors do: as a separate, static process.
package workloadtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Package is the workload command's import path.
const Package = "github.com/runtime-lab/runtime-lab/workloads/cmd/workload"

// Build compiles the workload binary (CGO_ENABLED=0, as in its image) into
// dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "workload")
	cmd := exec.Command("go", "build", "-o", bin, Package)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", Package, err, out)
	}
	return bin, nil
}

// NeedMachine skips t in the fast test tier (go test -short): it runs
// workloads in real cgroups, or measures CPU time, throttling or latency,
// which wants root, the machine to itself and time.
func NeedMachine(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs workloads in real cgroups or measures timing: the fast tier (-short) skips it")
	}
}

// CPUClock is the process's CPU time (getrusage: user and system, every
// thread), for benchmarks that report throughput per CPU-second as the
// workload's summary does (a figure over cpu-cores): unlike per second of
// wall time, that does not move when a neighbour takes CPU away.
type CPUClock struct{ start time.Duration }

// StartCPU starts a CPUClock.
func StartCPU() CPUClock { return CPUClock{start: processCPU()} }

// Seconds is the CPU time since StartCPU.
func (c CPUClock) Seconds() float64 { return (processCPU() - c.start).Seconds() }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestService is the stand-in for a team's own service
// (hack/testservice), which the app scenario's tests run as the server.
const TestService = "github.com/runtime-lab/runtime-lab/hack/testservice"

// BuildTestService compiles hack/testservice into dir and returns its path.
func BuildTestService(dir string) (string, error) {
	bin := filepath.Join(dir, "testservice")
	cmd := exec.Command("go", "build", "-o", bin, TestService)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", TestService, err, out)
	}
	return bin, nil
}
