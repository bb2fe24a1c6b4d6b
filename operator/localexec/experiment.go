package localexec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

// Options configure a local run.
type Options struct {
	// Workload is the workload binary.
	Workload string
	// Images maps workload images (spec.image, spec.matrix.images) to
	// binaries built for them: a local run has no images. Check refuses a
	// variant whose image is not mapped.
	Images map[string]string
	// Dir receives the results.
	Dir string
	// Parallel is how many runs go at once (1 keeps runs from disturbing
	// each other).
	Parallel int
	// Progress receives the progress bar and warnings.
	Progress io.Writer
	// Kill, when closed, kills the runs still going at once (SIGKILL)
	// instead of giving them their grace period to write a partial
	// summary: a second Ctrl-C. Closing it also stops starting runs.
	Kill <-chan struct{}
}

// ErrInterrupted means the context ended the Experiment early; the results
// of the finished runs were kept.
var ErrInterrupted = errors.New("interrupted: finished runs are kept")

// Check reports, before anything is created, what would stop exp from
// running here: a matrix that cannot be planned, an objective that cannot
// be judged, a variant whose Go settings or limits cannot be applied.
// Errors name the field.
func Check(exp *labv1.Experiment, images map[string]string) error {
	p, err := newPlan(exp)
	if err != nil {
		return err
	}
	variants := p.Variants
	if err := checkImages(&exp.Spec, variants, images); err != nil {
		return err
	}
	if _, err := loadgenLimits(&exp.Spec); err != nil {
		return err
	}
	if err := checkApp(&exp.Spec, variants); err != nil {
		return err
	}
	for i := range variants {
		if _, err := plan.GoEnv(&variants[i]); err != nil {
			return err
		}
		if _, err := limits(&variants[i]); err != nil {
			return fmt.Errorf("variant %s: %w", variants[i].Name, err)
		}
	}
	return nil
}

// checkImages refuses a variant whose image has no binary in images, and
// an image in images that no variant runs (a typo would otherwise run the
// default binary in its place).
func checkImages(spec *labv1.ExperimentSpec, variants []plan.Variant, images map[string]string) error {
	used := map[string]bool{}
	for _, v := range variants {
		img := v.Knobs.Image
		if img == "" {
			continue
		}
		used[img] = true
		if _, ok := images[img]; ok {
			continue
		}
		field := "spec.image"
		if slices.Contains(spec.Matrix.Images, img) {
			field = "spec.matrix.images"
		}
		return fmt.Errorf("%s: %q is an image and a local run has none; give a workload binary built for it with "+
			"--image %s=PATH, or run the Experiment on a cluster", field, img, img)
	}
	for _, img := range slices.Sorted(maps.Keys(images)) {
		if !used[img] {
			return fmt.Errorf("--image %s: no variant runs this image (spec.image and spec.matrix.images name %s)",
				img, strings.Join(slices.Sorted(maps.Keys(used)), ", "))
		}
	}
	return nil
}

// newPlan plans exp for this machine: a variant with no memory limit may
// use at most the machine's memory.
func newPlan(exp *labv1.Experiment) (*plan.Plan, error) {
	machine, _ := cgroup.MachineMemory()
	return plan.New(&exp.Spec, machine)
}

// Run executes every run of exp and fills its status. It returns
// ErrInterrupted when ctx ends first. When saving the results fails it
// stops the runs, waits for them, saves once more and returns the error.
func Run(ctx context.Context, exp *labv1.Experiment, o Options) error {
	p, err := newPlan(exp)
	if err != nil {
		return err
	}
	variants, runs, obj := p.Variants, p.Runs, p.Objective
	statuses := make([]labv1.RunStatus, len(runs))
	for i, r := range runs {
		statuses[i] = labv1.RunStatus{Index: int32(r.Index), Outcome: labv1.OutcomePending}
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, resultsdir.RunsDir), 0o755); err != nil {
		return err
	}
	id, err := randomID()
	if err != nil {
		return err
	}
	e := &executor{o: o, exp: exp, id: id, progress: newProgress(o.Progress, len(runs), runTime(exp), o.Parallel)}
	save := func() error {
		expstatus.Set(exp, variants, runs, statuses, obj, metav1.Now())
		exp.Status.ObservedGeneration = exp.Generation
		if err := resultsdir.SaveExperiment(o.Dir, exp); err != nil {
			return fmt.Errorf("save the results to %s: %w", o.Dir, err)
		}
		return nil
	}
	if err := save(); err != nil {
		return err
	}
	err = e.runAll(ctx, runs, statuses, save)
	// spec.precision: round after round, one more run of each variant
	// whose objective is not yet known closely enough.
	counts := plan.RunCounts(variants, int(exp.Spec.Repetitions), &exp.Status)
	for err == nil && ctx.Err() == nil && !closed(o.Kill) {
		grow := expstatus.MoreRuns(exp)
		if len(grow) == 0 {
			break
		}
		more := plan.More(variants, counts, grow)
		from := len(runs)
		runs = append(runs, more...)
		for _, r := range more {
			statuses = append(statuses, labv1.RunStatus{Index: int32(r.Index), Outcome: labv1.OutcomePending})
		}
		e.progress.grow(len(more))
		e.progress.notef("precision: %d of %d variants not yet within ±%d%%: one more run each", len(grow), len(variants), exp.Spec.Precision.HalfWidthPercent)
		if err = save(); err == nil {
			err = e.runAll(ctx, runs[from:], statuses[from:], save)
		}
	}
	e.progress.finish()
	switch {
	case err != nil:
		return err
	case ctx.Err() != nil || closed(o.Kill):
		return ErrInterrupted
	}
	return nil
}

// runAll runs every run, at most Options.Parallel at once, saving after
// each start and finish. The first failed save cancels the runs; runAll
// still waits for every one it started, saves their statuses once more
// and then returns the error: no run outlives it.
func (e *executor) runAll(ctx context.Context, runs []plan.Run, statuses []labv1.RunStatus, save func() error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // a kill is an interrupt too: runs end as interrupted
		select {
		case <-e.o.Kill:
			cancel()
		case <-ctx.Done():
		}
	}()
	var saveErr error
	saved := func() bool {
		if err := save(); err != nil && saveErr == nil {
			saveErr = err
			e.progress.notef("ERROR: %v; stopping the runs", err)
			cancel()
		}
		return saveErr == nil
	}
	type finished struct {
		i  int
		st labv1.RunStatus
	}
	results := make(chan finished)
	next, active := 0, 0
	for next < len(runs) || active > 0 {
		if next < len(runs) && active < max(e.o.Parallel, 1) && ctx.Err() == nil && !closed(e.o.Kill) {
			i := next
			next++
			statuses[i].Attempt, statuses[i].Outcome = 1, labv1.OutcomeRunning
			if !saved() {
				statuses[i].Attempt, statuses[i].Outcome = 0, labv1.OutcomePending
				continue
			}
			active++
			go func() { results <- finished{i, e.run(ctx, runs[i])} }()
			continue
		}
		if active == 0 {
			break // stopped, nothing left running
		}
		f := <-results
		active--
		statuses[f.i] = f.st
		saved()
	}
	if saveErr != nil {
		if err := save(); err != nil {
			return errors.Join(saveErr, err)
		}
	}
	return saveErr
}

// closed reports whether c is closed; a nil channel never is.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// randomID tells this execution's sandboxes from those of another run of
// an Experiment of the same name, even one started in the same second.
func randomID() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random sandbox suffix: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// runTime is how long one run takes, for the ETA.
func runTime(exp *labv1.Experiment) time.Duration {
	return exp.Spec.Duration.Duration + exp.Spec.Warmup.Duration + time.Second
}

// limits turns a variant's knobs into cgroup limits.
func limits(v *plan.Variant) (sandbox.Limits, error) {
	return limitsOf(v.Knobs.CPULimit, v.Knobs.MemoryLimit)
}

// loadgenLimits are the load generator's: spec.loadGenerator.resources'
// limits, as its pod on a cluster has them (requests place a pod; there is
// nothing to place here).
func loadgenLimits(spec *labv1.ExperimentSpec) (sandbox.Limits, error) {
	if spec.LoadGenerator == nil {
		return sandbox.Limits{}, nil
	}
	var cpu, mem string
	if q, ok := spec.LoadGenerator.Resources.Limits[corev1.ResourceCPU]; ok {
		cpu = q.String()
	}
	if q, ok := spec.LoadGenerator.Resources.Limits[corev1.ResourceMemory]; ok {
		mem = q.String()
	}
	l, err := limitsOf(cpu, mem)
	switch {
	case err != nil:
		return l, fmt.Errorf("spec.loadGenerator.resources.limits: %w", err)
	case l.CPUQuotaMicros > 0 && l.CPUQuotaMicros < sandbox.DefaultPeriodMicros/100:
		return l, fmt.Errorf("spec.loadGenerator.resources.limits.cpu %s: must be at least 10m (the kernel's smallest CFS quota); raise it or leave it unset", cpu)
	case l.MemoryBytes > 0 && l.MemoryBytes < 32<<20:
		return l, fmt.Errorf("spec.loadGenerator.resources.limits.memory %s: must be at least 32Mi (the load generator itself needs about 20Mi); raise it or leave it unset", mem)
	}
	return l, nil
}

// limitsOf turns a CPU and a memory limit (quantities, "" for none) into
// cgroup limits.
func limitsOf(cpuLimit, memLimit string) (sandbox.Limits, error) {
	var l sandbox.Limits
	if q := cpuLimit; q != "" {
		cpu, err := resource.ParseQuantity(q)
		if err != nil {
			return l, fmt.Errorf("cpu limit %q: %w", q, err)
		}
		l.CPUQuotaMicros = cpu.MilliValue() * sandbox.DefaultPeriodMicros / 1000
	}
	if q := memLimit; q != "" {
		mem, err := resource.ParseQuantity(q)
		if err != nil {
			return l, fmt.Errorf("memory limit %q: %w", q, err)
		}
		l.MemoryBytes = mem.Value()
	}
	return l, nil
}

// checkApp checks what a local run of your own service needs: each
// variant's spec.scenario.app.binary set, an absolute path the catalogue's
// pattern allows, and an executable regular file; and runs one at a time,
// since every one listens on the service's port.
func checkApp(spec *labv1.ExperimentSpec, variants []plan.Variant) error {
	if spec.Scenario.App == nil {
		return nil
	}
	if spec.Parallelism > 1 {
		return fmt.Errorf("spec.parallelism: %d: local runs of your service all listen on its port (spec.scenario.app.port); set 1", spec.Parallelism)
	}
	param, _ := catalog.App.Param("binary")
	for _, v := range variants {
		bin := v.Params["binary"]
		if bin == "" {
			return fmt.Errorf("spec.scenario.app.binary: variant %s has none: a local run starts your service from its executable; set its absolute path, e.g. /usr/local/bin/orders (image is for clusters)", v.Name)
		}
		if _, err := param.Parse(bin); err != nil {
			return fmt.Errorf("spec.scenario.app.binary: variant %s: %w", v.Name, err)
		}
		fi, err := os.Stat(bin)
		switch {
		case err != nil:
			return fmt.Errorf("spec.scenario.app.binary: variant %s: %w; build your service there or fix the path", v.Name, err)
		case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
			return fmt.Errorf("spec.scenario.app.binary: variant %s: %s is not an executable file (mode %s); chmod +x it or fix the path", v.Name, bin, fi.Mode())
		}
	}
	return nil
}
