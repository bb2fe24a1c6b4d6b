package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newRunCmd) }

// runOptions are the flags of `kubectl lab run`.
type runOptions struct {
	file     string
	local    bool
	out      string
	parallel int
	// parallelSet: --parallel was given; else the Experiment's
	// spec.parallelism applies.
	parallelSet bool
	workload    string
	images      []string // IMAGE=BINARY
}

func newRunCmd() *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run -f EXPERIMENT.yaml --local",
		Short: "Run an Experiment locally, each run a workload process in a fresh cgroup",
		Long: "Validate the Experiment exactly as the API server would, plan its runs, and execute each as a workload\n" +
			"process in a fresh cgroup with the run's CPU quota, memory limit and Go environment. Results go to --out:\n" +
			"the Experiment with its status, each run's summary, benchmark lines, a markdown report and plots.\n" +
			"Ctrl-C stops the current runs (each gets 15 s to write a partial summary) and keeps every finished result;\n" +
			"a second Ctrl-C kills the runs at once.\n\n" +
			"Exit codes: 0 every run completed; 1 some run did not complete (each one and its reason on stderr;\n" +
			"the results are saved) or the results could not be saved; 2 bad input (named, with the fix; nothing\n" +
			"was run or created); 130 interrupted (the finished runs are kept).",
		Example: `  # The sample GC Experiment, results in results/gc-sample-TIMESTAMP
  kubectl lab run --local -f config/samples/gc.yaml

  # From standard input, two runs at once, into a directory of your choosing
  cat experiment.yaml | kubectl lab run --local -f - --parallel 2 --out results/mine

  # Two Go versions: a workload binary built with each for the two images the Experiment names
  kubectl lab run --local -f go-versions.yaml \
    --image registry.example/runtime-lab/workload:go1.25=bin/workload-go1.25 \
    --image registry.example/runtime-lab/workload:go1.26=bin/workload`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.parallelSet = cmd.Flags().Changed("parallel")
			return o.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "the Experiment manifest (- reads standard input)")
	f.BoolVar(&o.local, "local", false, "run on this machine instead of a cluster")
	f.StringVar(&o.out, "out", "", "results directory (default results/NAME-TIMESTAMP)")
	f.IntVar(&o.parallel, "parallel", 0, "runs at once (default: the Experiment's spec.parallelism, 1 unless set); more than 1 lets runs disturb each other")
	f.StringVar(&o.workload, "workload", "", "workload binary (default: built from this checkout when run inside one, else the workload beside this plugin as release archives ship it, else workload on PATH)")
	f.StringArrayVar(&o.images, "image", nil, "IMAGE=BINARY: run the variants of image IMAGE (spec.image, spec.matrix.images) with workload binary BINARY, "+
		"e.g. one built with another Go version; repeat for each image")
	return cmd
}

// imageBinaries parses --image IMAGE=BINARY flags; each binary must be an
// executable regular file, and is returned as an absolute path.
func (o *runOptions) imageBinaries() (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range o.images {
		img, bin, ok := strings.Cut(kv, "=")
		if !ok || img == "" || bin == "" {
			return nil, usagef("--image %q: want IMAGE=BINARY, e.g. --image registry.example/runtime-lab/workload:go1.25=bin/workload-go1.25", kv)
		}
		if _, dup := m[img]; dup {
			return nil, usagef("--image %s: given twice", img)
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return nil, usagef("--image %s=%s: %v", img, bin, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, usagef("--image %s=%s: %v", img, bin, err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return nil, usagef("--image %s=%s: not an executable file", img, bin)
		}
		m[img] = abs
	}
	return m, nil
}
