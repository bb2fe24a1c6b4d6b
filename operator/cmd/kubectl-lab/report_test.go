package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	before = "../../report/testdata/before"
	after  = "../../report/testdata/after"
)

// execute runs the root command as main does, without exiting.
func execute(args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in the message
	}{
		{name: "report without an argument", args: []string{"report"}, want: []string{"want NAME|DIR"}},
		{name: "report of a missing directory", args: []string{"report", "./no/such/dir"},
			want: []string{`NAME|DIR "./no/such/dir"`, "no such results directory"}},
		{name: "report of a file", args: []string{"report", filepath.Join(before, "experiment.yaml")},
			want: []string{"is a file", "experiment.yaml"}},
		{name: "report of a directory without results", args: []string{"report", "."},
			want: []string{"NAME|DIR", "not a results directory"}},
		{name: "unknown figure", args: []string{"report", before, "--figure", "lat-p98-s"},
			want: []string{"--figure", `"lat-p98-s"`, "lat-p99-s", "mem-peak-B"}},
		{name: "plot without a knob", args: []string{"report", before, "--plot", "lat-p99-s"},
			want: []string{`--plot "lat-p99-s"`, "FIGURE:KNOB", "gomaxprocs"}},
		{name: "plot of an unknown knob", args: []string{"report", before, "--plot", "lat-p99-s:image"},
			want: []string{"--plot lat-p99-s:image", `knob "image"`, "cpu, memory"}},
		{name: "plot of an unknown figure", args: []string{"report", before, "--plot", "p99:cpu"},
			want: []string{"--plot p99:cpu", `figure "p99"`, "lat-p99-s"}},
		{name: "unknown flag", args: []string{"report", before, "--figures", "x"}, want: []string{"--figures"}},
		{name: "compare with one argument", args: []string{"compare", before}, want: []string{"want A and B"}},
		{name: "compare with a missing B", args: []string{"compare", before, "./nope"}, want: []string{`B "./nope"`}},
		{name: "unknown scenario", args: []string{"scenarios", "gcc"}, want: []string{`scenario "gcc"`, "scheduler, alloc, gc"}},
		{name: "two scenarios", args: []string{"scenarios", "gc", "alloc"}, want: []string{"at most one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := execute(tt.args...)
			var u *usageError
			if !errors.As(err, &u) {
				t.Fatalf("got error %v, want a usage error (exit 2)", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCommands(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		want  []string // in the output
		files []string // written under out
	}{
		{name: "report a directory", args: []string{"report", before},
			want: []string{"svc-cpu: scenario service", "*  v002", "2/3 1 OOMKilled", "Recommendation: v002"}},
		{name: "report with figures and plots", args: []string{"report", before, "--figure", "req/s,lat-p50-s",
			"--plot", "lat-p99-s:cpu", "--plot", "req/s:gomaxprocs", "--out", out},
			want:  []string{"req/s", "lat-p50-s", "wrote " + filepath.Join(out, "req-per-s-by-gomaxprocs.svg")},
			files: []string{"lat-p99-s-by-cpu.png", "lat-p99-s-by-cpu.svg", "req-per-s-by-gomaxprocs.png"}},
		{name: "compare", args: []string{"compare", before, after},
			want: []string{"A: svc-cpu", "B: svc-cpu-go126", "geomean", "Only in A: v000"}},
		{name: "scenarios", args: []string{"scenarios"}, want: []string{"NAME", "scheduler", "timers"}},
		{name: "one scenario", args: []string{"scenarios", "service"},
			want: []string{"Roles", "loadgen", "rate", "1 to 100000", "lat-p99-s", "mem-peak-B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := execute(tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, f := range tt.files {
				if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
					t.Errorf("got %v, want a non-empty %s", err, f)
				}
			}
		})
	}
}
