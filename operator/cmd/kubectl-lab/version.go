package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newVersionCmd) }

// releaseVersion is the release a binary was built for, set by make dist
// (-ldflags -X main.releaseVersion=v0.1.0); empty otherwise.
var releaseVersion string

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the plugin's version, commit and Go version",
		Example: "  kubectl lab version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, _ := debug.ReadBuildInfo()
			_, err := io.WriteString(cmd.OutOrStdout(), versionLine(info))
			return err
		},
	}
}

// versionLine says what was built: the module version (a tag when
// installed with go install ...@vX, "(devel)" from a checkout), the commit
// and whether the tree had changes, the Go version and the platform.
func versionLine(info *debug.BuildInfo) string {
	version, rev, modified, goVersion := "(unknown)", "", false, runtime.Version()
	if info != nil {
		version, goVersion = info.Main.Version, info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if releaseVersion != "" {
		version = releaseVersion
	}
	commit := "unknown commit"
	if rev != "" {
		commit = "commit " + rev[:min(len(rev), 12)]
		if modified {
			commit += " with local changes"
		}
	}
	return fmt.Sprintf("kubectl lab %s (%s, %s, %s/%s)\n", version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
