//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/runtime-lab/runtime-lab/api/safetext"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/localexec"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/operator/validate"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

func (o *runOptions) run(ctx context.Context, stdout, stderr io.Writer) error {
	if o.file == "" {
		return usagef("-f: give the Experiment manifest, e.g. -f config/samples/gomaxprocs-quick.yaml")
	}
	if !o.local {
		return usagef("--local: only local runs are supported by `run` for now; apply the file with kubectl for a cluster")
	}
	if o.parallelSet && o.parallel < 1 {
		return usagef("--parallel %d: must be at least 1", o.parallel)
	}
	images, err := o.imageBinaries()
	if err != nil {
		return err
	}
	data, err := validate.ReadFile(o.file, validate.MaxFileBytes)
	if err != nil {
		return usagef("-f %s: %v", o.file, err)
	}
	v, err := validate.New()
	if err != nil {
		return err
	}
	exp, err := v.Decode(ctx, data)
	if err != nil {
		return &usageError{fmt.Errorf("%s: %w", o.file, err)}
	}
	if err := localexec.Check(exp, images); err != nil {
		return &usageError{fmt.Errorf("%s: %w", o.file, err)}
	}
	parallel := o.parallel
	if !o.parallelSet {
		parallel = int(max(exp.Spec.Parallelism, 1))
	}
	exp.CreationTimestamp.Time = time.Now()
	if err := reexecInDelegatedScope(ctx, stderr); err != nil {
		fmt.Fprintf(stderr, "kubectl lab: no delegated cgroup: %v\n", err) // the runs go on, unlimited, saying so
	}
	bin, err := o.findWorkload(ctx, stderr)
	if err != nil {
		return err
	}
	if o.out == "" {
		if o.out, err = resultsdir.Create("results", exp.Name, exp.CreationTimestamp.Time); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "Experiment %s: %s, results in %s\n", exp.Name, exp.Spec.Scenario.Name(), o.out)
	kill, stopSignals := killOnSecondInterrupt(ctx, stderr)
	defer stopSignals()
	runErr := localexec.Run(ctx, exp, localexec.Options{Workload: bin, Images: images, Dir: o.out, Parallel: parallel, Progress: stderr, Kill: kill})
	if runErr != nil && !errors.Is(runErr, localexec.ErrInterrupted) {
		return runErr
	}
	if err := writeReport(stdout, o.out, exp); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	return failedRuns(stderr, exp)
}

// failedRuns lists on w every run that did not complete, with its reason,
// and returns an error (exit 1) when there was one.
func failedRuns(w io.Writer, exp *labv1.Experiment) error {
	failed, total := 0, 0
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			total++
			if r.Outcome == labv1.OutcomeCompleted {
				continue
			}
			failed++
			fmt.Fprintf(w, "run %s-r%d: %s: %s\n", v.Name, r.Index, r.Outcome, safetext.Line(r.Reason))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d runs did not complete (reasons above); the completed ones are in the results", failed, total)
	}
	return nil
}

// killOnSecondInterrupt returns a channel closed by the second SIGINT or
// SIGTERM: the first one cancels ctx (main's signal.NotifyContext), which
// stops the current runs gracefully; the second kills them at once. Every
// signal reaches both main's channel and this one, so this one counts them.
func killOnSecondInterrupt(ctx context.Context, stderr io.Writer) (<-chan struct{}, func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	kill, quit := make(chan struct{}), make(chan struct{})
	seen := 0
	if ctx.Err() != nil {
		seen = 1 // interrupted before we listened
	}
	go func() {
		for {
			select {
			case <-sigs:
			case <-quit:
				return
			}
			if seen++; seen == 1 {
				fmt.Fprintln(stderr, "\nstopping: the current runs get 15 s to write a partial summary; Ctrl-C again kills them")
				continue
			}
			fmt.Fprintln(stderr, "\nkilling the current runs")
			close(kill)
			return
		}
	}()
	return kill, func() {
		signal.Stop(sigs)
		close(quit)
	}
}

// findWorkload locates the workload binary: --workload; else, inside a
// checkout of this module, the workload built from that source (go build
// is incremental: about a second once built, so a stale bin/workload is
// never run by mistake) into the user's cache directory — private to the
// user, never a fixed name in the shared temp directory, which another
// user could plant a binary at for root to run; else the workload shipped
// beside this plugin; else workload on PATH.
func (o *runOptions) findWorkload(ctx context.Context, stderr io.Writer) (string, error) {
	if o.workload != "" {
		return o.workload, nil
	}
	if inModule() {
		if _, err := exec.LookPath("go"); err == nil {
			return buildWorkload(ctx, stderr)
		}
	}
	if p, ok := besideExecutable(); ok {
		return p, nil
	}
	if p, err := exec.LookPath("workload"); err == nil {
		return p, nil
	}
	return "", errors.New("no workload binary: give --workload, put workload on PATH, or run from a runtime-lab checkout with Go installed")
}

// besideExecutable finds the workload shipped with the plugin: a file
// named workload in the directory of this executable (symlinks resolved,
// as krew links the plugin from its store), as make dist's archives for
// Linux hold both. It is used only when it is an executable regular file
// owned by root or by this user and writable by no one else, as the plugin
// runs it as root.
func besideExecutable() (string, bool) {
	self, err := os.Executable()
	if err != nil {
		return "", false
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return "", false
	}
	p := filepath.Join(filepath.Dir(self), "workload")
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 || fi.Mode().Perm()&0o022 != 0 {
		return "", false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return "", false
	}
	return p, true
}

// modulePath is this repository's Go module.
const modulePath = "github.com/runtime-lab/runtime-lab"

// inModule reports whether the working directory is inside a checkout of
// this module: the nearest go.mod above it declares modulePath.
func inModule() bool {
	dir, err := os.Getwd()
	if err != nil {
		return false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			return modfile.ModulePath(b) == modulePath
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// buildWorkload builds the workload into the user's cache directory.
func buildWorkload(ctx context.Context, stderr io.Writer) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory to build the workload into (give --workload): %w", err)
	}
	dir := filepath.Join(cache, "runtime-lab")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "workload")
	fmt.Fprintf(stderr, "building the workload from this checkout into %s ...\n", out)
	build := exec.CommandContext(ctx, "go", "build", "-o", out, modulePath+"/workloads/cmd/workload")
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the workload failed (give --workload to use a built one): %w", err)
	}
	return out, nil
}

// writeReport prints the results and saves the markdown report.
func writeReport(stdout io.Writer, dir string, exp *labv1.Experiment) error {
	if err := resultsdir.SaveExperiment(dir, exp); err != nil {
		return err
	}
	return renderReport(stdout, dir, exp)
}

// envInScope marks a kubectl-lab already re-run in a delegated scope.
const envInScope = "RUNTIMELAB_IN_DELEGATED_SCOPE"

// reexecInDelegatedScope replaces this process with itself run in a
// delegated systemd scope, when it is not root on a cgroup v2 host and its
// own cgroup is not delegated: there it may create the runs' cgroups. It
// returns (and the runs go on without limits) when systemd cannot give one.
func reexecInDelegatedScope(ctx context.Context, stderr io.Writer) error {
	if !sandbox.NeedsDelegatedScope() || os.Getenv(envInScope) != "" {
		return nil
	}
	systemdRun, err := exec.LookPath(sandbox.DelegatedScope[0])
	if err != nil {
		return fmt.Errorf("not root on cgroup v2, and no systemd-run to get a delegated scope: %w", err)
	}
	probe, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(probe, systemdRun, append(sandbox.DelegatedScope[1:], "true")...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(sandbox.DelegatedScope, " "), err, strings.TrimSpace(string(out)))
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "not root on cgroup v2: running in a delegated systemd scope (%s) to create the runs' cgroups\n",
		strings.Join(sandbox.DelegatedScope[:len(sandbox.DelegatedScope)-1], " "))
	argv := append(append([]string{systemdRun}, sandbox.DelegatedScope[1:]...), self)
	return syscall.Exec(systemdRun, append(argv, os.Args[1:]...), append(os.Environ(), envInScope+"=1"))
}

// interrupted reports whether err is a local run's interruption (exit 130).
func interrupted(err error) bool { return errors.Is(err, localexec.ErrInterrupted) }
