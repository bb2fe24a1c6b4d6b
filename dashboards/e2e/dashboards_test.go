package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/dashboards/lint"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

// loadDashboards reads the committed JSON, what users import.
func loadDashboards(t *testing.T) []*lint.Dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "dashboards", "json", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("dashboards/json: got %d files (%v), want the generated dashboards", len(files), err)
	}
	var out []*lint.Dashboard
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := lint.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, d)
	}
	return out
}

var varRef = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)`)

// substitute does what Grafana does to a query before sending it: template
// variables become their values (multi-value and All become regexes, as in
// a =~ matcher) and the interval variables become durations.
func substitute(expr string, values map[string]string) (string, error) {
	var missing []string
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if v, ok := values[name]; ok {
			return v
		}
		missing = append(missing, name)
		return ref
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for $%s", strings.Join(missing, ", $"))
	}
	return out, nil
}

// variableValues are the values a user looking at the lab would pick:
// the lab's namespace and experiment (or the operator's namespace), All
// for the rest.
func variableValues(d *lint.Dashboard, window time.Duration) map[string]string {
	v := map[string]string{
		"__rate_interval": (4*scrapeInterval + time.Second).String(), // Grafana: max(4 × scrape interval, interval + scrape interval)
		"__interval":      scrapeInterval.String(),
		"__range":         fmt.Sprintf("%ds", int(window.Seconds())),
	}
	for _, tv := range d.Templating.List {
		if tv.Type == "query" {
			v[tv.Name] = tv.AllValue
		}
	}
	if _, ok := d.Variable("experiment"); ok {
		v["namespace"], v["experiment"] = labNamespace, labExperiment
	} else {
		v["namespace"] = operatorNamespace
	}
	return v
}

// needsLimits reports whether a query reads figures that exist only for a
// container with a CPU quota or a memory limit.
func needsLimits(expr string) bool {
	for _, m := range []string{"runtimelab_cgroup_memory_limit_bytes", "runtimelab_cgroup_cpu_limit_cores", "runtimelab_cgroup_cpu_periods_total",
		"runtimelab_cgroup_effective_", "runtimelab_cgroup_level_"} {
		if strings.Contains(expr, m) {
			return true
		}
	}
	return false
}

var labelValuesQuery = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

// TestDashboardQueriesReturnData runs every PromQL query of every panel,
// template variables substituted, against a real Prometheus scraping real
// workloads and the operator: a query that returns nothing fails with the
// dashboard's and panel's titles.
func TestDashboardQueriesReturnData(t *testing.T) {
	l := getLab(t)
	if l.prom == nil {
		t.Fatalf("no Prometheus binary could be built: %v", l.promErr)
	}
	if !l.sandboxed {
		t.Logf("no cgroups here (%s): queries on CPU quotas and memory limits may be empty and are then reported, not failed", l.sandboxWhy)
	}
	waitScraped(t, l)
	ds := loadDashboards(t)
	end := time.Now()
	start := l.start
	total := 0
	for _, d := range ds {
		values := variableValues(d, end.Sub(start))
		checkVariables(t, l, d, values, start, end)
		proven, unproven := 0, 0
		for _, p := range d.AllPanels() {
			for _, tg := range p.Targets {
				if !tg.IsPrometheus() {
					continue // flame graphs: TestFlameGraphSelectorsMatchPushedProfiles
				}
				expr, err := substitute(tg.Expr, values)
				if err != nil {
					t.Errorf("%s / %s / %s: %v", d.Title, p.Title, tg.RefID, err)
					continue
				}
				got, err := l.prom.queryRange(expr, start, end, scrapeInterval)
				switch {
				case err != nil:
					t.Errorf("%s / %s / %s: %v", d.Title, p.Title, tg.RefID, err)
				case len(got) == 0 && needsLimits(expr) && !l.sandboxed:
					unproven++
					t.Logf("%s / %s / %s: no data without cgroup limits (not proven here)", d.Title, p.Title, tg.RefID)
				case len(got) == 0:
					t.Errorf("dashboard %q, panel %q, query %s returned no data: %s", d.Title, p.Title, tg.RefID, expr)
				default:
					proven++
				}
			}
		}
		total += proven
		t.Logf("%s: %d panels, %d PromQL queries returned data against Prometheus (%d unproven)", d.Title, len(d.AllPanels()), proven, unproven)
	}
	t.Logf("total: %d PromQL queries returned data", total)
}

// checkVariables lists each query variable's values as Grafana would and
// checks the lab's own values are among them.
func checkVariables(t *testing.T, l *lab, d *lint.Dashboard, values map[string]string, start, end time.Time) {
	t.Helper()
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValuesQuery.FindStringSubmatch(v.QueryString())
		if m == nil {
			t.Errorf("%s: variable %s: query %q is not label_values(...)", d.Title, v.Name, v.QueryString())
			continue
		}
		match, err := substitute(m[1], values)
		if err != nil {
			t.Errorf("%s: variable %s: %v", d.Title, v.Name, err)
			continue
		}
		got, err := l.prom.labelValues(m[2], match, start, end)
		if err != nil {
			t.Errorf("%s: variable %s: %v", d.Title, v.Name, err)
			continue
		}
		want := ""
		switch v.Name {
		case "namespace", "experiment":
			want = values[v.Name]
		case "job":
			want = map[bool]string{true: workloadJob, false: operatorJob}[values["namespace"] == labNamespace]
		}
		if len(got) == 0 || (want != "" && !slices.Contains(got, want)) {
			t.Errorf("%s: variable %s lists %v, want values including %q", d.Title, v.Name, got, want)
		}
	}
}

// waitScraped waits until every target is up, the sample Experiment's runs
// are finished and every workload has been scraped for a while.
func waitScraped(t *testing.T, l *lab) {
	t.Helper()
	want := len(l.workloads) + 1
	deadline := time.Now().Add(60 * time.Second)
	for {
		up, errs, err := l.prom.targetsUp()
		if err == nil && up == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("targets up: got %d, want %d (%v %v)", up, want, errs, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	l.waitRuns(t)
	// Rates and quantiles need a few scrapes after the runs finished.
	if wait := 25*time.Second - time.Since(l.start); wait > 0 {
		time.Sleep(wait)
	}
	time.Sleep(6 * scrapeInterval)
}

// waitRuns waits until the sample Experiment's runs are finished (and the
// operator has counted them), and leaves the outcome for the next caller.
func (l *lab) waitRuns(t *testing.T) {
	t.Helper()
	err := <-l.runsDone
	l.runsDone <- err
	if err != nil {
		t.Fatalf("finish the sample Experiment's runs: %v", err)
	}
}
