package build

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/runtime-lab/runtime-lab/dashboards/lint"
)

// The generated JSON is committed in two places; both must be what the
// code builds now.
var outDirs = []string{"../json", "../../charts/runtime-lab/dashboards"}

func TestGeneratedJSONUpToDate(t *testing.T) {
	ds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range outDirs {
		var want []string
		for _, d := range ds {
			want = append(want, d.File)
			b, err := d.JSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, d.File))
			if err != nil {
				t.Errorf("%v: run `make dashboards` and commit", err)
				continue
			}
			if !bytes.Equal(got, b) {
				t.Errorf("%s/%s is stale: run `make dashboards` and commit", dir, d.File)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			if !slices.Contains(want, filepath.Base(f)) {
				t.Errorf("%s: no dashboard generates it any more; delete it", f)
			}
		}
	}
}

func TestDashboardsPassLint(t *testing.T) {
	ds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	var parsed []*lint.Dashboard
	opts := lint.Options{Scope: map[string][]string{}, PyroscopeScope: []string{"experiment", "variant"}}
	for _, d := range ds {
		b, err := d.JSON()
		if err != nil {
			t.Fatal(err)
		}
		p, err := lint.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, p)
		opts.Scope[d.UID()] = d.Scope
		panels, queries := 0, 0
		for _, pn := range p.AllPanels() {
			panels++
			queries += len(pn.Targets)
		}
		t.Logf("%s (%s): %d panels, %d queries", p.Title, p.UID, panels, queries)
	}
	for _, pr := range lint.Lint(parsed, opts) {
		t.Error(pr)
	}
}

func TestStableUIDs(t *testing.T) {
	ds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.UID())
	}
	want := []string{OverviewUID, SchedulerUID, MemoryGCUID, PollerUID, OperatorUID}
	if !slices.Equal(got, want) {
		t.Errorf("UIDs: got %v, want %v (UIDs are how links and users find a dashboard: never change one)", got, want)
	}
}
