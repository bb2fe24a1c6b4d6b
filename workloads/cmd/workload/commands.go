package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/driver"
)

func newListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scenarios",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, e := range catalog.All() {
				fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Summary)
			}
			return tw.Flush()
		},
	}
}

func newDescribeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "describe SCENARIO",
		Short: "Show a scenario's parameters (type, default, bounds, meaning) and figures",
		Args:  exactlyOne,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, ok := catalog.Lookup(args[0])
			if !ok {
				return &driver.UsageError{Err: fmt.Errorf("unknown scenario %q; valid scenarios are %s",
					args[0], strings.Join(catalog.Names(), ", "))}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: %s\n\n%s\n\nParameters (--set name=value):\n", e.Name, e.Summary, e.Doc)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  NAME\tTYPE\tDEFAULT\tVALID\tMEANING")
			for _, p := range e.Params {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, p.Default, p.Bounds(), p.Doc)
			}
			tw.Flush()
			if len(e.Roles) > 0 {
				fmt.Fprintln(out, "\nRoles (--role):")
				for _, r := range e.Roles {
					fmt.Fprintf(tw, "  %s\t%s\n", r.Name, r.Doc)
				}
				tw.Flush()
			}
			fmt.Fprintln(out, "\nFigures:")
			for _, f := range e.Figures {
				doc := f.Doc
				if f.Resolution != "" {
					doc += " (" + f.Resolution + ")"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s is better\t%s\n", f.Name, f.Unit, f.Better, doc)
			}
			return tw.Flush()
		},
	}
}

func newRunCmd(done func(*result.Summary)) *cobra.Command {
	cfg := driver.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "run SCENARIO [--set name=value ...]",
		Short: "Run a scenario and print its summary",
		Long: "Run a scenario for --warmup then --duration, serving telemetry on --listen, and print its summary\n" +
			"as Go benchmark lines and JSON. The summary is also written to --result-file every --interval.\n" +
			"SIGTERM or SIGINT end the run early with a partial summary.",
		Args: exactlyOne,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Scenario = args[0]
			cfg.Stdout = cmd.OutOrStdout()
			sum, err := driver.Run(cmd.Context(), cfg)
			if sum != nil {
				done(sum)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.Sets, contract.FlagSet, nil, "scenario parameter name=value (repeatable; see `workload describe`)")
	f.StringVar(&cfg.Role, contract.FlagRole, cfg.Role, "part this process plays in a multi-process scenario (see `workload describe`)")
	f.StringVar(&cfg.Target, contract.FlagTarget, cfg.Target, "server address a client role connects to")
	f.StringVar(&cfg.Serve, contract.FlagServe, cfg.Serve, "address a server role listens on")
	f.DurationVar(&cfg.Duration, contract.FlagDuration, cfg.Duration, "length of the measured window")
	f.DurationVar(&cfg.Warmup, contract.FlagWarmup, cfg.Warmup, "time to run before measuring")
	f.StringVar(&cfg.Listen, contract.FlagListen, cfg.Listen, "telemetry address for /metrics, /debug/pprof, /healthz and /result; empty disables")
	f.StringVar(&cfg.ResultFile, contract.FlagResultFile, cfg.ResultFile, "file the summary is written to during and after the run; empty disables")
	f.StringVar(&cfg.ReadyFile, contract.FlagReadyFile, cfg.ReadyFile, "file a server role writes its address to (JSON {\"v\":1,\"addr\":...}) once it accepts connections")
	f.DurationVar(&cfg.Interval, "interval", cfg.Interval, "how often the interim summary is written")
	f.StringVar(&cfg.Output, contract.FlagOutput, cfg.Output, "final summary on stdout: text (benchmark lines and JSON), json or bench")
	f.BoolVar(&cfg.CPUProfile, "cpu-profile", cfg.CPUProfile, "profile the measured window to report the allocator's CPU share")
	f.StringVar(&cfg.Pyroscope, "pyroscope", cfg.Pyroscope, "Pyroscope server to push profiles to (default $"+contract.EnvPyroscope+")")
	f.DurationVar(&cfg.PyroscopeUploadRate, "pyroscope-upload-rate", cfg.PyroscopeUploadRate, "how often profiles are pushed to Pyroscope")
	return cmd
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageFlagError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

func exactlyOne(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return &usageFlagError{fmt.Errorf("%s takes one scenario name (see `workload list`), got %d arguments", cmd.CommandPath(), len(args))}
	}
	return nil
}
