package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// findFixture runs Find on the proc-cgroup and mountinfo files of a fixture
// tree, with the tree as the root that mount points are resolved against.
func findFixture(t *testing.T, root string) *Reader {
	t.Helper()
	cg, err := os.ReadFile(filepath.Join(root, "proc-cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	mi, err := os.ReadFile(filepath.Join(root, "mountinfo"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Find(cg, mi, root)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	return r
}

// dump prints Stats with the pressure pointers followed, so a failure shows
// values rather than addresses.
func dump(s Stats) string {
	p := func(p *Pressure) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprintf("%+v", *p)
	}
	c := s
	c.CPUPressure, c.MemoryPressure = nil, nil
	head := strings.Replace(fmt.Sprintf("%+v", c), " CPUPressure:<nil> MemoryPressure:<nil>", "", 1)
	return fmt.Sprintf("%s CPUPressure:%s MemoryPressure:%s", head, p(s.CPUPressure), p(s.MemoryPressure))
}

const procAPI = "sys/fs/cgroup/memory/process_api/fae27f03e2ab1998d2a965899f74f99f"

var zeroPressure = &Pressure{}

// fixtureTests lists every tree under testdata with what Find and Read must
// report for it.
var fixtureTests = []struct {
	name     string
	wantDirs [3]string // cpu, cpuacct, memory, relative to the fixture
	want     Stats
}{{
	name:     "v1-host",
	wantDirs: [3]string{"sys/fs/cgroup/cpu/runtimelab/job1", "sys/fs/cgroup/cpuacct/runtimelab/job1", procAPI},
	want: Stats{
		Version: 1, CPUQuotaMicros: 150000, CPUPeriodMicros: 100000, CPUUsageNanos: 59109001853,
		Periods: 5210, ThrottledPeriods: 37, ThrottledNanos: 1843227014,
		MemoryLimitBytes: 268435456, MemoryUsageBytes: 5414912, MemoryPeakBytes: 6311936,
		HasCPU: true, HasMemory: true,
	},
}, {
	name:     "v1-container",
	wantDirs: [3]string{"sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/memory"},
	want: Stats{
		Version: 1, CPUQuotaMicros: 50000, CPUPeriodMicros: 100000, CPUUsageNanos: 4123456789,
		Periods: 8123, ThrottledPeriods: 412, ThrottledNanos: 20593114518,
		MemoryLimitBytes: 536870912, MemoryUsageBytes: 498073600, MemoryPeakBytes: 536870912, OOMKills: 2,
		HasCPU: true, HasMemory: true,
	},
}, {
	name:     "v1-unlimited",
	wantDirs: [3]string{"sys/fs/cgroup/cpu", "sys/fs/cgroup/cpuacct", procAPI},
	want: Stats{
		Version: 1, CPUQuotaMicros: -1, CPUPeriodMicros: 100000, CPUUsageNanos: 76626043248,
		MemoryLimitBytes: -1, MemoryUsageBytes: 109019136, MemoryPeakBytes: 386093056,
		HasCPU: true, HasMemory: true,
	},
}, {
	name:     "v2-container",
	wantDirs: [3]string{"sys/fs/cgroup", "sys/fs/cgroup", "sys/fs/cgroup"},
	want: Stats{
		Version: 2, CPUQuotaMicros: 200000, CPUPeriodMicros: 100000, CPUUsageNanos: 8123456000,
		Periods: 420, ThrottledPeriods: 17, ThrottledNanos: 912345000,
		MemoryLimitBytes: 1073741824, MemoryUsageBytes: 401408000, MemoryPeakBytes: 512000000,
		OOMEvents: 1, OOMKills: 1,
		CPUPressure: &Pressure{
			Some: PressureLine{1.25, 0.50, 0.10, 912345},
			Full: PressureLine{0.75, 0.25, 0.05, 456789},
		},
		MemoryPressure: &Pressure{
			Some: PressureLine{0, 0.12, 0.03, 20571},
			Full: PressureLine{0, 0.06, 0.01, 10042},
		},
		HasCPU: true, HasMemory: true,
	},
}, {
	name: "v2-host",
	wantDirs: [3]string{"sys/fs/cgroup/system.slice/runtimelab.service",
		"sys/fs/cgroup/system.slice/runtimelab.service", "sys/fs/cgroup/system.slice/runtimelab.service"},
	want: Stats{
		Version: 2, CPUQuotaMicros: 50000, CPUPeriodMicros: 100000, CPUUsageNanos: 3000000000,
		Periods: 60, ThrottledPeriods: 58, ThrottledNanos: 2900000000,
		MemoryLimitBytes: 268435456, MemoryUsageBytes: 134217728, MemoryPeakBytes: 201326592,
		CPUPressure: &Pressure{
			Some: PressureLine{45.10, 40.02, 12.33, 2900000},
			Full: PressureLine{45.10, 40.02, 12.33, 2899000},
		},
		MemoryPressure: zeroPressure,
		HasCPU:         true, HasMemory: true,
	},
}, {
	name: "v2-nopeak",
	wantDirs: [3]string{
		"sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/cri-containerd-0f1e2d.scope",
		"sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/cri-containerd-0f1e2d.scope",
		"sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/cri-containerd-0f1e2d.scope"},
	want: Stats{
		Version: 2, CPUQuotaMicros: -1, CPUPeriodMicros: 100000, CPUUsageNanos: 777000000,
		MemoryLimitBytes: -1, MemoryUsageBytes: 52428800,
		HasCPU: true, HasMemory: true,
	},
}, {
	name:     "v2-root",
	wantDirs: [3]string{"sys/fs/cgroup", "sys/fs/cgroup", "sys/fs/cgroup"},
	want: Stats{
		Version: 2, CPUQuotaMicros: -1, CPUUsageNanos: 61929524000, MemoryLimitBytes: -1,
		CPUPressure:    &Pressure{Some: PressureLine{3.90, 3.39, 0.94, 9644278}},
		MemoryPressure: zeroPressure,
		HasCPU:         true,
	},
}}

func TestFixtures(t *testing.T) {
	for _, tt := range fixtureTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join("testdata", tt.name)
			r := findFixture(t, root)
			if got := r.Version(); got != tt.want.Version {
				t.Errorf("Version() = %d, want %d", got, tt.want.Version)
			}
			cpu, cpuacct, mem := r.Dirs()
			for i, got := range []string{cpu, cpuacct, mem} {
				if want := filepath.Join(root, tt.wantDirs[i]); got != want {
					t.Errorf("Dirs()[%d]: got %q, want %q", i, got, want)
				}
			}
			got, err := r.Read()
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		file    string // relative to the fixture; the error must name it
		content string // "" with remove set deletes the file instead
		remove  bool
	}{
		{"v1 corrupt cpu.stat", "v1-host", "sys/fs/cgroup/cpu/runtimelab/job1/cpu.stat", "nr_periods lots\n", false},
		{"v1 cpu.stat line without value", "v1-host", "sys/fs/cgroup/cpu/runtimelab/job1/cpu.stat", "nr_periods 1\nnr_throttled\n", false},
		{"v1 quota not a number", "v1-container", "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "unlimited\n", false},
		{"v1 empty period", "v1-container", "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "", false},
		{"v1 negative cpuacct.usage", "v1-container", "sys/fs/cgroup/cpu,cpuacct/cpuacct.usage", "-5\n", false},
		{"v1 memory limit with unit", "v1-unlimited", procAPI + "/memory.limit_in_bytes", "64M\n", false},
		{"v1 corrupt oom_control", "v1-unlimited", procAPI + "/memory.oom_control", "oom_kill\n", false},
		{"v1 missing oom_control", "v1-unlimited", procAPI + "/memory.oom_control", "", true},
		{"v1 missing quota", "v1-container", "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "", true},
		{"v2 cpu.max one field", "v2-container", "sys/fs/cgroup/cpu.max", "50000\n", false},
		{"v2 cpu.max max period", "v2-container", "sys/fs/cgroup/cpu.max", "max max\n", false},
		{"v2 fractional usage_usec", "v2-container", "sys/fs/cgroup/cpu.stat", "usage_usec 1.5\n", false},
		{"v2 memory.max with unit", "v2-container", "sys/fs/cgroup/memory.max", "1G\n", false},
		{"v2 memory.current empty", "v2-container", "sys/fs/cgroup/memory.current", "", false},
		{"v2 memory.peak garbage", "v2-container", "sys/fs/cgroup/memory.peak", "peak\n", false},
		{"v2 negative oom", "v2-container", "sys/fs/cgroup/memory.events", "oom -1\noom_kill 0\n", false},
		{"v2 cpu.pressure bad avg", "v2-container", "sys/fs/cgroup/cpu.pressure", "some avg10=x avg60=0.00 avg300=0.00 total=0\n", false},
		{"v2 cpu.pressure truncated", "v2-container", "sys/fs/cgroup/cpu.pressure", "some avg10=0.00 avg60=0.00\n", false},
		{"v2 memory.pressure without some", "v2-container", "sys/fs/cgroup/memory.pressure", "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", false},
		{"v2 memory.pressure unknown line", "v2-container", "sys/fs/cgroup/memory.pressure", "most avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if err := os.CopyFS(root, os.DirFS(filepath.Join("testdata", tt.fixture))); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(root, tt.file)
			var err error
			if tt.remove {
				err = os.Remove(path)
			} else {
				err = os.WriteFile(path, []byte(tt.content), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := findFixture(t, root).Read()
			if err == nil {
				t.Fatalf("Read: got %s and no error, want an error naming %s", dump(got), tt.file)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Read error: got %q, want it to name %s", err, path)
			}
			if !reflect.DeepEqual(got, Stats{}) {
				t.Errorf("Read with error: got %s, want zero Stats", dump(got))
			}
		})
	}
}

func TestReadMissingDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone")
	tests := []struct {
		name string
		r    *Reader
	}{
		{"v1 cpu", NewV1(missing, "", "")},
		{"v1 memory", NewV1("", "", missing)},
		{"v2", NewV2(missing)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.r.Read()
			if err == nil || !strings.Contains(err.Error(), missing) {
				t.Errorf("Read: got error %v, want one naming %s", err, missing)
			}
		})
	}
}

func TestReadPartialV1(t *testing.T) {
	// A v1 machine may have only some controllers mounted; the absent ones
	// leave their fields unset rather than failing the whole reading.
	root := filepath.Join("testdata", "v1-container", "sys", "fs", "cgroup")
	tests := []struct {
		name string
		r    *Reader
		want Stats
	}{{
		name: "memory only",
		r:    NewV1("", "", filepath.Join(root, "memory")),
		want: Stats{Version: 1, CPUQuotaMicros: -1, MemoryLimitBytes: 536870912,
			MemoryUsageBytes: 498073600, MemoryPeakBytes: 536870912, OOMKills: 2, HasMemory: true},
	}, {
		name: "cpuacct only",
		r:    NewV1("", filepath.Join(root, "cpu,cpuacct"), ""),
		want: Stats{Version: 1, CPUQuotaMicros: -1, CPUUsageNanos: 4123456789, MemoryLimitBytes: -1},
	}, {
		name: "cpuacct dir without cpuacct.usage",
		r:    NewV1("", filepath.Join(root, "memory"), ""),
		want: Stats{Version: 1, CPUQuotaMicros: -1, MemoryLimitBytes: -1},
	}, {
		name: "no cgroup",
		r:    &Reader{},
		want: Stats{CPUQuotaMicros: -1, MemoryLimitBytes: -1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.Read()
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read:\ngot  %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}
