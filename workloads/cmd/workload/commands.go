package main

import (
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/driver"
	"github.com/runtime-lab/runtime-lab/workloads/sidecar"
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
	f.IntVar(&cfg.ObservePID, contract.FlagObservePID, 0, "process whose cgroup an observing role reads (the app scenario's service, on a local run)")
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

// newSidecarCmd is the container that competes with a run for its pod's
// budget (spec.pod.sidecar): it burns --cpu and holds --memory until it is
// stopped, then says what it used.
func newSidecarCmd(stopped func()) *cobra.Command {
	var cpu, memory string
	cmd := &cobra.Command{
		Use:   contract.CommandSidecar + " --cpu QUANTITY [--memory BYTES]",
		Short: "Burn a stated amount of CPU and hold a stated amount of memory until stopped",
		Long: "Burn --cpu (such as 500m: CPU time kept at that many cores times the time since it started, over as\n" +
			"many threads as whole CPUs it needs; throttled, it catches up, a debt past 200 ms forgiven) and hold\n" +
			"--memory (bytes or a quantity such as 64Mi, every page touched) until SIGTERM or SIGINT: a sidecar\n" +
			"whose draw on a shared pod budget is known. It exits 0 when stopped.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cpu == "" {
				return &usageFlagError{fmt.Errorf("--%s is required: the CPU to burn, such as 500m", contract.FlagSidecarCPU)}
			}
			cores, err := sidecar.ParseCores(cpu)
			if err != nil {
				return &usageFlagError{fmt.Errorf("--%s: %w", contract.FlagSidecarCPU, err)}
			}
			mem, err := catalog.ParseBytes(memory)
			if err != nil || mem < 0 || mem > 64<<30 {
				return &usageFlagError{fmt.Errorf("--%s %q: want bytes from 0 to 64Gi, such as 67108864 or 64Mi", contract.FlagSidecarMemory, memory)}
			}
			start, t0 := sidecar.ProcessCPU(), time.Now()
			err = sidecar.Run(cmd.Context(), cores, mem)
			stopped()
			slog.Info("sidecar stopped", "cpu", cores, "memoryBytes", mem,
				"usedCores", (sidecar.ProcessCPU()-start).Seconds()/max(time.Since(t0).Seconds(), 1e-9))
			return err
		},
	}
	cmd.Flags().StringVar(&cpu, contract.FlagSidecarCPU, "", "CPU to burn, such as 500m or 1.5 (required)")
	cmd.Flags().StringVar(&memory, contract.FlagSidecarMemory, "0", "memory to hold, bytes or a quantity such as 64Mi")
	return cmd
}
