package localexec

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
	"github.com/runtime-lab/runtime-lab/operator/recommend"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/operator/sandbox"
)

// Options configure a local run.
type Options struct {
	// Workload is the workload binary.
	Workload string
	// Dir receives the results.
	Dir string
	// Parallel is how many runs go at once (1 keeps runs from disturbing
	// each other).
	Parallel int
	// Progress receives the progress bar and warnings.
	Progress io.Writer
}

// ErrInterrupted means the context ended the Experiment early; the results
// of the finished runs were kept.
var ErrInterrupted = errors.New("interrupted: finished runs are kept")

// Run executes every run of exp and fills its status. It returns
// ErrInterrupted when ctx ends first.
func Run(ctx context.Context, exp *labv1.Experiment, o Options) error {
	variants, err := plan.Variants(&exp.Spec)
	if err != nil {
		return err
	}
	obj, err := recommend.Resolve(&exp.Spec)
	if err != nil {
		return err
	}
	runs := plan.Runs(variants, int(exp.Spec.Repetitions))
	statuses := make([]labv1.RunStatus, len(runs))
	for i, r := range runs {
		statuses[i] = labv1.RunStatus{Index: int32(r.Index), Outcome: labv1.OutcomePending}
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, resultsdir.RunsDir), 0o755); err != nil {
		return err
	}
	e := &executor{o: o, exp: exp, progress: newProgress(o.Progress, len(runs), runTime(exp))}
	save := func() error {
		expstatus.Set(exp, variants, runs, statuses, obj, metav1.Now())
		return resultsdir.SaveExperiment(o.Dir, exp)
	}
	if err := save(); err != nil {
		return err
	}
	type finished struct {
		i  int
		st labv1.RunStatus
	}
	results := make(chan finished)
	next, active := 0, 0
	for next < len(runs) || active > 0 {
		if next < len(runs) && active < max(o.Parallel, 1) && ctx.Err() == nil {
			i := next
			next++
			active++
			statuses[i].Attempt, statuses[i].Outcome = 1, labv1.OutcomeRunning
			if err := save(); err != nil {
				return err
			}
			go func() { results <- finished{i, e.run(ctx, runs[i])} }()
			continue
		}
		if active == 0 {
			break // interrupted, nothing left running
		}
		f := <-results
		active--
		statuses[f.i] = f.st
		if err := save(); err != nil {
			return err
		}
	}
	e.progress.finish()
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return nil
}

// runTime is how long one run takes, for the ETA.
func runTime(exp *labv1.Experiment) time.Duration {
	return exp.Spec.Duration.Duration + exp.Spec.Warmup.Duration + time.Second
}

// sandboxFor creates the run's cgroup, or nil with the reason limits are
// not enforced here.
func sandboxFor(name string, v *plan.Variant) (*sandbox.Sandbox, error) {
	l, err := limits(v)
	if err != nil {
		return nil, err
	}
	return sandbox.New(name, l)
}
