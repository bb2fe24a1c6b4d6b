package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// newSandbox creates a real cgroup for the test, or skips saying why.
func newSandbox(t *testing.T, l sandbox.Limits) *sandbox.Sandbox {
	t.Helper()
	name := strings.Map(func(r rune) rune { // a sandbox name is letters, digits, '.', '_' and '-'
		if r < 128 && (r == '.' || r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, t.Name())
	sb, err := sandbox.New(fmt.Sprintf("test-%s-%d", name, os.Getpid()), l)
	if errors.Is(err, sandbox.ErrUnsupported) {
		t.Skipf("real-cgroup test skipped: %v (run as root on a machine with cgroup v1 or v2 cpu and memory controllers)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sb.Delete(); err != nil {
			t.Errorf("delete sandbox: %v", err)
		}
	})
	return sb
}

// TestRealCgroupQuotaAndLimit runs the binary in a fresh cgroup with half a
// CPU and 256 MiB, and GOMAXPROCS=2 above the quota: the summary must
// report the quota and limit as written and throttling as the kernel saw it.
func TestRealCgroupQuotaAndLimit(t *testing.T) {
	workloadtest.NeedMachine(t)
	const limit = 256 << 20
	sb := newSandbox(t, sandbox.Limits{CPUQuotaMicros: 50_000, CPUPeriodMicros: 100_000, MemoryBytes: limit})
	st, err := sb.Reader().Read()
	if err != nil {
		t.Fatal(err)
	}
	if st.CPUQuotaMicros != 50_000 || st.CPUPeriodMicros != 100_000 || st.MemoryLimitBytes != limit {
		t.Fatalf("cgroup files read back quota %d/%d and limit %d, want 50000/100000 and %d",
			st.CPUQuotaMicros, st.CPUPeriodMicros, st.MemoryLimitBytes, limit)
	}
	cmd := sb.Command(bin, "run", "scheduler", "--duration", "2s", "--warmup", "300ms", "--listen", "", "--output", "json",
		"--set", "goroutines=16")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("workload in cgroup: %v\n%s", err, errb.String())
	}
	s, err := result.Decode(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cgroup v%d: limit %.2f cores, used %.2f cores, throttled %d of %d periods, memory limit %d",
		s.Settings.CgroupVersion, s.Settings.CPULimitCores, s.CPU.Cores, s.CPU.ThrottledPeriods, s.CPU.Periods, s.Settings.MemoryLimitBytes)
	if s.Settings.CgroupVersion != sb.Version() {
		t.Errorf("cgroup version: got %d, want %d", s.Settings.CgroupVersion, sb.Version())
	}
	if s.Settings.CPULimitCores != 0.5 {
		t.Errorf("CPU limit: got %v cores, want 0.5", s.Settings.CPULimitCores)
	}
	if s.Settings.MemoryLimitBytes != limit {
		t.Errorf("memory limit: got %d, want %d", s.Settings.MemoryLimitBytes, limit)
	}
	if s.Settings.GOMAXPROCS != 2 {
		t.Errorf("GOMAXPROCS: got %d, want 2 (from the environment)", s.Settings.GOMAXPROCS)
	}
	if s.CPU.Periods < 10 || s.CPU.ThrottledPeriods == 0 {
		t.Errorf("throttling: got %d throttled of %d periods, want > 0 of ≥ 10", s.CPU.ThrottledPeriods, s.CPU.Periods)
	}
	if s.CPU.Cores > 0.6 {
		t.Errorf("CPU used: got %.2f cores, want ≤ the 0.5 quota (+ slack)", s.CPU.Cores)
	}
	if s.Memory.UsageBytes == 0 || s.Memory.UsageBytes > limit {
		t.Errorf("memory usage: got %d, want within (0, %d]", s.Memory.UsageBytes, limit)
	}
}

// TestRealCgroupDefaultGOMAXPROCS: with no GOMAXPROCS set, Go ≥ 1.25 derives
// it from the quota — rounded up, never below 2, never above the CPUs.
func TestRealCgroupDefaultGOMAXPROCS(t *testing.T) {
	workloadtest.NeedMachine(t)
	sb := newSandbox(t, sandbox.Limits{CPUQuotaMicros: 100_000})
	cmd := sb.Command(bin, "run", "scheduler", "--duration", "200ms", "--warmup", "0s", "--listen", "", "--output", "json")
	cmd.Env = withoutEnv(os.Environ(), "GOMAXPROCS")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	s, err := result.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	want := int(math.Min(float64(s.Settings.NumCPU), 2))
	if s.Settings.GOMAXPROCS != want {
		t.Errorf("GOMAXPROCS under a 1-CPU quota on %d CPUs: got %d, want %d", s.Settings.NumCPU, s.Settings.GOMAXPROCS, want)
	}
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !bytes.HasPrefix([]byte(kv), []byte(key+"=")) {
			out = append(out, kv)
		}
	}
	return out
}
