package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// memlimitArgs run memlimit with a live heap of 60% of the cgroup limit,
// grown in 0.6s and churned fast, so that the GOGC=100 heap goal (about
// twice the live heap) is passed within a second of it being in place.
func memlimitArgs(resultFile, duration string) []string {
	return []string{"run", "memlimit", "--duration", duration, "--warmup", "0s", "--listen", "", "--interval", "100ms",
		"--result-file", resultFile, "--output", "json",
		"--set", "liveHeap=0", "--set", "liveFraction=0.6", "--set", "steps=4", "--set", "stepInterval=200ms",
		"--set", "churnRate=256Mi"}
}

// runInSandbox runs the binary in sb with the environment given on top of
// this one, less any GOMEMLIMIT and GOGC of the caller's.
func runInSandbox(t *testing.T, sb *sandbox.Sandbox, env []string, args ...string) (*os.ProcessState, string, string) {
	t.Helper()
	cmd := sb.Command(bin, args...)
	cmd.Env = append(withoutEnv(withoutEnv(os.Environ(), "GOMEMLIMIT"), "GOGC"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("run workload in sandbox: %v", err)
		}
	}
	return cmd.ProcessState, out.String(), errb.String()
}

// TestMemlimitOOMKillAndGOMEMLIMIT runs memlimit twice in a real 128 MiB
// cgroup. With GOGC=100 and no GOMEMLIMIT the heap outgrows the limit and
// the kernel kills the process, which leaves its last interim summary;
// with GOMEMLIMIT at 90% of the limit the GC runs more often instead and
// the run survives.
func TestMemlimitOOMKillAndGOMEMLIMIT(t *testing.T) {
	workloadtest.NeedMachine(t)
	const limit = 128 << 20
	var killed *result.Summary
	ok := t.Run("GOGC=100", func(t *testing.T) {
		sb := newSandbox(t, sandbox.Limits{MemoryBytes: limit})
		file := filepath.Join(t.TempDir(), "result.json")
		ps, _, stderr := runInSandbox(t, sb, []string{"GOGC=100"}, memlimitArgs(file, "6s")...)
		ws := ps.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("got %v, want the process killed by SIGKILL\n%s", ps, stderr)
		}
		st, err := sb.Reader().Read()
		if err != nil {
			t.Fatal(err)
		}
		if st.OOMKills < 1 {
			t.Errorf("cgroup OOM kills: got %d, want ≥ 1", st.OOMKills)
		}
		killed = readSummary(t, file)
		t.Logf("killed after %.2fs measured: %d GC cycles, held %.0f B, heap goal %.0f B, peak %.2f of the limit, outcome %q",
			killed.Seconds, killed.Runtime.GCCycles, killed.Figures["held-B"], killed.Figures["heap-goal-B"],
			killed.Figures["peak-limit-frac"], killed.Outcome)
		if !killed.Partial || killed.Phase != "measure" || killed.Figures["held-B"] <= 0 || killed.Figures["churn-B/s"] <= 0 {
			t.Errorf("result file: got partial=%v phase=%q held-B=%v churn-B/s=%v, want the last interim summary with figures",
				killed.Partial, killed.Phase, killed.Figures["held-B"], killed.Figures["churn-B/s"])
		}
	})
	if !ok || killed == nil {
		return
	}
	t.Run("GOMEMLIMIT=90%", func(t *testing.T) {
		sb := newSandbox(t, sandbox.Limits{MemoryBytes: limit})
		soft := strconv.Itoa(limit * 9 / 10)
		ps, stdout, stderr := runInSandbox(t, sb, []string{"GOGC=100", "GOMEMLIMIT=" + soft},
			memlimitArgs(filepath.Join(t.TempDir(), "result.json"), "3s")...)
		if ps.ExitCode() != 0 {
			t.Fatalf("got %v, want exit 0\n%s", ps, stderr)
		}
		s, err := result.Decode([]byte(stdout))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("survived %.2fs: %d GC cycles (%.1f/s), gc-cpu %.3f, heap goal %.0f B, runtime memory %.2f and peak %.2f of the limit, outcome %q",
			s.Seconds, s.Runtime.GCCycles, s.Figures["gc/s"], s.Figures["gc-cpu-frac"], s.Figures["heap-goal-B"],
			s.Figures["mem-limit-frac"], s.Figures["peak-limit-frac"], s.Outcome)
		if strconv.FormatInt(s.Settings.GOMEMLIMIT, 10) != soft {
			t.Errorf("GOMEMLIMIT: got %d, want %s", s.Settings.GOMEMLIMIT, soft)
		}
		if s.Outcome != "survived" && s.Outcome != "gc-thrash" {
			t.Errorf("outcome: got %q, want survived or gc-thrash", s.Outcome)
		}
		if s.Runtime.GCCycles <= killed.Runtime.GCCycles {
			t.Errorf("GC cycles: got %d with GOMEMLIMIT and %d in the killed run, want more with GOMEMLIMIT",
				s.Runtime.GCCycles, killed.Runtime.GCCycles)
		}
		if s.Memory.OOMKills != 0 || s.Figures["oom-kills"] != 0 {
			t.Errorf("OOM kills: got %d (figure %v), want 0", s.Memory.OOMKills, s.Figures["oom-kills"])
		}
	})
}

// TestMemlimitNeedsLiveHeapWithoutLimit: in a cgroup with no memory limit
// there is nothing to take liveFraction of, so liveHeap=0 is bad input.
func TestMemlimitNeedsLiveHeapWithoutLimit(t *testing.T) {
	workloadtest.NeedMachine(t)
	sb := newSandbox(t, sandbox.Limits{})
	file := filepath.Join(t.TempDir(), "result.json")
	ps, stdout, stderr := runInSandbox(t, sb, nil, "run", "memlimit", "--duration", "1s", "--listen", "",
		"--result-file", file, "--set", "liveHeap=0")
	want := "parameter liveFraction: the process's cgroup has no memory limit"
	if ps.ExitCode() != 2 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "set liveHeap") {
		t.Errorf("got exit %d and stderr %q, want exit 2 and a message containing %q and \"set liveHeap\"", ps.ExitCode(), stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout: got %q, want nothing (nothing was run)", stdout)
	}
}
