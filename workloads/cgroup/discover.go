package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// membership is one line of /proc/self/cgroup.
type membership struct {
	hierarchy   string   // "0" for v2
	controllers []string // empty for v2; may hold "name=systemd" on v1
	path        string
}

// mount is the part of one /proc/self/mountinfo line that locates a cgroup
// hierarchy; root and point are already unescaped.
type mount struct {
	root, point string
	fstype      string
	superOpts   []string
}

// Self finds the cgroup of the calling process from /proc/self/cgroup and
// /proc/self/mountinfo. It does not assume /sys/fs/cgroup: mountinfo is the
// only source that is right both on hosts and inside containers, where the
// hierarchy may be bind-mounted from a subdirectory.
func Self() (*Reader, error) {
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	return Find(cg, mi, "")
}

// Find is Self with the two /proc files given and root prepended to every
// mount point, so that fixture trees on disk can stand in for /sys/fs/cgroup
// in tests; pass "" for the real filesystem.
//
// A v1 hierarchy carrying cpu or memory wins over v2, as in the Go runtime:
// hybrid systems mount an empty cgroup2 at /sys/fs/cgroup/unified whose
// files say nothing about limits. When no hierarchy is found, Find returns
// a Reader whose Version is 0 and whose Read reports no limits.
func Find(procCgroup, mountinfo []byte, root string) (*Reader, error) {
	ms, err := parseProcCgroup(procCgroup)
	if err != nil {
		return nil, err
	}
	mounts, err := parseMountinfo(mountinfo)
	if err != nil {
		return nil, err
	}
	cpu := v1Dir(ms, mounts, "cpu", root)
	mem := v1Dir(ms, mounts, "memory", root)
	if cpu != "" || mem != "" {
		return NewV1(cpu, v1Dir(ms, mounts, "cpuacct", root), mem), nil
	}
	v2 := filterMounts(mounts, "cgroup2", "")
	if len(v2) == 0 {
		return &Reader{}, nil
	}
	path := "/"
	if i := slices.IndexFunc(ms, func(m membership) bool { return m.hierarchy == "0" }); i >= 0 {
		path = ms[i].path
	}
	return NewV2(resolve(v2, path, root)), nil
}

// v1Dir returns the directory of a v1 controller, or "" when no v1 mount
// carries it. Controllers are matched as whole comma-separated names, since
// "cpu" is a prefix of both "cpuacct" and "cpuset".
func v1Dir(ms []membership, mounts []mount, controller, root string) string {
	cands := filterMounts(mounts, "cgroup", controller)
	if len(cands) == 0 {
		return ""
	}
	path := "/"
	if i := slices.IndexFunc(ms, func(m membership) bool {
		return m.hierarchy != "0" && slices.Contains(m.controllers, controller)
	}); i >= 0 {
		path = ms[i].path
	}
	return resolve(cands, path, root)
}

// filterMounts keeps the mounts of one filesystem type, and for v1 only
// those whose super options name the controller.
func filterMounts(mounts []mount, fstype, controller string) []mount {
	var out []mount
	for _, m := range mounts {
		if m.fstype == fstype && (controller == "" || slices.Contains(m.superOpts, controller)) {
			out = append(out, m)
		}
	}
	return out
}

// resolve joins the first mount that can reach path with path made relative
// to that mount's root. A hierarchy may be mounted several times (e.g. the
// host's and a bind mount of a subtree), and only a mount whose root is an
// ancestor of path contains it. If none can, the process sees a cgroup
// outside what is mounted (a cgroup namespace created after it moved, or a
// runtime that mounts only the container's own cgroup at the usual place);
// the first mount point is then the best available guess, the same one a
// container user would cat by hand.
func resolve(mounts []mount, path, root string) string {
	for _, m := range mounts {
		if rel, ok := relativeTo(path, m.root); ok {
			return filepath.Join(root, m.point, rel)
		}
	}
	return filepath.Join(root, mounts[0].point)
}

// relativeTo returns path relative to mountRoot ("" when equal), and false
// when path is not under it or escapes it through "..", which is how the
// kernel shows a cgroup outside the reader's cgroup namespace.
func relativeTo(path, mountRoot string) (string, bool) {
	var rel string
	switch {
	case mountRoot == "/":
		rel = path
	case path == mountRoot:
		rel = ""
	case strings.HasPrefix(path, mountRoot+"/"):
		rel = path[len(mountRoot):]
	default:
		return "", false
	}
	if rel == "/.." || strings.HasPrefix(rel, "/../") {
		return "", false
	}
	return rel, true
}
