package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

func init() { subcommands = append(subcommands, newScenariosCmd) }

func newScenariosCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios [NAME]",
		Short: "List the workload scenarios, or show one's parameters, roles and figures",
		Example: "  kubectl lab scenarios\n" +
			"  kubectl lab scenarios service",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("want at most one scenario NAME, got %d arguments", len(args))
			}
			return nil
		},
		ValidArgsFunction: completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return listScenarios(cmd.OutOrStdout())
			}
			return showScenario(cmd.OutOrStdout(), args[0])
		},
	}
}

func listScenarios(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSUMMARY")
	for _, e := range catalog.All() {
		fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Summary)
	}
	return tw.Flush()
}

func showScenario(w io.Writer, name string) error {
	e, ok := catalog.Lookup(name)
	if !ok {
		return usagef("scenario %q: unknown; use one of %s", name, strings.Join(catalog.Names(), ", "))
	}
	s := e
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\n\n%s\n", s.Name, s.Summary, wrap(s.Doc, 100))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if len(s.Roles) > 0 {
		fmt.Fprintf(tw, "\nRoles (the first is the default):\n")
		for _, r := range s.Roles {
			fmt.Fprintf(tw, "  %s\t%s\n", r.Name, r.Doc)
		}
	}
	fmt.Fprintf(tw, "\nParameters (spec.scenario.%s.NAME in an Experiment):\n", s.Name)
	fmt.Fprintln(tw, "  NAME\tKIND\tDEFAULT\tVALID\tDOC")
	for _, p := range s.Params {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, p.Default, p.Bounds(), p.Doc)
	}
	fmt.Fprintln(tw, "\nFigures (objective metrics, --figure, --plot):")
	fmt.Fprintln(tw, "  NAME\tUNIT\tBETTER\tDOC")
	all := s.AllFigures()
	writeFigures(tw, all[:len(s.Figures)], "")
	writeFigures(tw, all[len(s.Figures):], " (every scenario)")
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeFigures(w io.Writer, figs []catalog.Figure, note string) {
	for _, f := range figs {
		doc := f.Doc
		if f.Resolution != "" {
			doc += " (" + f.Resolution + ")"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s%s\n", f.Name, f.Unit, f.Better, doc, note)
	}
}

// wrap breaks text at spaces into lines of at most width runes, for the
// catalogue's one-paragraph docs.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		l := len([]rune(word))
		switch {
		case n == 0:
		case n+1+l > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += l
	}
	return b.String()
}
