package cgroup

import (
	"strings"
	"testing"
)

// Mountinfo lines shared by the cases below.
const (
	miCPU      = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	miCPUAcct  = "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	miCPUSet   = "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	miMemory   = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	miSystemd  = "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	miUnified  = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	miV2       = "25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate\n"
	miRootfs   = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	procHybrid = "9:name=systemd:/user.slice\n4:memory:/user.slice\n3:cpuset:/\n2:cpuacct:/user.slice\n1:cpu:/user.slice\n0::/user.slice\n"
)

// findTests is kept outside TestFind so the test body stays readable next
// to a table that grows with every mount layout someone reports.
var findTests = []struct {
	name        string
	procCgroup  string
	mountinfo   string
	root        string
	wantVersion int
	wantDirs    [3]string // cpu, cpuacct, memory
}{{
	name:        "hybrid host: v1 wins over empty unified",
	procCgroup:  procHybrid,
	mountinfo:   miRootfs + miCPU + miCPUAcct + miCPUSet + miMemory + miSystemd + miUnified,
	wantVersion: 1,
	wantDirs: [3]string{"/sys/fs/cgroup/cpu/user.slice", "/sys/fs/cgroup/cpuacct/user.slice",
		"/sys/fs/cgroup/memory/user.slice"},
}, {
	name:        "v1 memory only still beats v2",
	procCgroup:  "4:memory:/a\n0::/b\n",
	mountinfo:   miMemory + miV2,
	wantVersion: 1,
	wantDirs:    [3]string{"", "", "/sys/fs/cgroup/memory/a"},
}, {
	name:        "cpuset and cpuacct are not cpu",
	procCgroup:  "3:cpuset:/a\n2:cpuacct:/a\n0::/b\n",
	mountinfo:   miCPUSet + miCPUAcct + miV2,
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup/b", "/sys/fs/cgroup/b", "/sys/fs/cgroup/b"},
}, {
	name:       "co-mounted cpu,cpuacct in a container without cgroupns",
	procCgroup: "4:cpuacct,cpu:/kubepods/pod1/ctr\n",
	mountinfo: "1838 1835 0:34 /kubepods/pod1/ctr /sys/fs/cgroup/cpu,cpuacct ro,nosuid master:17 - cgroup cgroup rw,cpu,cpuacct\n" +
		"1843 1835 0:39 /kubepods/pod1/ctr /sys/fs/cgroup/memory ro,nosuid master:22 - cgroup cgroup rw,memory\n",
	wantVersion: 1,
	wantDirs:    [3]string{"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory"},
}, {
	name:        "mount root is an ancestor of the path",
	procCgroup:  "1:cpu:/kubepods/pod1/ctr\n",
	mountinfo:   "10 1 0:29 /kubepods /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
	wantVersion: 1,
	wantDirs:    [3]string{"/sys/fs/cgroup/cpu/pod1/ctr", "", ""},
}, {
	name:        "mount root is a sibling-prefix, not an ancestor",
	procCgroup:  "1:cpu:/kubepods-besteffort/ctr\n",
	mountinfo:   "10 1 0:29 /kubepods /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
	wantVersion: 1,
	wantDirs:    [3]string{"/sys/fs/cgroup/cpu", "", ""},
}, {
	name:       "same hierarchy mounted twice: the mount that reaches the path wins",
	procCgroup: "1:cpu:/ctr\n",
	mountinfo: "10 1 0:29 /other /mnt/other rw - cgroup cgroup rw,cpu\n" +
		"11 1 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
	wantVersion: 1,
	wantDirs:    [3]string{"/sys/fs/cgroup/cpu/ctr", "", ""},
}, {
	name:        "v2 container with cgroupns",
	procCgroup:  "0::/\n",
	mountinfo:   "617 616 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate\n",
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup"},
}, {
	name:        "v2 container without cgroupns: mount root is the container's cgroup",
	procCgroup:  "0::/system.slice/docker-abc.scope\n",
	mountinfo:   "617 616 0:26 /system.slice/docker-abc.scope /sys/fs/cgroup ro - cgroup2 cgroup rw\n",
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup"},
}, {
	name:        "v2 cgroup outside the namespace falls back to the mount point",
	procCgroup:  "0::/../../init.scope\n",
	mountinfo:   miV2,
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup"},
}, {
	name:        "v2 namespace root above the mount reaches it",
	procCgroup:  "0::/../../init.scope\n",
	mountinfo:   "25 24 0:23 /../.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup/init.scope", "/sys/fs/cgroup/init.scope", "/sys/fs/cgroup/init.scope"},
}, {
	name:        "v2 without a 0:: line uses the mount point",
	procCgroup:  "",
	mountinfo:   miV2,
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup"},
}, {
	// /proc/self/cgroup is not escaped, mountinfo is: a literal
	// backslash in a cgroup name appears as \134 in the mount root.
	name:        "octal escapes in mount point and root",
	procCgroup:  "0::/my\\ job/x\n",
	mountinfo:   "25 24 0:23 /my\\134\\040job /mnt/cgroup\\040v2 rw - cgroup2 cgroup2 rw\n",
	wantVersion: 2,
	wantDirs:    [3]string{"/mnt/cgroup v2/x", "/mnt/cgroup v2/x", "/mnt/cgroup v2/x"},
}, {
	name:        "path containing colons",
	procCgroup:  "0::/a:b:c\n",
	mountinfo:   miV2,
	wantVersion: 2,
	wantDirs:    [3]string{"/sys/fs/cgroup/a:b:c", "/sys/fs/cgroup/a:b:c", "/sys/fs/cgroup/a:b:c"},
}, {
	name:        "root prefix",
	procCgroup:  "1:cpu:/ctr\n",
	mountinfo:   miCPU,
	root:        "/tmp/fixture",
	wantVersion: 1,
	wantDirs:    [3]string{"/tmp/fixture/sys/fs/cgroup/cpu/ctr", "", ""},
}, {
	name:        "no cgroup mounts",
	procCgroup:  "0::/\n",
	mountinfo:   miRootfs,
	wantVersion: 0,
}, {
	name:        "only non-resource v1 hierarchies",
	procCgroup:  "1:name=systemd:/\n",
	mountinfo:   miSystemd,
	wantVersion: 0,
}, {
	name:        "empty files",
	wantVersion: 0,
}}

func TestFind(t *testing.T) {
	for _, tt := range findTests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Find([]byte(tt.procCgroup), []byte(tt.mountinfo), tt.root)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if got := r.Version(); got != tt.wantVersion {
				t.Errorf("Version(): got %d, want %d", got, tt.wantVersion)
			}
			cpu, cpuacct, mem := r.Dirs()
			if got := [3]string{cpu, cpuacct, mem}; got != tt.wantDirs {
				t.Errorf("Dirs(): got %q, want %q", got, tt.wantDirs)
			}
		})
	}
}

func TestFindErrors(t *testing.T) {
	tests := []struct {
		name       string
		procCgroup string
		mountinfo  string
		wantInErr  string
	}{
		{"cgroup line without fields", "garbage\n", miV2, "/proc/self/cgroup: line 1"},
		{"cgroup path not absolute", "0::\n", miV2, "/proc/self/cgroup: line 1"},
		{"mountinfo without separator", "0::/\n", miRootfs + "25 24 0:23 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n", "/proc/self/mountinfo: line 2"},
		{"mountinfo truncated after separator", "0::/\n", "25 24 0:23 / /sys/fs/cgroup rw - cgroup2\n", "/proc/self/mountinfo: line 1"},
		{"mountinfo bad escape", "0::/\n", "25 24 0:23 / /mnt/a\\09 rw - cgroup2 cgroup2 rw\n", "/proc/self/mountinfo: line 1"},
		{"mountinfo truncated escape", "0::/\n", "25 24 0:23 / /mnt/a\\04 rw - cgroup2 cgroup2 rw\n", "/proc/self/mountinfo: line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Find([]byte(tt.procCgroup), []byte(tt.mountinfo), "")
			if err == nil {
				cpu, _, _ := r.Dirs()
				t.Fatalf("Find: got version %d dir %q and no error, want error", r.Version(), cpu)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("Find error: got %q, want it to contain %q", err, tt.wantInErr)
			}
		})
	}
}
