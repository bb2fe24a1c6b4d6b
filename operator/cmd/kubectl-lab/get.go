package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/expstatus"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

func init() { subcommands = append(subcommands, newGetCmd) }

// getOptions are the flags of `kubectl lab get`.
type getOptions struct {
	src           experimentSource
	out           outputFlags
	allNamespaces bool
}

func newGetCmd() *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get [NAME ...]",
		Short: "List Experiments on the cluster with their progress, or show one's progress variant by variant",
		Long: "List the Experiments in the namespace (-n, default the context's; -A every namespace): scenario,\n" +
			"phase, runs done of planned, runs running and failed, the recommended variant and age; -o wide adds\n" +
			"the recommended knobs and the reason the Experiment is where it is. With one NAME and no -o, each\n" +
			"variant's runs follow. -o json|yaml|name|jsonpath=...|go-template=... prints the objects as kubectl does.",
		Example: "  kubectl lab get\n" +
			"  kubectl lab get -A -o wide\n" +
			"  kubectl lab get gc-sample\n" +
			"  kubectl lab get gc-sample -o yaml\n" +
			"  kubectl lab get gc-sample -o jsonpath='{.status.recommendation.knobs}'",
		ValidArgsFunction: completeExperimentNames(&o.src, false, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout(), args)
		},
	}
	o.src.addFlags(cmd)
	o.out.addFlags(cmd, true)
	cmd.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list the Experiments of every namespace")
	return cmd
}

func (o *getOptions) run(ctx context.Context, stdout io.Writer, names []string) error {
	if o.allNamespaces && len(names) > 0 {
		return usagef("-A lists every namespace's Experiments; give no NAME with it, or drop -A")
	}
	pr, err := o.out.printer()
	if err != nil {
		return err
	}
	c, ns, err := o.src.client()
	if err != nil {
		return fmt.Errorf("no cluster to get Experiments from: %w", err)
	}
	var exps []labv1.Experiment
	if len(names) == 0 {
		var list labv1.ExperimentList
		var opts []client.ListOption
		if !o.allNamespaces {
			opts = append(opts, client.InNamespace(ns))
		}
		if err := c.List(ctx, &list, opts...); err != nil {
			return fmt.Errorf("list Experiments: %w", err)
		}
		exps = list.Items
	}
	for _, name := range names {
		var exp labv1.Experiment
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &exp)
		if apierrors.IsNotFound(err) {
			return usagef("no Experiment %s in namespace %s (-n)", name, ns)
		}
		if err != nil {
			return fmt.Errorf("get Experiment %s/%s: %w", ns, name, err)
		}
		exps = append(exps, exp)
	}
	if pr != nil {
		return printObjects(pr, *o.out.print.OutputFormat, stdout, exps, len(names) == 1)
	}
	if len(exps) == 0 {
		if o.allNamespaces {
			_, err := fmt.Fprintln(stdout, "No Experiments found.")
			return err
		}
		_, err := fmt.Fprintf(stdout, "No Experiments found in namespace %s.\n", ns)
		return err
	}
	tw := printers.GetNewTabWriter(stdout)
	if err := o.out.table(tw, exps, o.allNamespaces, false, time.Now()); err != nil {
		return err
	}
	if len(names) == 1 {
		fmt.Fprintln(tw)
		if err := variantTable(tw, &exps[0]); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// printObjects prints Experiments with a kubectl printer: one object when
// one was asked for by name, else a List, as kubectl get does.
// -o name prints each object's name, as it has no form for a list.
func printObjects(pr printers.ResourcePrinter, format string, w io.Writer, exps []labv1.Experiment, single bool) error {
	if single {
		return pr.PrintObj(&exps[0], w)
	}
	if format == "name" {
		for i := range exps {
			if err := pr.PrintObj(&exps[i], w); err != nil {
				return err
			}
		}
		return nil
	}
	list := &labv1.ExperimentList{Items: exps}
	return pr.PrintObj(list, w)
}

// outputFlags is -o and --no-headers: a kubectl printer (json, yaml, name,
// jsonpath, go-template, ...) or the Experiment table, wide or not.
type outputFlags struct {
	print     *genericclioptions.PrintFlags
	noHeaders bool
	wide      bool // set by printer()
}

// table: the command prints a table of Experiments, so -o wide and
// --no-headers apply.
func (f *outputFlags) addFlags(cmd *cobra.Command, table bool) {
	f.print = genericclioptions.NewPrintFlags("").WithTypeSetter(labScheme)
	f.print.AddFlags(cmd)
	usage := "output format: one of " + strings.Join(f.formats(table), "|") + "; default a table"
	cmd.Flags().Lookup("output").Usage = usage
	if table {
		cmd.Flags().BoolVar(&f.noHeaders, "no-headers", false, "tables without their header line")
	}
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.formats(table), cobra.ShellCompDirectiveNoFileComp
	})
}

// formats are the -o values, wide first when the command has a table.
func (f *outputFlags) formats(table bool) []string {
	var out []string
	if table {
		out = append(out, "wide")
	}
	return append(out, f.print.AllowedFormats()...)
}

// printer returns the kubectl printer -o asks for, or nil for a table.
func (f *outputFlags) printer() (printers.ResourcePrinter, error) {
	switch *f.print.OutputFormat {
	case "":
		return nil, nil
	case "wide":
		f.wide = true
		return nil, nil
	}
	pr, err := f.print.ToPrinter()
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return nil, usagef("-o %s: not an output format; want one of wide, %s",
			*f.print.OutputFormat, strings.Join(f.print.AllowedFormats(), ", "))
	}
	if err != nil {
		return nil, usagef("-o %s: %v", *f.print.OutputFormat, err)
	}
	return pr, nil
}

// experimentColumns are the Experiment table's columns; Priority 1 shows
// only with -o wide. They are the CRD's printer columns and a few more.
var experimentColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name"},
	{Name: "Scenario", Type: "string"},
	{Name: "Phase", Type: "string"},
	{Name: "Runs", Type: "string", Description: "runs finished (succeeded or failed) of planned"},
	{Name: "Running", Type: "integer"},
	{Name: "Failed", Type: "integer"},
	{Name: "Best", Type: "string", Description: "the recommended variant"},
	{Name: "Age", Type: "string"},
	{Name: "Best Knobs", Type: "string", Priority: 1},
	{Name: "Reason", Type: "string", Priority: 1, Description: "why the Experiment is where it is"},
}

// table prints Experiments as rows with cli-runtime's table printer, as
// kubectl prints the objects it gets (NAMESPACE first with -A).
// noHeaders leaves the header out whatever --no-headers says (watch
// prints it once).
func (f *outputFlags) table(w io.Writer, exps []labv1.Experiment, withNamespace, noHeaders bool, now time.Time) error {
	t := &metav1.Table{ColumnDefinitions: experimentColumns}
	for i := range exps {
		t.Rows = append(t.Rows, experimentRow(&exps[i], now))
	}
	pr := printers.NewTablePrinter(printers.PrintOptions{
		Wide:          f.wide,
		WithNamespace: withNamespace,
		NoHeaders:     f.noHeaders || noHeaders,
	})
	return pr.PrintObj(t, w)
}

func experimentRow(e *labv1.Experiment, now time.Time) metav1.TableRow {
	st := &e.Status
	phase := st.Phase
	if phase == "" {
		phase = labv1.PhasePending
	}
	runs := st.Progress
	if runs == "" {
		runs = "0/?"
	}
	best, knobs := "<none>", "<none>"
	if r := st.Recommendation; r != nil && r.Variant != "" {
		best, knobs = r.Variant, r.Knobs
		if knobs == "" { // written by an operator before status.recommendation.knobs
			for _, v := range st.Variants {
				if v.Name == r.Variant {
					knobs = plan.Describe(v.Knobs)
				}
			}
		}
	}
	age := "<unknown>"
	if !e.CreationTimestamp.IsZero() {
		age = duration.HumanDuration(now.Sub(e.CreationTimestamp.Time))
	}
	scenario := st.Scenario
	if scenario == "" {
		scenario = e.Spec.Scenario.Name()
	}
	return metav1.TableRow{
		Cells: []any{e.Name, scenario, phase, runs, int64(st.Runs.Running), int64(st.Runs.Failed),
			best, age, knobs, experimentReason(e)},
		Object: runtime.RawExtension{Object: e},
	}
}

// experimentReason says why the Experiment is where it is (expstatus.Where).
func experimentReason(e *labv1.Experiment) string {
	if w := expstatus.Where(e); w != "" {
		return w
	}
	return "<none>"
}

// variantTable prints one Experiment's variants: knobs, runs by outcome,
// and the precision state when spec.precision asks for one.
func variantTable(w io.Writer, e *labv1.Experiment) error {
	if len(e.Status.Variants) == 0 {
		_, err := fmt.Fprintln(w, "No variants planned yet.")
		return err
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Variant", Type: "string"},
		{Name: "Knobs", Type: "string"},
		{Name: "Runs", Type: "string", Description: "runs succeeded of the variant's runs"},
		{Name: "Running", Type: "integer"},
		{Name: "Pending", Type: "integer"},
		{Name: "Failed", Type: "integer"},
		{Name: "Precision", Type: "string"},
	}}
	best := ""
	if r := e.Status.Recommendation; r != nil {
		best = r.Variant
	}
	for _, v := range e.Status.Variants {
		n := expstatus.Tally(v.Runs)
		precision := "-"
		if p := v.Precision; p != nil {
			precision = p.State
			if p.HalfWidthPercent != nil {
				precision += fmt.Sprintf(" ±%.1f%%", *p.HalfWidthPercent)
			}
		}
		name := v.Name
		if name == best {
			name += " (best)"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{name, plan.Describe(v.Knobs),
			fmt.Sprintf("%d/%d", n.Succeeded, n.Total), int64(n.Running), int64(n.Pending), int64(n.Failed), precision}})
	}
	return printers.NewTablePrinter(printers.PrintOptions{}).PrintObj(t, w)
}
