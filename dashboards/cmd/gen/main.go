// Command gen writes runtime-lab's dashboards (package dashboards/build) as
// JSON into dashboards/json, where they are committed and linted, and into
// the Helm chart's dashboards folder, which the chart turns into
// ConfigMaps. Run it from the repository root: make dashboards.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/runtime-lab/runtime-lab/dashboards/build"
)

func main() {
	dirs := flag.String("out", "dashboards/json,charts/runtime-lab/dashboards", "comma-separated folders to write the JSON files into")
	flag.Parse()
	if err := run(strings.Split(*dirs, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dirs []string) error {
	ds, err := build.All()
	if err != nil {
		return err
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		for _, d := range ds {
			b, err := d.JSON()
			if err != nil {
				return err
			}
			path := filepath.Join(dir, d.File)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
		fmt.Printf("gen: wrote %d dashboards to %s\n", len(ds), dir)
	}
	return nil
}
