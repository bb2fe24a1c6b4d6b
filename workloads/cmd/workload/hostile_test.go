package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// TestHostileInvocations runs the workload on every case in
// testdata/hostile: flags and parameters an executor would never pass but
// a person (or a script) might. Each case is a txtar archive whose comment
// says what must happen:
//
//	args: run scheduler --result-file result.json
//	exit: 2
//	want: --result-file                   (stderr holds each; repeatable)
//	symlink: result.json -> target.json   (made before the run)
//	machine-below: 68719476736            (skipped on a machine with that much memory)
//
// and whose files are laid out in a fresh working directory first. Bad
// input exits 2 before anything runs: no file is created, changed or
// followed (a symbolic link's target keeps its contents).
func TestHostileInvocations(t *testing.T) {
	cases, _ := filepath.Glob("testdata/hostile/*.txtar")
	if len(cases) < 15 {
		t.Fatalf("got %d hostile cases, want at least 15", len(cases))
	}
	for _, file := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range a.Files {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(f.Name)), 0o755)
				if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var args, want []string
			exit := -1
			for _, line := range strings.Split(string(a.Comment), "\n") {
				key, val, _ := strings.Cut(line, ": ")
				switch key {
				case "args":
					for _, f := range strings.Fields(val) {
						u, err := strconv.Unquote(`"` + f + `"`) // \n in an argument
						if err != nil {
							t.Fatalf("%s: %v", line, err)
						}
						args = append(args, u)
					}
				case "exit":
					exit, _ = strconv.Atoi(val)
				case "want":
					want = append(want, val)
				case "machine-below":
					below, _ := strconv.ParseInt(val, 10, 64)
					if m, _ := cgroup.MachineMemory(); m >= below {
						t.Skipf("this machine has %d bytes of memory, enough for this case", m)
					}
				case "symlink":
					link, target, _ := strings.Cut(val, " -> ")
					if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if exit < 0 || len(args) == 0 || len(want) == 0 {
				t.Fatalf("%s: needs args:, exit: and want: lines", file)
			}
			before := tree(t, dir)
			cmd := exec.Command(bin, append(args, "--listen", "")...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Run()
			if got := cmd.ProcessState.ExitCode(); got != exit {
				t.Errorf("exit code: got %d, want %d\nstderr: %s", got, exit, stderr.String())
			}
			for _, w := range want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if after := tree(t, dir); !slices.Equal(before, after) {
				t.Errorf("bad input touched files:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// tree lists every file under dir with its contents' length and mode, so a
// created, replaced or rewritten file shows.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, _ := os.Lstat(p)
		b, _ := os.ReadFile(p)
		out = append(out, strings.TrimPrefix(p, dir)+" "+fi.Mode().String()+" "+strconv.Quote(string(b)))
		return nil
	})
	return out
}
