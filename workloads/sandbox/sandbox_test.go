package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestSandbox(t *testing.T) {
	tests := []struct {
		name string
		l    Limits
		// want is what the cgroup files must read back.
		wantQuota, wantPeriod, wantMem int64
	}{
		{name: "quota and limit", l: Limits{CPUQuotaMicros: 25_000, MemoryBytes: 64 << 20},
			wantQuota: 25_000, wantPeriod: 100_000, wantMem: 64 << 20},
		{name: "custom period", l: Limits{CPUQuotaMicros: 150_000, CPUPeriodMicros: 50_000},
			wantQuota: 150_000, wantPeriod: 50_000, wantMem: -1},
		{name: "unlimited", l: Limits{}, wantQuota: -1, wantPeriod: 100_000, wantMem: -1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, err := New(fmt.Sprintf("sandbox-test-%d-%d", os.Getpid(), i), tt.l)
			if errors.Is(err, ErrUnsupported) {
				t.Skipf("real-cgroup test skipped: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := sb.Delete(); err != nil {
					t.Errorf("Delete: %v", err)
				}
				for _, d := range sb.Dirs() {
					if _, err := os.Stat(d); err == nil {
						t.Errorf("%s still exists after Delete", d)
					}
				}
			}()
			st, err := sb.Reader().Read()
			if err != nil {
				t.Fatal(err)
			}
			if st.CPUQuotaMicros != tt.wantQuota || st.CPUPeriodMicros != tt.wantPeriod || st.MemoryLimitBytes != tt.wantMem {
				t.Errorf("read back quota %d period %d memory %d, want %d %d %d",
					st.CPUQuotaMicros, st.CPUPeriodMicros, st.MemoryLimitBytes, tt.wantQuota, tt.wantPeriod, tt.wantMem)
			}
			out, err := sb.Command("cat", "/proc/self/cgroup").Output()
			if err != nil {
				t.Fatal(err)
			}
			want := "/" + Parent + "/sandbox-test-"
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.SplitN(line, ":", 3)
				joined := f[1] == "" || strings.Contains(","+f[1]+",", ",cpu,") || strings.Contains(","+f[1]+",", ",memory,")
				if sb.Version() == 1 && f[1] == "" {
					joined = false // the empty v2 hierarchy of a hybrid machine is not ours
				}
				if joined && !strings.HasPrefix(f[2], want) {
					t.Errorf("the command ran in %q, want %s…", line, want)
				}
			}
		})
	}
}

// TestNewRefusesATakenName: a second sandbox of the same name fails
// instead of joining the first one's cgroup and rewriting its limits.
func TestNewRefusesATakenName(t *testing.T) {
	name := fmt.Sprintf("sandbox-taken-%d", os.Getpid())
	first, err := New(name, Limits{CPUQuotaMicros: 25_000})
	if errors.Is(err, ErrUnsupported) {
		t.Skipf("real-cgroup test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer first.Delete()
	second, err := New(name, Limits{CPUQuotaMicros: 150_000})
	if err == nil {
		second.Delete()
		t.Fatal("second New of the same name: got no error, want one wrapping fs.ErrExist")
	}
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), name) {
		t.Errorf("second New: got %v, want an error naming %s and wrapping fs.ErrExist", err, name)
	}
	st, err := first.Reader().Read()
	if err != nil {
		t.Fatal(err)
	}
	if st.CPUQuotaMicros != 25_000 {
		t.Errorf("the first sandbox's quota after the refused New: got %d, want 25000", st.CPUQuotaMicros)
	}
	third, err := New(name+"-other", Limits{})
	if err != nil {
		t.Fatalf("a free name after a refused one: %v", err)
	}
	third.Delete()
}

// TestChild makes a pod's two levels: a parent with a quota of half a CPU
// and a memory limit, and a child without limits of its own. The child's
// process runs in the child; the child's reader climbs to the parent's
// limits (what the workload reports as the effective ones); and both go
// when deleted, the child first.
func TestChild(t *testing.T) {
	pod, err := New(fmt.Sprintf("sandbox-pod-%d", os.Getpid()), Limits{CPUQuotaMicros: 50_000, MemoryBytes: 128 << 20})
	if errors.Is(err, ErrUnsupported) {
		t.Skipf("real-cgroup test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pod.Delete() // when the test fails early; a second Delete is harmless
	if _, err := pod.Child("../x", Limits{}); !errors.Is(err, ErrBadName) {
		t.Errorf(`Child("../x"): %v, want ErrBadName`, err)
	}
	ctr, err := pod.Child("ctr", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := ctr.Command("cat", "/proc/self/cgroup").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "/"+pod.name+"/ctr") {
		t.Errorf("the child's command ran in\n%s\nwant …/%s/ctr", out, pod.name)
	}
	path := ctr.Reader().Path()
	if len(path) < 2 {
		t.Fatalf("the child's Path has %d levels, want its parent too", len(path))
	}
	own, err := path[0].Read()
	if err != nil {
		t.Fatal(err)
	}
	up, err := path[1].Read()
	if err != nil {
		t.Fatal(err)
	}
	if own.CPUQuotaMicros != -1 || own.MemoryLimitBytes != -1 || up.CPUQuotaMicros != 50_000 || up.MemoryLimitBytes != 128<<20 {
		t.Errorf("child quota %d memory %d, parent quota %d memory %d; want -1 -1 50000 %d",
			own.CPUQuotaMicros, own.MemoryLimitBytes, up.CPUQuotaMicros, up.MemoryLimitBytes, 128<<20)
	}
	if err := ctr.Delete(); err != nil {
		t.Fatal(err)
	}
	if err := pod.Delete(); err != nil {
		t.Errorf("deleting the parent after its child: %v", err)
	}
	for _, d := range append(ctr.Dirs(), pod.Dirs()...) {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s still exists after Delete", d)
		}
	}
}

// TestUpdate rewrites a sandbox's limits while a process runs in it, as an
// in-place resize does, and reads them back.
func TestUpdate(t *testing.T) {
	sb, err := New(fmt.Sprintf("sandbox-update-%d", os.Getpid()), Limits{CPUQuotaMicros: 50_000, MemoryBytes: 64 << 20})
	if errors.Is(err, ErrUnsupported) {
		t.Skipf("real-cgroup test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Delete()
	cmd := sb.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := sb.Update(Limits{CPUQuotaMicros: 150_000, MemoryBytes: 128 << 20}); err != nil {
		t.Fatal(err)
	}
	st, err := sb.Reader().Read()
	if err != nil {
		t.Fatal(err)
	}
	if st.CPUQuotaMicros != 150_000 || st.MemoryLimitBytes != 128<<20 {
		t.Errorf("after Update: quota %d memory %d, want 150000 and %d", st.CPUQuotaMicros, st.MemoryLimitBytes, 128<<20)
	}
}
