package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// TestHostileInput runs kubectl lab on every case in testdata/hostile, as
// root would on this machine: malformed, hostile or damaged Experiments,
// flags and results directories. Each case is a txtar archive whose
// comment says what must happen:
//
//	args: run --local -f experiment.yaml    (the default)
//	exit: 2
//	want: metadata.name                      (stderr holds each; repeatable)
//	stdout-lacks: \x1b                       (stdout must not hold it; Go-quoted)
//	machine-below: 68719476736               (skipped on a machine with that much memory)
//
// and whose files are laid out in a fresh working directory first. After
// the run, nothing may have been created: no cgroup under runtimelab, no
// results directory, no file in the working directory the case did not
// bring (a run writes only inside --out, given as "out").
func TestHostileInput(t *testing.T) {
	cli, workload := buildCLI(t)
	cases, _ := filepath.Glob("testdata/hostile/*.txtar")
	if len(cases) < 45 {
		t.Fatalf("got %d hostile cases, want at least 45", len(cases))
	}
	for _, file := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			c := parseCase(t, file)
			if m, _ := cgroup.MachineMemory(); c.machineBelow > 0 && m >= c.machineBelow {
				t.Skipf("this machine has %d bytes of memory, enough for this case", m)
			}
			dir := t.TempDir()
			for _, f := range c.archive.Files {
				p := filepath.Join(dir, f.Name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			names := experimentNames(c.archive)
			before := snapshot(t, dir, names)
			args := c.args
			if args[0] == "run" {
				args = append(args, "--out", "out", "--workload", workload)
			}
			cmd := exec.Command(cli, args...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Run()
			if got := cmd.ProcessState.ExitCode(); got != c.exit {
				t.Errorf("exit code: got %d, want %d\nstderr: %s", got, c.exit, stderr.String())
			}
			for _, w := range c.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			for _, l := range c.stdoutLacks {
				if strings.Contains(stdout.String(), l) {
					t.Errorf("stdout holds %q:\n%q", l, stdout.String())
				}
			}
			if c.exit == 2 {
				if after := snapshot(t, dir, names); !slices.Equal(before, after) {
					t.Errorf("bad input created something:\nbefore %v\nafter  %v", before, after)
				}
			}
		})
	}
}

// hostileCase is one parsed testdata/hostile archive.
type hostileCase struct {
	archive           *txtar.Archive
	args              []string
	exit              int
	want, stdoutLacks []string
	// machineBelow skips the case on a machine with this much memory or
	// more, where the input is no longer too large.
	machineBelow int64
}

func parseCase(t *testing.T, file string) hostileCase {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := hostileCase{archive: a, args: []string{"run", "--local", "-f", "experiment.yaml"}, exit: -1}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch key {
		case "args":
			c.args = strings.Fields(val)
		case "exit":
			c.exit, err = strconv.Atoi(val)
		case "want":
			c.want = append(c.want, val)
		case "machine-below":
			c.machineBelow, err = strconv.ParseInt(val, 10, 64)
		case "stdout-lacks":
			var s string
			s, err = strconv.Unquote(`"` + val + `"`)
			c.stdoutLacks = append(c.stdoutLacks, s)
		}
		if err != nil {
			t.Fatalf("%s: %q: %v", file, line, err)
		}
	}
	if c.exit < 0 || (c.exit == 2 && len(c.want) == 0) {
		t.Fatalf("%s: needs an exit: line, and a want: line naming the field for exit 2", file)
	}
	return c
}

// runSandbox is the name of a run's cgroup as the local executor makes it
// (sandboxName: Experiment, run ID, execution ID).
var runSandbox = regexp.MustCompile(`-v[0-9]{3,}-r[0-9]+-[0-9a-f]{8}$`)

// nameLike finds every value a case's files could give metadata.name, in
// YAML (block or flow style) or JSON; finding too many only makes the
// snapshot stricter.
var nameLike = regexp.MustCompile(`"?name"?\s*:\s*["']?([^"',}\s]+)`)

// experimentNames are the names a run of the case could give its cgroups:
// every name-like value in its files (as the executor shortens them), and
// the empty name.
func experimentNames(a *txtar.Archive) []string {
	names := []string{""}
	for _, f := range a.Files {
		for _, m := range nameLike.FindAllSubmatch(f.Data, -1) {
			names = append(names, plan.LabelValue(string(m[1])))
		}
	}
	return names
}

// snapshot lists what exists that a run could create: the files under dir,
// the runtimelab cgroups of runs named after one of names, and a PWNED file
// anywhere a hostile name aims. Other runs' cgroups are left out: another
// test binary (go test runs packages in parallel unless -p 1) may make
// them meanwhile.
func snapshot(t *testing.T, dir string, names []string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			out = append(out, "dir:"+strings.TrimPrefix(p, dir))
		}
		return nil
	})
	// Only the local executor's sandboxes: other tests on the machine make
	// cgroups of their own under runtimelab meanwhile.
	for _, root := range []string{"/sys/fs/cgroup/cpu/runtimelab", "/sys/fs/cgroup/memory/runtimelab", "/sys/fs/cgroup/cpuacct/runtimelab", "/sys/fs/cgroup/runtimelab"} {
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if e.IsDir() && runSandbox.MatchString(e.Name()) && slices.ContainsFunc(names, func(n string) bool {
				return strings.HasPrefix(e.Name(), n+"-v")
			}) {
				out = append(out, "cgroup:"+filepath.Join(root, e.Name()))
			}
		}
	}
	for _, p := range []string{"/PWNED", "/tmp/PWNED", "/x/pwn"} {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, "pwned:"+p)
		}
	}
	return out
}
