package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ExecutorLeaf is the cgroup this process moves itself into when it
// creates sandboxes in its own delegated cgroup: cgroup v2 lets a cgroup
// hand controllers to its children only while it holds no process itself.
const ExecutorLeaf = "runtimelab-executor"

// ErrNotDelegated means this process's cgroup v2 is not delegated to it (not
// writable, or without the cpu and memory controllers); DelegatedScope
// names the fix.
var ErrNotDelegated = errors.New("this process's cgroup is not delegated to it")

// DelegatedScope is how a user who is not root gets a delegated cgroup v2
// from systemd: the command runs in a transient scope of its own that it may
// divide, with the cpu and memory controllers (systemd delegates both to
// user sessions since v252).
var DelegatedScope = []string{"systemd-run", "--user", "--scope", "--quiet", "-p", "Delegate=yes", "--"}

// selfCgroupV2 is this process's cgroup v2 path (e.g. "/user.slice/..."),
// read from a /proc/PID/cgroup file.
func selfCgroupV2(procFile string) (string, error) {
	b, err := os.ReadFile(procFile)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no cgroup v2 entry (0::)", procFile)
}

// delegatedDir returns this process's own cgroup directory under root when
// it may create sandboxes in it: writable, with cpu and memory available.
// A process already in its ExecutorLeaf (an earlier sandbox moved it) uses
// the leaf's parent.
//
// A cgroup merely owned by the user is not enough: a terminal's scope
// holds the shell too, and cgroup v2 lets a cgroup hand controllers to its
// children only while it holds no process. So the cgroup must hold this
// process alone (pid), or already hand out cpu and memory.
func delegatedDir(root, self string, pid int) (string, error) {
	if filepath.Base(self) == ExecutorLeaf {
		self = filepath.Dir(self)
	}
	dir := filepath.Join(root, self)
	ctrls, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotDelegated, err)
	}
	have := strings.Fields(string(ctrls))
	if !slices.Contains(have, "cpu") || !slices.Contains(have, "memory") {
		return "", fmt.Errorf("%w: %s offers controllers %q, without cpu or memory (systemd before v252 delegates only memory and pids "+
			"to users: add /etc/systemd/system/user@.service.d/delegate.conf with [Service] Delegate=cpu cpuset io memory pids)", ErrNotDelegated, dir, have)
	}
	for _, f := range []string{"cgroup.subtree_control", "cgroup.procs", "."} {
		if err := unix.Access(filepath.Join(dir, f), unix.W_OK); err != nil {
			return "", fmt.Errorf("%w: %s is not writable: %v", ErrNotDelegated, filepath.Join(dir, f), err)
		}
	}
	sub, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	if on := strings.Fields(string(sub)); slices.Contains(on, "cpu") && slices.Contains(on, "memory") {
		return dir, nil
	}
	procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for _, p := range strings.Fields(string(procs)) {
		if p != strconv.Itoa(pid) {
			return "", fmt.Errorf("%w: %s holds other processes (%s among them): not a cgroup of its own", ErrNotDelegated, dir, p)
		}
	}
	return dir, nil
}

// prepareDelegated moves this process into dir/ExecutorLeaf and enables
// cpu and memory for dir's children, once.
func prepareDelegated(dir string, pid int) error {
	leaf := filepath.Join(dir, ExecutorLeaf)
	if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create %s: %w", leaf, err)
	}
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("move this process into %s: %w", leaf, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+cpu +memory"), 0); err != nil {
		return fmt.Errorf("enable cpu and memory for the children of %s (other processes in it? run in a scope of its own: %s): %w",
			dir, strings.Join(DelegatedScope, " "), err)
	}
	return nil
}

// NeedsDelegatedScope reports whether this process would get no sandbox
// without a delegated scope: not root, on a cgroup v2 host, and its own
// cgroup is not delegated to it.
func NeedsDelegatedScope() bool {
	if os.Geteuid() == 0 || !unifiedHost() {
		return false
	}
	self, err := selfCgroupV2("/proc/self/cgroup")
	if err != nil {
		return false
	}
	_, err = delegatedDir("/sys/fs/cgroup", self, os.Getpid())
	return err != nil
}
