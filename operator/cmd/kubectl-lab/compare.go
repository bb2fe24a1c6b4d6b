package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/runtime-lab/runtime-lab/operator/report"
)

func init() { subcommands = append(subcommands, newCompareCmd) }

func newCompareCmd() *cobra.Command {
	src := &experimentSource{}
	cmd := &cobra.Command{
		Use:   "compare A B",
		Short: "Compare two Experiments' results, benchstat-style",
		Long: "For every variant A and B share (the same knobs, whatever their names) and every figure, print A's and\n" +
			"B's median ± 95% CI, B's change and its p-value (Mann-Whitney U), or ~ when the change is not\n" +
			"significant, and the geometric mean per figure. A and B are results directories or cluster Experiments.",
		Example:           "  kubectl lab compare results/svc-go125 results/svc-go126",
		Args:              wantArgs(2, "A and B (results directories or Experiment names)"),
		ValidArgsFunction: completeExperimentNames(src, true, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompare(cmd.Context(), cmd.OutOrStdout(), src, args[0], args[1])
		},
	}
	src.addFlags(cmd)
	return cmd
}

func runCompare(ctx context.Context, stdout io.Writer, src *experimentSource, a, b string) error {
	expA, _, err := src.load(ctx, "A", a)
	if err != nil {
		return err
	}
	expB, _, err := src.load(ctx, "B", b)
	if err != nil {
		return err
	}
	return asUsage("A and B", report.Compare(stdout, expA, expB))
}
