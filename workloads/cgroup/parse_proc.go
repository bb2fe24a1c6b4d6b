package cgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// parseProcCgroup parses /proc/self/cgroup: "hierarchy-ID:controllers:path".
// The path is the rest of the line, since cgroup names may contain ':'.
func parseProcCgroup(b []byte) ([]membership, error) {
	var ms []membership
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || !strings.HasPrefix(f[2], "/") {
			return nil, fmt.Errorf("cgroup: parse /proc/self/cgroup: line %d: %q is not \"id:controllers:/path\"", i+1, line)
		}
		m := membership{hierarchy: f[0], path: f[2]}
		if f[1] != "" {
			m.controllers = strings.Split(f[1], ",")
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// parseMountinfo parses the cgroup and cgroup2 mounts out of
// /proc/self/mountinfo, whose lines are
//
//	ID parentID major:minor root mountpoint options [optional...] - fstype source superoptions
//
// The optional fields vary in number, so the filesystem type is found after
// the lone "-" rather than at a fixed index.
func parseMountinfo(b []byte) ([]mount, error) {
	var mounts []mount
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		m, err := parseMountLine(line)
		if err != nil {
			return nil, fmt.Errorf("cgroup: parse /proc/self/mountinfo: line %d: %w", i+1, err)
		}
		if m.fstype == "cgroup" || m.fstype == "cgroup2" {
			mounts = append(mounts, m)
		}
	}
	return mounts, nil
}

func parseMountLine(line string) (mount, error) {
	f := strings.Split(line, " ")
	sep := -1
	for j := 6; j < len(f); j++ {
		if f[j] == "-" {
			sep = j
			break
		}
	}
	if sep < 0 || sep+3 >= len(f) {
		return mount{}, fmt.Errorf("%q has no \"- fstype source options\" part", line)
	}
	m := mount{fstype: f[sep+1], superOpts: strings.Split(f[sep+3], ",")}
	var err error
	if m.root, err = unescapeOctal(f[3]); err != nil {
		return mount{}, err
	}
	if m.point, err = unescapeOctal(f[4]); err != nil {
		return mount{}, err
	}
	return m, nil
}

// unescapeOctal undoes the kernel's show_path escaping, which writes space,
// tab, newline and backslash in paths as \ooo (e.g. "\040" for a space)
// so that mountinfo stays space-separated.
func unescapeOctal(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			sb.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) {
			return "", fmt.Errorf("truncated escape in %q", s)
		}
		c, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		sb.WriteByte(byte(c))
		i += 3
	}
	return sb.String(), nil
}
