package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/containerd/cgroups/v3"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// Parent is the cgroup every sandbox is created under.
const Parent = "runtimelab"

// DefaultPeriodMicros is the CFS period Kubernetes uses.
const DefaultPeriodMicros = 100_000

// Limits are what a sandbox enforces; zero means unlimited.
type Limits struct {
	// CPUQuotaMicros of CPU time per CPUPeriodMicros (default 100ms).
	CPUQuotaMicros  int64
	CPUPeriodMicros int64
	MemoryBytes     int64
}

// Sandbox is one cgroup made for one run.
type Sandbox struct {
	name    string
	version int
	v1      cgroup1.Cgroup
	v1Path  string            // the cgroup's path in each v1 hierarchy ("/runtimelab/NAME")
	v1Dirs  map[string]string // controller → directory
	v2      *cgroup2.Manager
	v2Mount string // the v2 hierarchy (or the delegated cgroup) it was made in
	v2Group string // its path below v2Mount
	v2Dir   string
	v2FD    *os.File // the v2 directory, opened: a child starts in it (clone3 CLONE_INTO_CGROUP)
}

// ErrUnsupported means no cgroup can be created here: not root, or no
// cpu/memory controller. Callers may run without limits, saying so.
var ErrUnsupported = errors.New("cannot create cgroups here")

// controllersV1 are the v1 hierarchies a sandbox joins.
var controllersV1 = []cgroup1.Name{cgroup1.Cpu, cgroup1.Cpuacct, cgroup1.Memory}

// validName is what a sandbox's name may be: one path element of letters,
// digits, '.', '_' and '-', starting with a letter or digit, so it can
// never climb out of Parent ("..") or reach a shell or a file as anything
// but a name.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)

// ErrBadName means a sandbox name is not one path element of safe characters.
var ErrBadName = errors.New("invalid sandbox name")

// New creates the cgroup Parent/name with limits l. It fails, wrapping
// fs.ErrExist, when that cgroup exists already: a sandbox is never shared.
// name must match [A-Za-z0-9][A-Za-z0-9._-]* (at most 200 characters,
// without ".."); callers derive it from validated names, and New checks it
// again. Once created, every directory is checked to be a cgroup (on a
// cgroup filesystem, under its hierarchy's root) whose limits read back
// as written: a sandbox that would not enforce l is never returned.
func New(name string, l Limits) (*Sandbox, error) {
	l, err := prepare(name, l)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{name: name}
	mode := cgroups.Mode()
	switch {
	case os.Geteuid() != 0 && mode == cgroups.Unified:
		err = s.newV2Delegated(l)
	case os.Geteuid() != 0:
		err = fmt.Errorf("%w: creating a cgroup v1 needs root", ErrUnsupported)
	case mode == cgroups.Legacy || mode == cgroups.Hybrid:
		err = s.newV1(l, "/"+Parent+"/"+s.name)
	case mode == cgroups.Unified:
		err = s.newV2(l, "/sys/fs/cgroup", "/"+Parent+"/"+s.name)
	default:
		err = fmt.Errorf("%w: no cgroup filesystem mounted", ErrUnsupported)
	}
	return s.verified(err, l)
}

// Child creates the cgroup name inside s, with limits l: the two levels the
// kubelet makes for a pod (s, with the pod-level limits) and each of its
// containers. A parent's limits bind its children together, whatever
// theirs. Processes run in children only: a cgroup v2 with children may
// hold no processes of its own. Delete every child before s.
func (s *Sandbox) Child(name string, l Limits) (*Sandbox, error) {
	l, err := prepare(name, l)
	if err != nil {
		return nil, err
	}
	c := &Sandbox{name: name}
	if s.version == 2 {
		err = c.newV2(l, s.v2Mount, s.v2Group+"/"+name)
	} else {
		err = c.newV1(l, s.v1Path+"/"+name)
	}
	return c.verified(err, l)
}

// prepare checks a sandbox's name and gives its limits the default period.
func prepare(name string, l Limits) (Limits, error) {
	if !validName.MatchString(name) || strings.Contains(name, "..") {
		return l, fmt.Errorf("%w %q: want letters, digits, '.', '_' or '-' (at most 200, no \"..\")", ErrBadName, name)
	}
	if l.CPUPeriodMicros == 0 {
		l.CPUPeriodMicros = DefaultPeriodMicros
	}
	return l, nil
}

// verified returns s once its cgroup proved to enforce l, after err (from
// creating it) is nil; else it deletes what was made.
func (s *Sandbox) verified(err error, l Limits) (*Sandbox, error) {
	if err != nil {
		return nil, err
	}
	if err := s.verify(l); err != nil {
		s.Delete()
		return nil, err
	}
	return s, nil
}

// unifiedHost reports a cgroup v2 only host.
func unifiedHost() bool { return cgroups.Mode() == cgroups.Unified }

func (s *Sandbox) newV1(l Limits, path string) error {
	hier := func() ([]cgroup1.Subsystem, error) {
		all, err := cgroup1.Default()
		if err != nil {
			return nil, err
		}
		var out []cgroup1.Subsystem
		for _, ss := range all {
			if slices.Contains(controllersV1, ss.Name()) {
				out = append(out, ss)
			}
		}
		return out, nil
	}
	subs, err := hier()
	if err != nil {
		return fmt.Errorf("%w: cgroup v1 hierarchies: %v", ErrUnsupported, err)
	}
	s.v1Dirs = map[string]string{}
	for _, ss := range subs {
		if p, ok := ss.(interface{ Path(string) string }); ok {
			s.v1Dirs[string(ss.Name())] = p.Path(path)
		}
	}
	if s.v1Dirs["cpu"] == "" || s.v1Dirs["memory"] == "" {
		return fmt.Errorf("%w: cgroup v1 lacks the cpu or memory controller", ErrUnsupported)
	}
	if err := claim(s.v1Dirs["memory"]); err != nil {
		return err
	}
	cg, err := cgroup1.New(cgroup1.StaticPath(path), resourcesV1(l), cgroup1.WithHierarchy(hier))
	if err != nil {
		// containerd/cgroups may have made some controllers' directories
		// before the one that refused its limits: none may stay behind.
		for _, d := range s.v1Dirs {
			os.Remove(d)
		}
		return fmt.Errorf("create cgroup v1 %s: %w", path, err)
	}
	s.version, s.v1, s.v1Path = 1, cg, path
	return nil
}

// resourcesV1 are l as containerd/cgroups' v1 resources.
func resourcesV1(l Limits) *specs.LinuxResources {
	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{}, Memory: &specs.LinuxMemory{}}
	period := uint64(l.CPUPeriodMicros)
	res.CPU.Period = &period
	quota := int64(-1)
	if l.CPUQuotaMicros > 0 {
		quota = l.CPUQuotaMicros
	}
	res.CPU.Quota = &quota
	if l.MemoryBytes > 0 {
		res.Memory.Limit = &l.MemoryBytes
	}
	return res
}

// newV2Delegated creates the sandbox in this process's own cgroup, when it
// is delegated (a user's systemd scope with Delegate=yes).
func (s *Sandbox) newV2Delegated(l Limits) error {
	self, err := selfCgroupV2("/proc/self/cgroup")
	if err == nil {
		var dir string
		if dir, err = delegatedDir("/sys/fs/cgroup", self, os.Getpid()); err == nil {
			if err = prepareDelegated(dir, os.Getpid()); err == nil {
				return s.newV2(l, dir, "/"+Parent+"-"+s.name)
			}
		}
	}
	return fmt.Errorf("%w: not root, and %v; run in a delegated scope: %s kubectl lab run --local -f FILE", ErrUnsupported, err, strings.Join(DelegatedScope, " "))
}

func (s *Sandbox) newV2(l Limits, mountpoint, group string) error {
	period := uint64(l.CPUPeriodMicros)
	var quota *int64
	if l.CPUQuotaMicros > 0 {
		quota = &l.CPUQuotaMicros
	}
	res := &cgroup2.Resources{CPU: &cgroup2.CPU{Max: cgroup2.NewCPUMax(quota, &period)}, Memory: &cgroup2.Memory{}}
	if l.MemoryBytes > 0 {
		noSwap := int64(0) // like a Kubernetes pod: exceed the limit and be OOM-killed, not swapped
		res.Memory.Max, res.Memory.Swap = &l.MemoryBytes, &noSwap
	}
	dir := filepath.Join(mountpoint, group)
	if err := claim(dir); err != nil {
		return err
	}
	m, err := cgroup2.NewManager(mountpoint, group, res)
	if err != nil {
		os.Remove(dir)
		return fmt.Errorf("create cgroup v2 %s: %w", group, err)
	}
	fd, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		m.Delete()
		return fmt.Errorf("open cgroup v2 %s: %w", dir, err)
	}
	s.version, s.v2, s.v2Dir, s.v2FD = 2, m, dir, fd
	s.v2Mount, s.v2Group = mountpoint, group
	return nil
}

// claim creates a sandbox's cgroup directory, failing when it exists:
// containerd/cgroups would silently reuse it, so a second run of the same
// name would join the first one's cgroup and rewrite its limits.
func claim(dir string) error {
	err := os.MkdirAll(filepath.Dir(dir), 0o755)
	if err == nil {
		err = os.Mkdir(dir, 0o755)
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		// Root in a container with a read-only /sys/fs/cgroup: no limits
		// here, which callers may run without, saying so.
		return fmt.Errorf("%w: create cgroup %s: %v", ErrUnsupported, dir, err)
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cgroup %s already exists: another run is using the name, or an earlier one left it (rmdir it): %w", dir, err)
	}
	if err != nil {
		return fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return nil
}

// Update rewrites the sandbox's limits in place while its processes run,
// as the kubelet applies an in-place pod resize, and checks they read
// back. A memory limit below what the cgroup uses fails (the kernel could
// not reclaim enough) and leaves the old one.
func (s *Sandbox) Update(l Limits) error {
	if l.CPUPeriodMicros == 0 {
		l.CPUPeriodMicros = DefaultPeriodMicros
	}
	var err error
	if s.version == 2 {
		period := uint64(l.CPUPeriodMicros)
		var quota *int64
		if l.CPUQuotaMicros > 0 {
			quota = &l.CPUQuotaMicros
		}
		res := &cgroup2.Resources{CPU: &cgroup2.CPU{Max: cgroup2.NewCPUMax(quota, &period)}, Memory: &cgroup2.Memory{}}
		if l.MemoryBytes > 0 {
			res.Memory.Max = &l.MemoryBytes
		}
		err = s.v2.Update(res)
	} else {
		err = s.v1.Update(resourcesV1(l))
	}
	if err != nil {
		return fmt.Errorf("update cgroup %s: %w", s.name, err)
	}
	got, err := s.Reader().Read()
	if err != nil {
		return fmt.Errorf("read back the limits of cgroup %s: %w", s.name, err)
	}
	return CheckLimits(l, got.CPUQuotaMicros, got.CPUPeriodMicros, got.MemoryLimitBytes)
}

// Version is 1 or 2.
func (s *Sandbox) Version() int { return s.version }

// Dirs lists the cgroup directories of the sandbox, one per v1 controller
// or the one v2 directory.
func (s *Sandbox) Dirs() []string {
	if s.version == 2 {
		return []string{s.v2Dir}
	}
	var dirs []string
	for _, d := range s.v1Dirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

// Reader reads the sandbox's cgroup files.
func (s *Sandbox) Reader() *cgroup.Reader {
	if s.version == 2 {
		return cgroup.NewV2(s.v2Dir)
	}
	return cgroup.NewV1(s.v1Dirs["cpu"], s.v1Dirs["cpuacct"], s.v1Dirs["memory"])
}

// joinScript is the fixed shell text that puts a cgroup v1 sandbox's
// process into its cgroups before exec: the cgroup.procs files and the
// command are its arguments ("$1" ...), never part of the script, so no
// name or path can be read as shell syntax.
const joinScript = `n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n-1)); done; exec "$@"`

// Command returns a command that runs name with args inside the sandbox
// from its first instruction, as the runtime derives GOMAXPROCS from the
// CPU quota at startup. On cgroup v2 the kernel starts the process in the
// cgroup (clone3 with CLONE_INTO_CGROUP: SysProcAttr.UseCgroupFD); on v1,
// /bin/sh runs joinScript, which writes its own PID into each controller's
// cgroup.procs and then execs name.
func (s *Sandbox) Command(name string, args ...string) *exec.Cmd {
	if s.version == 2 {
		cmd := exec.Command(name, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(s.v2FD.Fd())}
		return cmd
	}
	sh := []string{"-c", joinScript, "runtimelab-join", strconv.Itoa(len(s.v1Dirs))}
	for _, d := range s.Dirs() {
		sh = append(sh, filepath.Join(d, "cgroup.procs"))
	}
	cmd := exec.Command("/bin/sh", append(append(sh, name), args...)...)
	return cmd
}

// Delete removes the cgroup; its processes must have exited.
func (s *Sandbox) Delete() error {
	if s.version == 2 {
		if s.v2FD != nil {
			s.v2FD.Close()
		}
		return s.v2.Delete()
	}
	return s.v1.Delete()
}

// verify checks that every directory of the sandbox is a cgroup — on a
// cgroup filesystem — and that its limits read back as l asks, so a
// sandbox that would not enforce them (a path outside the hierarchy, a
// controller that ignored a write) is refused rather than run in.
func (s *Sandbox) verify(l Limits) error {
	for _, d := range s.Dirs() {
		var st unix.Statfs_t
		if err := unix.Statfs(d, &st); err != nil {
			return fmt.Errorf("cgroup %s: %w", d, err)
		}
		if st.Type != unix.CGROUP_SUPER_MAGIC && st.Type != unix.CGROUP2_SUPER_MAGIC {
			return fmt.Errorf("%s is not on a cgroup filesystem (type %#x): it would enforce no limit", d, st.Type)
		}
		if filepath.Base(d) != s.name && filepath.Base(d) != Parent+"-"+s.name {
			return fmt.Errorf("cgroup %s is not the sandbox %s", d, s.name)
		}
	}
	got, err := s.Reader().Read()
	if err != nil {
		return fmt.Errorf("read back the limits of cgroup %s: %w", s.name, err)
	}
	return CheckLimits(l, got.CPUQuotaMicros, got.CPUPeriodMicros, got.MemoryLimitBytes)
}

// memorySlack is how far a memory limit may read back from what was
// written: the kernel rounds it down to a whole page (64 KiB on some arm64
// kernels).
const memorySlack = 64 << 10

// CheckLimits compares the limits l asks for with a cgroup's as read back
// (quota -1 and memory -1 mean unlimited), and says which differ.
func CheckLimits(l Limits, quota, period, memory int64) error {
	wantQuota, wantPeriod := int64(-1), l.CPUPeriodMicros
	if wantPeriod == 0 {
		wantPeriod = DefaultPeriodMicros
	}
	if l.CPUQuotaMicros > 0 {
		wantQuota = l.CPUQuotaMicros
	}
	var bad []string
	if quota != wantQuota || (wantQuota > 0 && period != wantPeriod) {
		bad = append(bad, fmt.Sprintf("CPU quota %d/%d µs, want %d/%d", quota, period, wantQuota, wantPeriod))
	}
	switch {
	case l.MemoryBytes <= 0 && memory >= 0:
		bad = append(bad, fmt.Sprintf("memory limit %d B, want none", memory))
	case l.MemoryBytes > 0 && (memory < 0 || memory > l.MemoryBytes || l.MemoryBytes-memory >= memorySlack):
		bad = append(bad, fmt.Sprintf("memory limit %d B, want %d", memory, l.MemoryBytes))
	}
	if len(bad) > 0 {
		return fmt.Errorf("cgroup limits not as written: %s", strings.Join(bad, "; "))
	}
	return nil
}

// Probe reports whether sandboxes can be made here, by making and deleting
// one: nil, or why not (wrapping ErrUnsupported when it cannot be done here
// at all). name tells the probe's cgroup apart.
func Probe(name string) error {
	sb, err := New(fmt.Sprintf("%s-probe-%d", name, os.Getpid()), Limits{CPUQuotaMicros: DefaultPeriodMicros})
	if err != nil {
		return err
	}
	return sb.Delete()
}
