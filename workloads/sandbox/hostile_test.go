package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNewRefusesUnsafeNames: a sandbox name is one path element of safe
// characters. A name that could climb out of the runtimelab cgroup, or be
// read as shell syntax, is refused before anything is created.
func TestNewRefusesUnsafeNames(t *testing.T) {
	pwned := filepath.Join(t.TempDir(), "PWNED")
	for _, name := range []string{
		"", ".", "..", "../../../../x/pwn", "a/b", "a/../../b", "-rf", ".hidden",
		"x';touch " + pwned + ";'y", "x$(touch " + pwned + ")", "x`touch " + pwned + "`", "a b", "a\nb", "a\x1b[31mb",
		"ü", strings.Repeat("a", 201), "a..b",
	} {
		t.Run(strconv.Quote(name), func(t *testing.T) {
			sb, err := New(name, Limits{CPUQuotaMicros: 50_000})
			if !errors.Is(err, ErrBadName) {
				if sb != nil {
					sb.Delete()
				}
				t.Fatalf("got %v, want ErrBadName", err)
			}
			for _, root := range []string{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup"} {
				if name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00") {
					if _, err := os.Lstat(filepath.Join(root, Parent, name)); err == nil {
						t.Errorf("%s was created", filepath.Join(root, Parent, name))
					}
				}
			}
		})
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Errorf("a name ran a command: %s exists", pwned)
	}
}

// TestJoinScriptTakesPathsAsData runs the cgroup v1 join with
// cgroup.procs paths full of shell syntax (regular files here): each gets
// the process's PID, and nothing in them is run. On the shell text the
// sandbox built before, the first of these ran `touch` as root.
func TestJoinScriptTakesPathsAsData(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "PWNED")
	names := []string{"x';touch " + pwned + ";'y", `"; touch ` + pwned + `; "`, "$(touch " + pwned + ")", "a\nb"}
	sb := &Sandbox{name: "t", version: 1, v1Dirs: map[string]string{}}
	for i, n := range names {
		d := filepath.Join(dir, n)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		sb.v1Dirs[fmt.Sprint(i)] = d
	}
	out, err := sb.Command("/bin/sh", "-c", `echo "$$:$1"`, "sh", "arg with ' quote").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	pid, arg, _ := strings.Cut(strings.TrimSpace(string(out)), ":")
	if arg != "arg with ' quote" {
		t.Errorf("the command got %q, want its argument unchanged", arg)
	}
	for _, d := range sb.v1Dirs {
		b, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil || strings.TrimSpace(string(b)) != pid {
			t.Errorf("%q: got %q, %v; want the PID %s (the process joined before exec)", d, b, err, pid)
		}
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Errorf("a path was run as a command: %s exists", pwned)
	}
}

// TestVerifyRefusesADirectoryThatIsNoCgroup: a "cgroup" in an ordinary
// directory enforces nothing; a sandbox made of one must never run a run
// whose report would then claim its limits.
func TestVerifyRefusesADirectoryThatIsNoCgroup(t *testing.T) {
	d := filepath.Join(t.TempDir(), "pwn")
	os.Mkdir(d, 0o755)
	sb := &Sandbox{name: "pwn", version: 1, v1Dirs: map[string]string{"cpu": d, "cpuacct": d, "memory": d}}
	err := sb.verify(Limits{CPUQuotaMicros: 50_000, MemoryBytes: 128 << 20})
	if err == nil || !strings.Contains(err.Error(), "not on a cgroup filesystem") {
		t.Errorf("got %v, want a refusal naming the directory as no cgroup", err)
	}
}

func TestCheckLimits(t *testing.T) {
	tests := []struct {
		name                  string
		l                     Limits
		quota, period, memory int64
		wantErr               string
	}{
		{"as written", Limits{CPUQuotaMicros: 50_000, MemoryBytes: 128 << 20}, 50_000, 100_000, 128 << 20, ""},
		{"unlimited", Limits{}, -1, 100_000, -1, ""},
		{"memory rounded down to a page", Limits{MemoryBytes: 100_000_000}, -1, 100_000, 99_999_744, ""},
		{"no quota where one was asked", Limits{CPUQuotaMicros: 50_000}, -1, 100_000, -1, "CPU quota -1/100000 µs, want 50000/100000"},
		{"another period", Limits{CPUQuotaMicros: 50_000}, 50_000, 50_000, -1, "want 50000/100000"},
		{"no memory limit where one was asked", Limits{MemoryBytes: 128 << 20}, -1, 100_000, -1, "memory limit -1 B, want 134217728"},
		{"a memory limit where none was asked", Limits{}, -1, 100_000, 64 << 20, "want none"},
		{"a larger memory limit", Limits{MemoryBytes: 64 << 20}, -1, 100_000, 128 << 20, "want 67108864"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLimits(tt.l, tt.quota, tt.period, tt.memory)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestCommandStartsInCgroupV2 starts a process straight into a cgroup v2
// directory (clone3 with CLONE_INTO_CGROUP), the way v2 sandboxes start
// their runs. A v1 host with the empty v2 hierarchy of systemd's hybrid
// layout has one to try it on; elsewhere TestSandbox covers it.
func TestCommandStartsInCgroupV2(t *testing.T) {
	root := ""
	for _, r := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		var st unix.Statfs_t
		if unix.Statfs(r, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			root = r
			break
		}
	}
	if root == "" || os.Geteuid() != 0 {
		t.Skip("needs root and a cgroup v2 hierarchy")
	}
	group := fmt.Sprintf("runtimelab-clone3-test-%d", os.Getpid())
	dir := filepath.Join(root, group)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot create a v2 cgroup here: %v", err)
	}
	defer os.Remove(dir)
	fd, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	sb := &Sandbox{name: group, version: 2, v2Dir: dir, v2FD: fd}
	defer fd.Close()
	out, err := sb.Command("/bin/cat", "/proc/self/cgroup").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "0::/"+group+"\n") {
		t.Errorf("the process started in:\n%s\nwant 0::/%s", out, group)
	}
}
