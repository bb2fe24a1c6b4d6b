package main

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
)

// selfTestExperiment is the tiny Experiment `helm test` runs through the
// installed operator: one run of the timers scenario, 2 s measured, no
// warm-up; on the dev cluster it completed in about 6 s (helm test about
// 11 s in all).
func selfTestExperiment(namespace, name string) *labv1.Experiment {
	return &labv1.Experiment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name,
			Labels: map[string]string{"app.kubernetes.io/component": "helm-test"}},
		Spec: labv1.ExperimentSpec{
			Scenario:    labv1.ScenarioSpec{Timers: &labv1.TimersScenario{}},
			Duration:    metav1.Duration{Duration: 2 * time.Second},
			Warmup:      metav1.Duration{},
			Repetitions: 1,
		},
	}
}

// selfTest creates the self-test Experiment, waits until it ends, prints
// its runs and deletes it. nil when it completed.
func selfTest(ctx context.Context, cfg *rest.Config, namespace, name string, timeout time.Duration, out io.Writer) error {
	c, err := client.New(cfg, client.Options{Scheme: labScheme()})
	if err != nil {
		return err
	}
	exp := selfTestExperiment(namespace, name)
	if err := c.Create(ctx, exp); err != nil {
		return fmt.Errorf("create the test Experiment %s/%s: %w", namespace, name, err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = c.Delete(ctx, exp)
	}()
	fmt.Fprintf(out, "created Experiment %s/%s (timers, one 2 s run); waiting up to %s\n", namespace, name, timeout)
	var last string
	err = wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(exp), exp)
		switch {
		case apierrors.IsNotFound(err):
			return false, fmt.Errorf("the test Experiment %s/%s was deleted before it ended", namespace, name)
		case err != nil:
			return false, nil // the API server may blink; the timeout bounds it
		}
		st := exp.Status
		now := fmt.Sprintf("%s %s %s", st.Phase, st.Progress, expstatus.Where(exp))
		if now != last {
			fmt.Fprintf(out, "%s  %s\n", time.Now().UTC().Format(time.TimeOnly), now)
			last = now
		}
		return st.Phase == labv1.PhaseComplete || st.Phase == labv1.PhaseFailed, nil
	})
	for _, v := range exp.Status.Variants {
		for _, r := range v.Runs {
			fmt.Fprintf(out, "%s run %d: %s %s\n", v.Name, r.Index, r.Outcome, r.Reason)
		}
	}
	switch {
	case err != nil && !wait.Interrupted(err):
		return err
	case err != nil:
		return fmt.Errorf("the test Experiment did not end within %s (phase %q, progress %q): is the operator running, and can the node pull the workload image?",
			timeout, exp.Status.Phase, exp.Status.Progress)
	case exp.Status.Phase != labv1.PhaseComplete:
		return fmt.Errorf("the test Experiment ended %s: %s", exp.Status.Phase, expstatus.Where(exp))
	}
	fmt.Fprintln(out, "the operator ran the test Experiment to completion")
	return nil
}
