package lint

import (
	"encoding/json"
	"strings"
	"testing"
)

// good is a dashboard that passes every rule; each test case breaks one.
const good = `{
  "uid": "d1", "title": "D1",
  "templating": {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "pyroscope", "type": "datasource", "query": "grafana-pyroscope-datasource"},
    {"name": "job", "type": "query", "refresh": 2, "datasource": {"uid": "$datasource"}, "query": "label_values(up, job)"},
    {"name": "instance", "type": "query", "refresh": 2, "datasource": {"uid": "${datasource}"}, "query": "label_values(up{job=~\"$job\"}, instance)"}
  ]},
  "panels": [
    {"type": "row", "title": "Row", "panels": []},
    {"id": 1, "type": "timeseries", "title": "Rate", "description": "d", "datasource": {"type": "prometheus", "uid": "$datasource"},
     "fieldConfig": {"defaults": {"unit": "ops"}},
     "targets": [{"refId": "A", "expr": "sum(rate(x_total{job=~\"$job\", instance=~\"$instance\"}[$__rate_interval]))"}]},
    {"id": 2, "type": "flamegraph", "title": "Flame", "description": "d", "datasource": {"type": "grafana-pyroscope-datasource", "uid": "$pyroscope"},
     "fieldConfig": {"defaults": {"unit": "ns"}},
     "targets": [{"refId": "A", "profileTypeId": "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "labelSelector": "{service_name=\"a\", job=~\"$job\"}"}]}
  ]
}`

// edit decodes good into a generic map, applies f and re-encodes it.
func edit(t *testing.T, f func(d map[string]any)) *Dashboard {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(good), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func panel(d map[string]any, i int) map[string]any { return d["panels"].([]any)[i].(map[string]any) }
func target(d map[string]any, i int) map[string]any {
	return panel(d, i)["targets"].([]any)[0].(map[string]any)
}
func variable(d map[string]any, i int) map[string]any {
	return d["templating"].(map[string]any)["list"].([]any)[i].(map[string]any)
}

func TestLint(t *testing.T) {
	opts := Options{Scope: map[string][]string{}, PyroscopeScope: []string{"job"}}
	tests := []struct {
		name     string
		edit     func(d map[string]any)
		wantRule string
		wantText string
	}{
		{name: "good", edit: func(map[string]any) {}},
		{name: "no datasource variable", wantRule: RuleDatasourceVar,
			edit: func(d map[string]any) { variable(d, 0)["name"] = "ds" }},
		{name: "no job variable", wantRule: RuleJobVar,
			edit: func(d map[string]any) { variable(d, 2)["name"] = "jobs" }},
		{name: "instance variable on a fixed data source", wantRule: RuleInstanceVar,
			edit: func(d map[string]any) { variable(d, 3)["datasource"] = map[string]any{"uid": "prom-1"} }},
		{name: "variable not refreshed on time change", wantRule: RuleVarRefresh,
			edit: func(d map[string]any) { variable(d, 2)["refresh"] = 1 }},
		{name: "variable query not label_values", wantRule: RuleVarPromQL,
			edit: func(d map[string]any) { variable(d, 2)["query"] = "up" }},
		{name: "variable query bad selector", wantRule: RuleVarPromQL, wantText: "unterminated",
			edit: func(d map[string]any) { variable(d, 2)["query"] = `label_values(up{job="x}, job)` }},
		{name: "panel on a fixed data source", wantRule: RulePanelDatasource,
			edit: func(d map[string]any) { panel(d, 1)["datasource"] = map[string]any{"uid": "prom-1"} }},
		{name: "no description", wantRule: RuleTitleDesc,
			edit: func(d map[string]any) { delete(panel(d, 1), "description") }},
		{name: "no unit", wantRule: RuleUnits,
			edit: func(d map[string]any) { panel(d, 1)["fieldConfig"] = map[string]any{} }},
		{name: "no targets", wantRule: RuleNoTargets,
			edit: func(d map[string]any) { panel(d, 1)["targets"] = []any{} }},
		{name: "duplicate panel title", wantRule: RuleUnique,
			edit: func(d map[string]any) { panel(d, 2)["title"] = "Rate" }},
		{name: "fixed rate window", wantRule: RuleRateInterval, wantText: "rate(x_total[5m])",
			edit: func(d map[string]any) {
				target(d, 1)["expr"] = `sum(rate(x_total{job=~"$job", instance=~"$instance"}[5m]))`
			}},
		{name: "not filtered by instance", wantRule: RuleFiltered, wantText: `instance=~"$instance"`,
			edit: func(d map[string]any) {
				target(d, 1)["expr"] = `sum(rate(x_total{job=~"$job"}[$__rate_interval]))`
			}},
		{name: "filtered by a fixed value", wantRule: RuleFiltered, wantText: `job=~"$job"`,
			edit: func(d map[string]any) {
				target(d, 1)["expr"] = `sum(rate(x_total{job="a", instance=~"$instance"}[$__rate_interval]))`
			}},
		{name: "raw counter", wantRule: RuleCounterAgg, wantText: "counter x_total",
			edit: func(d map[string]any) { target(d, 1)["expr"] = `sum(x_total{job=~"$job", instance=~"$instance"})` }},
		{name: "broken PromQL", wantRule: RulePromQL,
			edit: func(d map[string]any) { target(d, 1)["expr"] = `sum(rate(x_total{job=~"$job"}[$__rate_interval])` }},
		{name: "pyroscope without profile type", wantRule: RulePyroscope,
			edit: func(d map[string]any) { delete(target(d, 2), "profileTypeId") }},
		{name: "pyroscope selector not filtered", wantRule: RulePyroscope, wantText: "job",
			edit: func(d map[string]any) { target(d, 2)["labelSelector"] = `{service_name="a"}` }},
		{name: "pyroscope on a prometheus variable", wantRule: RulePanelDatasource,
			edit: func(d map[string]any) {
				panel(d, 2)["datasource"] = map[string]any{"type": PyroscopeType, "uid": "$datasource"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lint([]*Dashboard{edit(t, tt.edit)}, opts)
			if tt.wantRule == "" {
				if len(got) > 0 {
					t.Fatalf("got problems %v, want none", got)
				}
				return
			}
			for _, p := range got {
				if p.Rule == tt.wantRule && strings.Contains(p.String(), tt.wantText) {
					return
				}
			}
			t.Errorf("got problems %v, want one of rule %s mentioning %q", got, tt.wantRule, tt.wantText)
		})
	}
}

func TestLintUniqueAcrossDashboards(t *testing.T) {
	a := edit(t, func(map[string]any) {})
	b := edit(t, func(d map[string]any) { d["title"] = "D2" })
	got := Lint([]*Dashboard{a, b}, Options{PyroscopeScope: []string{"job"}})
	if len(got) != 1 || got[0].Rule != RuleUnique || !strings.Contains(got[0].Message, `UID "d1"`) {
		t.Errorf("got %v, want one %s problem naming UID d1", got, RuleUnique)
	}
}
