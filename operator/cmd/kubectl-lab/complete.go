package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/report"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Shell completion. The shells call `kubectl lab __complete ARGS...`
// (cobra); kubectl ≥ 1.26 completes a plugin's arguments through an
// executable kubectl_complete-lab on PATH that does the same (make dist
// ships one).

// completeTimeout bounds the cluster lookups of one completion: a shell
// waits for them.
const completeTimeout = 5 * time.Second

// completeExperimentNames completes Experiment names from the cluster's
// namespace the flags select and, with dirs, results directories. Names
// already given are left out; after max arguments (0: no limit) nothing
// is completed.
func completeExperimentNames(src *experimentSource, dirs bool, max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if max > 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range clusterNames(cmd.Context(), src) {
			if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
				out = append(out, n)
			}
		}
		if !dirs {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		out = append(out, localDirs(toComplete)...)
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// clusterNames lists the Experiments' names in the selected namespace;
// none when there is no cluster (completion stays quiet).
func clusterNames(ctx context.Context, src *experimentSource) []string {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	c, ns, err := src.client()
	if err != nil {
		return nil
	}
	var list labv1.ExperimentList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil
	}
	names := make([]string, 0, len(list.Items))
	for _, e := range list.Items {
		names = append(names, e.Name)
	}
	return names
}

// localDirs are the directories under toComplete's directory whose path
// starts with toComplete, each ending in a slash so the shell goes on.
func localDirs(toComplete string) []string {
	dir, prefix := filepath.Split(toComplete)
	read := dir
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) && (prefix != "" || !strings.HasPrefix(e.Name(), ".")) {
			out = append(out, dir+e.Name()+"/")
		}
	}
	return out
}

// completeScenarios completes a scenario name.
func completeScenarios(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range catalog.All() {
		if strings.HasPrefix(s.Name, toComplete) {
			out = append(out, s.Name+"\t"+s.Summary)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeFigures completes --figure with the figures the Experiment
// already given as the first argument has results for, else with every
// scenario's figures.
func completeFigures(src *experimentSource) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, f := range figuresOf(cmd.Context(), src, args) {
			if strings.HasPrefix(f, toComplete) {
				out = append(out, f)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completePlots completes --plot FIGURE:KNOB: first the figure and a
// colon, then the knobs.
func completePlots(src *experimentSource) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if fig, _, ok := strings.Cut(toComplete, ":"); ok {
			var out []string
			for _, k := range report.PlotKnobs() {
				if c := fig + ":" + k; strings.HasPrefix(c, toComplete) {
					out = append(out, c)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, f := range figuresOf(cmd.Context(), src, args) {
			if strings.HasPrefix(f, toComplete) {
				out = append(out, f+":")
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// figuresOf lists the figures of args[0]'s Experiment, or of every
// scenario when there is none or it cannot be read.
func figuresOf(ctx context.Context, src *experimentSource, args []string) []string {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(args) > 0 {
		if exp, _, err := src.load(ctx, "NAME|DIR", args[0]); err == nil {
			for _, v := range exp.Status.Variants {
				for _, a := range v.Aggregates {
					add(a.Figure)
				}
			}
		}
	}
	if len(out) == 0 {
		for _, s := range catalog.All() {
			for _, f := range s.AllFigures() {
				add(f.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}
