package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestSelfCgroupV2(t *testing.T) {
	tests := []struct {
		name, file, want string
		wantErr          bool
	}{
		{"v2 only", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-u7.scope\n", "/user.slice/user-1000.slice/user@1000.service/app.slice/run-u7.scope", false},
		{"hybrid", "12:memory:/user.slice\n4:cpu,cpuacct:/user.slice\n0::/user.slice/session-3.scope\n", "/user.slice/session-3.scope", false},
		{"v1 only", "12:memory:/user.slice\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "cgroup")
			os.WriteFile(f, []byte(tt.file), 0o644)
			got, err := selfCgroupV2(f)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// fakeCgroup lays out the files delegatedDir and prepareDelegated look at.
// The kernel's rules (no internal processes, containment) are not modelled:
// TestDelegatedSandbox checks those on a real cgroup v2 host.
func fakeCgroup(t *testing.T, controllers string) (root, self string) {
	t.Helper()
	root, self = t.TempDir(), "/user.slice/user@1000.service/app.slice/run-u7.scope"
	dir := filepath.Join(root, self)
	os.MkdirAll(dir, 0o755)
	for f, v := range map[string]string{"cgroup.controllers": controllers, "cgroup.subtree_control": "", "cgroup.procs": ""} {
		os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644)
	}
	return root, self
}

func TestDelegatedDir(t *testing.T) {
	tests := []struct {
		name, controllers, procs, subtree string
		leaf                              bool
		wantErr                           bool
	}{
		{"a scope of its own", "cpuset cpu io memory pids\n", "4242\n", "", false, false},
		{"already in the executor leaf", "cpu memory\n", "", "cpu memory\n", true, false},
		{"no cpu controller", "memory pids\n", "4242\n", "", false, true},
		{"a terminal's scope, shared with the shell", "cpu memory pids\n", "1717\n4242\n", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, self := fakeCgroup(t, tt.controllers)
			os.WriteFile(filepath.Join(root, self, "cgroup.procs"), []byte(tt.procs), 0o644)
			os.WriteFile(filepath.Join(root, self, "cgroup.subtree_control"), []byte(tt.subtree), 0o644)
			ask := self
			if tt.leaf {
				ask = self + "/" + ExecutorLeaf
			}
			got, err := delegatedDir(root, ask, 4242)
			if tt.wantErr {
				if !errors.Is(err, ErrNotDelegated) {
					t.Errorf("got %q, %v; want ErrNotDelegated", got, err)
				}
				return
			}
			if want := filepath.Join(root, self); got != want || err != nil {
				t.Errorf("got %q, %v; want %q", got, err, want)
			}
		})
	}
}

func TestPrepareDelegated(t *testing.T) {
	root, self := fakeCgroup(t, "cpu memory")
	dir := filepath.Join(root, self)
	for range 2 { // idempotent: every sandbox of a run calls it
		if err := prepareDelegated(dir, 4242); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ExecutorLeaf, "cgroup.procs")); string(b) != strconv.Itoa(4242) {
		t.Errorf("leaf cgroup.procs: got %q, want the executor's pid", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control")); string(b) != "+cpu +memory" {
		t.Errorf("subtree_control: got %q, want +cpu +memory", b)
	}
}

// TestDelegatedSandbox creates a real sandbox as a user who is not root,
// in a delegated cgroup v2 (run the tests under
// `systemd-run --user --scope -p Delegate=yes`); elsewhere it skips.
func TestDelegatedSandbox(t *testing.T) {
	if os.Geteuid() == 0 || !unifiedHost() {
		t.Skip("needs a user who is not root on a cgroup v2 host (this machine: root or cgroup v1); root paths are tested by TestSandbox*")
	}
	if NeedsDelegatedScope() {
		t.Skip("this process's cgroup is not delegated; run: systemd-run --user --scope -p Delegate=yes go test ./workloads/sandbox/")
	}
	sb, err := New("delegated-test", Limits{CPUQuotaMicros: 25_000, MemoryBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Delete()
	dir := sb.Dirs()[0]
	for f, want := range map[string]string{"cpu.max": "25000 100000\n", "memory.max": "67108864\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != want {
			t.Errorf("%s: got %q, %v; want %q", f, b, err, want)
		}
	}
	out, err := sb.Command("/bin/cat", "/proc/self/cgroup").Output()
	if err != nil || !filepath.IsAbs(dir) || len(out) == 0 {
		t.Fatalf("command in the sandbox: %q, %v", out, err)
	}
	if got, _ := selfCgroupV2FromBytes(out); filepath.Join("/sys/fs/cgroup", got) != dir {
		t.Errorf("the command ran in %q, want %s", got, dir)
	}
}

func selfCgroupV2FromBytes(b []byte) (string, error) {
	f := filepath.Join(os.TempDir(), "runtimelab-selfcg")
	os.WriteFile(f, b, 0o600)
	defer os.Remove(f)
	return selfCgroupV2(f)
}

// TestClaimOnReadOnlyCgroupfs: root with a read-only cgroupfs (a
// container) gets ErrUnsupported, so runs go on without limits, saying so,
// instead of every run failing.
func TestClaimOnReadOnlyCgroupfs(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot mount a read-only tmpfs here (%v): needs root", err)
	}
	defer syscall.Unmount(dir, 0)
	err := claim(filepath.Join(dir, Parent, "run-1"))
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("got %v, want ErrUnsupported", err)
	}
}
