package lint

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/selectors.golden.json from Selectors")

// TestSelectorsGolden: every PromQL expression of the generated dashboards
// (panel targets and label_values variables) gives the selectors recorded
// in testdata/selectors.golden.json — written by the hand-written scanner
// Selectors replaced, so the parser-based one is held to its results.
func TestSelectorsGolden(t *testing.T) {
	files, err := filepath.Glob("../json/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in ../json: %v", err)
	}
	var exprs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var walk func([]Panel)
		walk = func(ps []Panel) {
			for _, p := range ps {
				for _, tg := range p.Targets {
					if tg.IsPrometheus() {
						exprs = append(exprs, tg.Expr)
					}
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		for _, v := range d.Templating.List {
			if m := labelValues.FindStringSubmatch(v.QueryString()); m != nil {
				exprs = append(exprs, m[1])
			}
		}
	}
	slices.Sort(exprs)
	exprs = slices.Compact(exprs)
	got := map[string][]Selector{}
	for _, e := range exprs {
		sels, err := Selectors(e)
		if err != nil {
			t.Errorf("%s: %v", e, err)
			continue
		}
		got[e] = sels
	}
	golden := filepath.Join("testdata", "selectors.golden.json")
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestSelectorsGolden -update writes it)", err)
	}
	var want map[string][]Selector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("selectors of the dashboards' expressions (-golden +got):\n%s", diff)
	}
	t.Logf("%d expressions", len(exprs))
}
