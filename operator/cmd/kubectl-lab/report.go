package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/report"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
)

func init() { subcommands = append(subcommands, newReportCmd) }

// Plot size in points; PNGs have one pixel per point.
const plotWidth, plotHeight = 800, 500

// reportOptions are the flags of `kubectl lab report`.
type reportOptions struct {
	src     experimentSource
	figures []string
	plots   []string
	zoom    bool
	out     string
	output  outputFlags
}

func newReportCmd() *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report NAME|DIR",
		Short: "Print an Experiment's results as a table, and plot figures against knobs",
		Long: "Print each variant's runs and the median and 95% confidence interval of its figures, and the\n" +
			"recommendation. DIR is a results directory (from `kubectl lab run --local`); otherwise NAME is an\n" +
			"Experiment in the cluster. --plot writes a PNG and an SVG of a figure against a knob, one line per\n" +
			"combination of the other knobs that vary. -o json|yaml|name prints the Experiment, results and all, instead.",
		Example: "  kubectl lab report results/svc-cpu-20261120\n" +
			"  kubectl lab report results/svc-cpu-20261120 -o yaml > svc-cpu.yaml\n" +
			"  kubectl lab report svc-cpu -n perf --figure lat-p99-s --figure req/s --plot lat-p99-s:cpu",
		Args:              wantArgs(1, "NAME|DIR"),
		ValidArgsFunction: completeExperimentNames(&o.src, true, 1),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), cmd.OutOrStdout(), args[0]) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.figures, "figure", nil, "figures to show (repeatable; default: the objective's and constraints', the scenario's headline figures, cpu-cores, throttled-s/s, mem-peak-B)")
	f.StringArrayVar(&o.plots, "plot", nil, "plot FIGURE:KNOB (repeatable); KNOB is one of "+strings.Join(report.PlotKnobs(), ", "))
	f.BoolVar(&o.zoom, "zoom", false, "plots' value axis fits the data instead of starting at zero")
	f.StringVar(&o.out, "out", "", "where plots go (default DIR/plots, or ./NAME-plots for a cluster Experiment)")
	o.src.addFlags(cmd)
	o.output.addFlags(cmd, false)
	_ = cmd.RegisterFlagCompletionFunc("figure", completeFigures(&o.src))
	_ = cmd.RegisterFlagCompletionFunc("plot", completePlots(&o.src))
	return cmd
}

// plotFile is one rendered plot, kept in memory until every plot has
// rendered, so bad input writes nothing.
type plotFile struct {
	name string
	data []byte
}

func (o *reportOptions) run(ctx context.Context, stdout io.Writer, arg string) error {
	pr, err := o.output.printer()
	if err != nil {
		return err
	}
	if o.output.wide {
		return usagef("-o wide: report has no wide table; use -o json, yaml or name, or --figure to choose columns")
	}
	if pr != nil && len(o.plots) > 0 {
		return usagef("-o %s prints the Experiment, not a report: drop --plot, or -o", *o.output.print.OutputFormat)
	}
	exp, dir, err := o.src.load(ctx, "NAME|DIR", arg)
	if err != nil {
		return err
	}
	if pr != nil {
		return pr.PrintObj(exp, stdout)
	}
	var table bytes.Buffer
	if err := report.Table(&table, exp, o.figures); err != nil {
		return asUsage("--figure", err)
	}
	files, err := renderPlots(exp, o.plots, o.zoom)
	if err != nil {
		return err
	}
	if _, err := stdout.Write(table.Bytes()); err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	out := o.out
	switch {
	case out == "" && dir != "":
		out = filepath.Join(dir, resultsdir.PlotsDir)
	case out == "":
		out = exp.Name + "-plots"
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(out, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return nil
}

// fileSafe turns a figure such as "req/s" into a file name part.
var fileSafe = strings.NewReplacer("/", "-per-", " ", "-").Replace

func renderPlots(exp *labv1.Experiment, specs []string, zoom bool) ([]plotFile, error) {
	var files []plotFile
	for _, spec := range specs {
		i := strings.LastIndex(spec, ":")
		if i <= 0 || i == len(spec)-1 {
			return nil, usagef("--plot %q: want FIGURE:KNOB, e.g. lat-p99-s:cpu; KNOB is one of %s",
				spec, strings.Join(report.PlotKnobs(), ", "))
		}
		figure, knob := spec[:i], spec[i+1:]
		for _, format := range []string{"png", "svg"} {
			b, err := report.Plot(exp, figure, knob, format, plotWidth, plotHeight, zoom)
			if err != nil {
				return nil, asUsage(fmt.Sprintf("--plot %s", spec), err)
			}
			files = append(files, plotFile{name: fileSafe(figure) + "-by-" + knob + "." + format, data: b})
		}
	}
	return files, nil
}

// asUsage turns the report package's bad-input errors into usage errors
// that name the flag or argument they came from.
func asUsage(what string, err error) error {
	var in *report.InputError
	if errors.As(err, &in) {
		return usagef("%s: %w", what, err)
	}
	return err
}

// wantArgs checks the positional arguments, as a usage error.
func wantArgs(n int, names string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("want %s, got %d argument(s)", names, len(args))
		}
		return nil
	}
}

// experimentSource finds the Experiment an argument names: a results
// directory when one exists, else an Experiment in the cluster.
// Its cluster flags are kubectl's own (k8s.io/cli-runtime): --kubeconfig,
// --context, --cluster, --user, --as, -n (default: the context's
// namespace) and the rest.
type experimentSource struct {
	kube *genericclioptions.ConfigFlags
}

func (s *experimentSource) addFlags(cmd *cobra.Command) {
	s.kube = genericclioptions.NewConfigFlags(true)
	s.kube.AddFlags(cmd.Flags())
}

// load returns the Experiment and, when it came from one, its directory.
// what names the argument in errors.
func (s *experimentSource) load(ctx context.Context, what, arg string) (*labv1.Experiment, string, error) {
	fi, err := os.Stat(arg)
	switch {
	case err == nil && !fi.IsDir():
		return nil, "", usagef("%s %q is a file: give a results directory (holding %s) or an Experiment name",
			what, arg, resultsdir.ExperimentFile)
	case err == nil:
		exp, err := resultsdir.LoadExperiment(ctx, arg)
		var damaged *resultsdir.DamagedError
		if errors.Is(err, fs.ErrNotExist) || errors.As(err, &damaged) {
			return nil, "", usagef("%s: %w", what, err)
		}
		return exp, arg, err
	}
	if len(validation.IsDNS1123Subdomain(arg)) > 0 {
		return nil, "", usagef("%s %q: no such results directory, and not a valid Experiment name", what, arg)
	}
	exp, err := s.get(ctx, what, arg)
	return exp, "", err
}

func (s *experimentSource) get(ctx context.Context, what, name string) (*labv1.Experiment, error) {
	c, ns, err := s.client()
	if err != nil {
		return nil, fmt.Errorf("%s %q: no such results directory, and no cluster to look it up in: %w", what, name, err)
	}
	var exp labv1.Experiment
	err = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &exp)
	if apierrors.IsNotFound(err) {
		return nil, usagef("%s %q: no such results directory, and no Experiment %s in namespace %s (-n)",
			what, name, name, ns)
	}
	if err != nil {
		return nil, fmt.Errorf("get Experiment %s/%s: %w", ns, name, err)
	}
	return &exp, nil
}

// client connects to the cluster the kubectl flags name, and returns the
// namespace they select (-n, else the context's).
func (s *experimentSource) client() (client.WithWatch, string, error) {
	// The client logs through controller-runtime's logger, which warns on
	// stderr when none is set; a CLI reports errors itself.
	ctrllog.SetLogger(logr.Discard())
	cfg, err := s.kube.ToRESTConfig()
	if err != nil {
		return nil, "", err
	}
	ns, _, err := s.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("the namespace: %w", err)
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: labScheme})
	if err != nil {
		return nil, "", fmt.Errorf("connect to the cluster: %w", err)
	}
	return c, ns, nil
}

// labScheme knows the Experiment types.
var labScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := labv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()
