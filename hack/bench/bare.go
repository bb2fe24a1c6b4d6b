package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// testBinary is a scenario package's compiled tests.
type testBinary struct {
	path   string
	pkgDir string // where `go test` would run it
}

// buildTest compiles the scenario's package tests once, so each round
// runs the benchmark without compiling while the clock of the pair runs.
func buildTest(ctx context.Context, t target, dir string) (testBinary, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return testBinary{}, fmt.Errorf("find module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	abs, err := filepath.Abs(dir)
	if err != nil {
		return testBinary{}, fmt.Errorf("output directory %s: %w", dir, err)
	}
	tb := testBinary{
		path:   filepath.Join(abs, t.scenario+".test"),
		pkgDir: filepath.Join(root, "workloads", "scenarios", t.scenario),
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", tb.path, "./workloads/scenarios/"+t.scenario+"/")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return testBinary{}, fmt.Errorf("build %s benchmark: %w\n%s", t.scenario, err, out)
	}
	return tb, nil
}

// bare runs the scenario's benchmark once, as `go test -run '^$' -bench`
// would, and returns its throughput figure.
func (b *bench) bare(ctx context.Context, t target, tb testBinary) (float64, error) {
	var stdout, stderr bytes.Buffer
	// The benchmark reads its package's testdata, if any, from its own
	// directory: go test runs it there.
	args := []string{"-test.run=^$", "-test.bench=^" + t.bench + "$", "-test.benchtime=" + b.opts.benchtime.String(),
		"-test.count=1", "-test.paniconexit0", "-test.testlogfile="}
	err := b.pin.runIn(ctx, tb.pkgDir, tb.path, args, &stdout, &stderr)
	out := stdout.Bytes()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(tb.path), t.bench, err, out, stderr.Bytes())
	}
	if err := b.lines.addBare(out); err != nil {
		return 0, err
	}
	return parseBench(out, t.bench, perCPUUnit(t.figure))
}

// perCPUUnit is a throughput unit per CPU-second: "tasks/s" is
// "tasks/cpu-s", the unit the bare benchmarks report it in.
func perCPUUnit(figure string) string { return strings.TrimSuffix(figure, "/s") + "/cpu-s" }

// parseBench finds the result line of benchmark name in `go test -bench`
// output and returns the value reported with unit.
func parseBench(out []byte, name, unit string) (float64, error) {
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !isBenchName(f[0], name) {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if f[i+1] != unit {
				continue
			}
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return 0, fmt.Errorf("%s %s: %w", name, unit, err)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("no %s result with unit %s in:\n%s", name, unit, bytes.TrimSpace(out))
}

// isBenchName reports whether field is name, possibly with go test's
// -GOMAXPROCS suffix.
func isBenchName(field, name string) bool {
	rest, ok := strings.CutPrefix(field, name)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	_, err := strconv.Atoi(strings.TrimPrefix(rest, "-"))
	return strings.HasPrefix(rest, "-") && err == nil
}
