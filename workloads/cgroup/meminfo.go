package cgroup

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// MachineMemory is the machine's memory in bytes (MemTotal in
// /proc/meminfo): what a run with no memory limit can have at most.
func MachineMemory() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	return parseMemTotal(b)
}

// parseMemTotal reads the "MemTotal: N kB" line of a /proc/meminfo.
func parseMemTotal(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("meminfo: MemTotal line %q: want a number of kB", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 || kb > 1<<43 {
			return 0, fmt.Errorf("meminfo: MemTotal %q: want a positive number of kB", f[0])
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("meminfo: no MemTotal line")
}
