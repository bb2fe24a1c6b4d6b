package registry

import (
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// TestEveryScenarioIsImplemented: the catalogue and the implementations
// name the same scenarios.
func TestEveryScenarioIsImplemented(t *testing.T) {
	if len(factories) != len(catalog.All()) {
		t.Errorf("got %d implementations for %d catalogue scenarios", len(factories), len(catalog.All()))
	}
	for _, name := range catalog.Names() {
		if _, _, ok := Lookup(name); !ok {
			t.Errorf("scenario %s has no implementation", name)
		}
	}
}

// TestFiguresMatchCatalogue checks each scenario reports exactly the
// figures its catalogue entry declares, so the API and dashboards that are
// built from the catalogue never name a figure that is not there.
func TestFiguresMatchCatalogue(t *testing.T) {
	for _, spec := range catalog.All() {
		t.Run(spec.Name, func(t *testing.T) {
			_, factory, ok := Lookup(spec.Name)
			if !ok {
				t.Fatalf("no implementation of %s", spec.Name)
			}
			v, err := catalog.Parse(spec, nil)
			if err != nil {
				t.Fatalf("defaults: %v", err)
			}
			env := scenario.Env{}
			if r, _ := spec.Role(""); r.NeedsTarget {
				env.Target = "127.0.0.1:1"
			}
			w, err := factory(v, env)
			if err != nil {
				t.Fatalf("New with defaults: %v", err)
			}
			var want, got []string
			for _, f := range spec.Figures {
				want = append(want, f.Name)
			}
			for k := range w.Figures(scenario.Window{Seconds: 1, MallocCPUFraction: 0.5}) {
				got = append(got, k)
			}
			sort.Strings(want)
			sort.Strings(got)
			if _, ok := w.(scenario.Observer); ok {
				// An observer reports what its service exposed, never a
				// figure the catalogue does not declare (the app package's
				// tests check a service that exposes everything).
				for _, g := range got {
					if !slices.Contains(want, g) {
						t.Errorf("figure %s reported, not in the catalogue", g)
					}
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("figures mismatch (-catalogue +reported):\n%s", diff)
			}
		})
	}
}
