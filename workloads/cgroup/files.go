package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Whether a file must exist. Files that only some kernels or only non-root
// cgroups have are optional so that one Reader works everywhere; files that
// every cgroup of a controller has are required so that a wrong directory
// is reported instead of silently reading as "unlimited".
const (
	optional = false
	required = true
)

// dirReader reads the files of one cgroup directory and keeps the first
// error, so the per-version readers stay a flat list of files instead of an
// if-err ladder per file.
type dirReader struct {
	dir string
	err error
}

// file returns the contents of name, and false when it could not be used.
// Only a missing optional file is not an error.
func (d *dirReader) file(name string, must bool) ([]byte, bool) {
	if d.err != nil {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if err == nil {
		return b, true
	}
	if !must && errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	d.err = fmt.Errorf("cgroup: %w", err) // *PathError already names the file
	return nil, false
}

// fail records a parse error naming the file, because "invalid syntax"
// alone does not say which of a dozen files the kernel wrote differently.
func (d *dirReader) fail(name string, err error) bool {
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("cgroup: parse %s: %w", filepath.Join(d.dir, name), err)
	}
	return err == nil
}

// int reads a one-number file such as cpu.cfs_quota_us.
func (d *dirReader) int(name string, must bool) (int64, bool) {
	b, ok := d.file(name, must)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, d.fail(name, err)
}

// uint reads a one-number file such as memory.current. Usage counters are
// unsigned in the kernel, so int64 would be the wrong type to parse into.
func (d *dirReader) uint(name string, must bool) (uint64, bool) {
	b, ok := d.file(name, must)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return v, d.fail(name, err)
}

// flat reads a flat keyed file ("key value" per line) into the wanted
// counters. Keys not asked for are skipped, since kernels keep adding them.
func (d *dirReader) flat(name string, must bool, want map[string]*uint64) bool {
	b, ok := d.file(name, must)
	if !ok {
		return false
	}
	return d.fail(name, parseFlat(b, want))
}

// pressure reads a PSI file; nil when absent or when PSI is disabled, which
// older kernels report by failing the read with EOPNOTSUPP rather than by
// hiding the file.
func (d *dirReader) pressure(name string) *Pressure {
	if d.err != nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	if err != nil {
		d.err = fmt.Errorf("cgroup: %w", err)
		return nil
	}
	p, err := parsePressure(b)
	if !d.fail(name, err) {
		return nil
	}
	return p
}

// parseFlat parses a flat keyed file. Every line must have two fields even
// when its key is not wanted: anything else means the file is not what we
// think it is, and guessing would produce plausible but wrong numbers.
func parseFlat(b []byte, want map[string]*uint64) error {
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			return fmt.Errorf("line %d: %q is not \"key value\"", i+1, line)
		}
		p := want[f[0]]
		if p == nil {
			continue
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
		*p = v
	}
	return nil
}

// parsePressure parses "some avg10=.. avg60=.. avg300=.. total=.." and the
// optional matching "full" line.
func parsePressure(b []byte) (*Pressure, error) {
	var p Pressure
	var haveSome bool
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		dst := &p.Full
		switch kind {
		case "some":
			dst, haveSome = &p.Some, true
		case "full":
		default:
			return nil, fmt.Errorf("line %d: %q is neither \"some\" nor \"full\"", i+1, line)
		}
		pl, err := parsePressureLine(rest)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		*dst = pl
	}
	if !haveSome {
		return nil, errors.New("no \"some\" line")
	}
	return &p, nil
}

// parsePressureLine parses the key=value part of one PSI line and insists
// on all four keys, so that a truncated line is not mistaken for no stall.
func parsePressureLine(s string) (PressureLine, error) {
	var pl PressureLine
	var seen uint8 // one bit per key, so a repeated key does not count twice
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "avg10":
			pl.Avg10, err = strconv.ParseFloat(v, 64)
			seen |= 1
		case "avg60":
			pl.Avg60, err = strconv.ParseFloat(v, 64)
			seen |= 2
		case "avg300":
			pl.Avg300, err = strconv.ParseFloat(v, 64)
			seen |= 4
		case "total":
			pl.TotalMicros, err = strconv.ParseUint(v, 10, 64)
			seen |= 8
		}
		if err != nil {
			return PressureLine{}, err
		}
	}
	if seen != 15 {
		return PressureLine{}, fmt.Errorf("%q lacks one of avg10, avg60, avg300, total", s)
	}
	return pl, nil
}

// parseCPUMax parses v2 cpu.max, "$MAX $PERIOD" where $MAX may be "max".
func parseCPUMax(b []byte) (quota, period int64, err error) {
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("%q is not \"quota period\"", strings.TrimSpace(string(b)))
	}
	if period, err = strconv.ParseInt(f[1], 10, 64); err != nil {
		return 0, 0, err
	}
	if period <= 0 {
		return 0, 0, fmt.Errorf("period %d: the kernel's is positive", period)
	}
	if f[0] == "max" {
		return -1, period, nil
	}
	if quota, err = strconv.ParseInt(f[0], 10, 64); err != nil {
		return 0, 0, err
	}
	if quota <= 0 {
		return 0, 0, fmt.Errorf("quota %d: the kernel's is positive or max", quota)
	}
	return quota, period, nil
}

// parseMemoryMax parses v2 memory.max, a byte count or "max".
func parseMemoryMax(b []byte) (int64, error) {
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n <= 0 {
		return 0, fmt.Errorf("limit %d: the kernel's is positive or max", n)
	}
	return n, err
}
