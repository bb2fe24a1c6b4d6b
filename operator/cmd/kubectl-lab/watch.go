package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
)

func init() { subcommands = append(subcommands, newWatchCmd) }

// watchOptions are the flags of `kubectl lab watch`.
type watchOptions struct {
	src     experimentSource
	out     outputFlags
	timeout time.Duration
}

func newWatchCmd() *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch NAME",
		Short: "Follow an Experiment's progress until it completes (exit 0) or fails (exit 1)",
		Long: "Print the Experiment's row (as kubectl lab get prints it) now and whenever its progress changes, until\n" +
			"it is Complete or Failed; then print each variant's runs. The exit status says how it ended: 0 Complete,\n" +
			"1 Failed, deleted or --timeout passed, 2 bad input, 130 interrupted. Use it where a script would\n" +
			"otherwise run kubectl wait --for=condition=Complete, which waits out its whole timeout when the\n" +
			"Experiment fails.",
		Example: "  kubectl lab watch gc-sample\n" +
			"  kubectl lab watch gc-sample --timeout 30m -o wide\n" +
			"  kubectl apply -f exp.yaml && kubectl lab watch my-exp && kubectl lab report my-exp",
		Args:              wantArgs(1, "NAME"),
		ValidArgsFunction: completeExperimentNames(&o.src, false, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout(), args[0])
		},
	}
	o.src.addFlags(cmd)
	o.out.addFlags(cmd, true)
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "give up after this long, exit 1 (0: wait for as long as it takes)")
	return cmd
}

// errWatchFailed marks an Experiment that ended Failed.
var errWatchFailed = errors.New("the Experiment failed")

func (o *watchOptions) run(ctx context.Context, stdout io.Writer, name string) error {
	if o.timeout < 0 {
		return usagef("--timeout %s: want 0 (no limit) or a positive duration such as 30m", o.timeout)
	}
	pr, err := o.out.printer()
	if err != nil {
		return err
	}
	c, ns, err := o.src.client()
	if err != nil {
		return fmt.Errorf("no cluster to watch Experiment %s in: %w", name, err)
	}
	parent := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	// One object, by a field selector, through an informer that lists
	// again when the watch expires (client-go's UntilWithSync).
	byName := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = byName
			var list labv1.ExperimentList
			err := c.List(ctx, &list, client.InNamespace(ns), &client.ListOptions{Raw: &opts})
			return &list, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = byName
			return c.Watch(ctx, &labv1.ExperimentList{}, client.InNamespace(ns), &client.ListOptions{Raw: &opts})
		},
	}
	exists := func(store cache.Store) (bool, error) {
		if _, ok, err := store.GetByKey(ns + "/" + name); err != nil || !ok {
			return true, usagef("no Experiment %s in namespace %s (-n)", name, ns)
		}
		return false, nil
	}
	tw := printers.GetNewTabWriter(stdout)
	var last *labv1.Experiment
	printed := ""
	changed := func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("experiment %s/%s was deleted before it ended", ns, name)
		case watch.Added, watch.Modified:
		default:
			return false, nil
		}
		exp, ok := ev.Object.(*labv1.Experiment)
		if !ok {
			return false, fmt.Errorf("watch Experiment %s/%s: got a %T", ns, name, ev.Object)
		}
		last = exp
		// Print when what a reader follows changes, not on every status
		// write (Age alone changes nothing).
		row := experimentRow(exp, time.Time{}).Cells
		key := fmt.Sprint(row[:len(row)-3], row[len(row)-2:])
		if key == printed {
			return ended(exp), nil
		}
		var err error
		if pr != nil {
			err = pr.PrintObj(exp, stdout)
		} else {
			err = o.out.table(tw, []labv1.Experiment{*exp}, false, printed != "", time.Now())
			if err == nil {
				err = tw.Flush()
			}
		}
		printed = key
		return ended(exp), err
	}
	_, err = watchtools.UntilWithSync(ctx, lw, &labv1.Experiment{}, exists, changed)
	switch {
	case err == nil:
	case errors.Is(parent.Err(), context.Canceled):
		return fmt.Errorf("watch Experiment %s/%s: interrupted: %w", ns, name, context.Canceled)
	case ctx.Err() != nil: // --timeout (client-go says "timed out waiting for the condition")
		where := ""
		if last != nil {
			cells := experimentRow(last, time.Time{}).Cells
			where = fmt.Sprintf("; it is %s, %s runs", cells[2], cells[3])
		}
		return fmt.Errorf("experiment %s/%s: --timeout %s passed before it ended%s", ns, name, o.timeout, where)
	default:
		return err
	}
	if pr == nil {
		fmt.Fprintln(tw)
		if err := variantTable(tw, last); err != nil {
			return err
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed(last) {
		return fmt.Errorf("%w: %s/%s: %s", errWatchFailed, ns, name, experimentReason(last))
	}
	return nil
}

// ended: the Experiment is Complete or Failed, for good (the phase sums
// up the conditions).
func ended(e *labv1.Experiment) bool { return e.Status.Phase == labv1.PhaseComplete || failed(e) }

// failed: the Experiment ended Failed.
func failed(e *labv1.Experiment) bool { return e.Status.Phase == labv1.PhaseFailed }
