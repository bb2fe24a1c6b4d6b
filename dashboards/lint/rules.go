package lint

import (
	"fmt"
	"regexp"
	"strings"
)

// Problem is one rule a dashboard breaks.
type Problem struct {
	Rule      string
	Dashboard string // UID
	Panel     string // title, "" for dashboard-wide problems
	Message   string
}

func (p Problem) String() string {
	where := p.Dashboard
	if p.Panel != "" {
		where += " / " + p.Panel
	}
	return fmt.Sprintf("%s: %s: %s", p.Rule, where, p.Message)
}

// Rule names, as dashboard-linter spells the ones it also has.
const (
	RuleDatasourceVar   = "template-datasource-rule"
	RuleJobVar          = "template-job-rule"
	RuleInstanceVar     = "template-instance-rule"
	RuleVarRefresh      = "template-on-time-change-reload-rule"
	RuleVarPromQL       = "template-label-promql-rule"
	RulePanelDatasource = "panel-datasource-rule"
	RuleTitleDesc       = "panel-title-description-rule"
	RuleUnits           = "panel-units-rule"
	RuleNoTargets       = "panel-no-targets-rule"
	RulePromQL          = "target-promql-rule"
	RuleRateInterval    = "target-rate-interval-rule"
	RuleFiltered        = "target-filtered-by-variables-rule"
	RuleCounterAgg      = "target-counter-agg-rule"
	RulePyroscope       = "target-pyroscope-rule"
	RuleUnique          = "uniqueness-rule"
)

// Options say which template variables every query must be filtered by:
// each listed label must be matched against the variable of the same name.
type Options struct {
	// Scope maps a dashboard UID to the labels its PromQL selectors must
	// match on; a dashboard missing here needs job and instance.
	Scope map[string][]string
	// PyroscopeScope lists the labels every Pyroscope selector must match.
	PyroscopeScope []string
}

// Lint checks a set of dashboards that are installed together.
func Lint(ds []*Dashboard, o Options) []Problem {
	var out []Problem
	uids, titles := map[string]bool{}, map[string]bool{}
	for _, d := range ds {
		if d.UID == "" || uids[d.UID] {
			out = append(out, Problem{RuleUnique, d.UID, "", fmt.Sprintf("dashboard %q: UID %q is empty or used twice", d.Title, d.UID)})
		}
		if d.Title == "" || titles[d.Title] {
			out = append(out, Problem{RuleUnique, d.UID, "", fmt.Sprintf("title %q is empty or used twice", d.Title)})
		}
		uids[d.UID], titles[d.Title] = true, true
		scope, ok := o.Scope[d.UID]
		if !ok {
			scope = []string{"job", "instance"}
		}
		out = append(out, lintDashboard(d, scope, o.PyroscopeScope)...)
	}
	return out
}

func lintDashboard(d *Dashboard, scope, pyroScope []string) []Problem {
	var out []Problem
	add := func(rule, panel, format string, a ...any) {
		out = append(out, Problem{rule, d.UID, panel, fmt.Sprintf(format, a...)})
	}
	out = append(out, lintVariables(d)...)
	ids, titles := map[int]bool{}, map[string]bool{}
	for _, p := range d.AllPanels() {
		if p.Title == "" || p.Description == "" {
			add(RuleTitleDesc, p.Title, "panel %d needs a title and a description", p.ID)
		}
		if ids[p.ID] || titles[p.Title] {
			add(RuleUnique, p.Title, "panel id %d or title used twice in the dashboard", p.ID)
		}
		ids[p.ID], titles[p.Title] = true, true
		if p.FieldConfig.Defaults.Unit == "" {
			add(RuleUnits, p.Title, "set a unit (fieldConfig.defaults.unit)")
		}
		if len(p.Targets) == 0 {
			add(RuleNoTargets, p.Title, "the panel has no query")
			continue
		}
		for _, t := range p.Targets {
			switch {
			case t.IsPyroscope():
				out = append(out, lintPyroscope(d, p, t, pyroScope)...)
			case t.IsPrometheus():
				out = append(out, lintPromQL(d, p, t, scope)...)
			default:
				add(RulePromQL, p.Title, "target %s has neither a PromQL expr nor a Pyroscope profile type", t.RefID)
			}
		}
	}
	return out
}

var labelValues = regexp.MustCompile(`^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

func lintVariables(d *Dashboard) []Problem {
	var out []Problem
	add := func(rule, format string, a ...any) {
		out = append(out, Problem{rule, d.UID, "", fmt.Sprintf(format, a...)})
	}
	ds, ok := d.Variable("datasource")
	if !ok || ds.Type != "datasource" || ds.QueryString() != PrometheusType {
		add(RuleDatasourceVar, "add a template variable named datasource of type datasource for %s", PrometheusType)
	}
	for _, name := range []string{"job", "instance"} {
		v, ok := d.Variable(name)
		rule := map[string]string{"job": RuleJobVar, "instance": RuleInstanceVar}[name]
		if !ok || v.Type != "query" || v.Datasource == nil || varName(v.Datasource.UID) != "datasource" {
			add(rule, "add a query variable named %s on the $datasource data source", name)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		if v.Refresh != 2 {
			add(RuleVarRefresh, "variable %s: refresh must be 2 (on time range change), got %d", v.Name, v.Refresh)
		}
		m := labelValues.FindStringSubmatch(v.QueryString())
		if m == nil {
			add(RuleVarPromQL, "variable %s: query %q is not label_values(SELECTOR, LABEL)", v.Name, v.QueryString())
			continue
		}
		if _, err := Selectors(m[1]); err != nil {
			add(RuleVarPromQL, "variable %s: %v", v.Name, err)
		}
	}
	return out
}

// rateFuncs must use $__rate_interval, which Grafana keeps at least four
// scrape intervals long.
var rateFuncs = map[string]bool{"rate": true, "irate": true}

// rangeFuncs turn a counter into something meaningful.
var rangeFuncs = map[string]bool{"rate": true, "irate": true, "increase": true, "changes": true, "resets": true}

func isCounter(name string) bool {
	for _, s := range []string{"_total", "_count", "_sum", "_bucket"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

func lintPromQL(d *Dashboard, p Panel, t Target, scope []string) []Problem {
	var out []Problem
	add := func(rule, format string, a ...any) {
		out = append(out, Problem{rule, d.UID, p.Title, fmt.Sprintf("target %s: ", t.RefID) + fmt.Sprintf(format, a...)})
	}
	if ds := datasourceOf(p, t); ds == nil || varName(ds.UID) != "datasource" {
		add(RulePanelDatasource, "use the $datasource variable as data source")
	}
	sels, err := Selectors(t.Expr)
	if err != nil {
		add(RulePromQL, "%v", err)
		return out
	}
	if len(sels) == 0 {
		add(RulePromQL, "no series selector in %q", t.Expr)
	}
	for _, s := range sels {
		what := s.Name()
		if what == "" {
			what = "{...}"
		}
		if rateFuncs[s.Func] && s.Range != "$__rate_interval" {
			add(RuleRateInterval, "%s(%s[%s]): use [$__rate_interval]", s.Func, what, s.Range)
		}
		if isCounter(s.Name()) && (s.Range == "" || !rangeFuncs[s.Func]) {
			add(RuleCounterAgg, "counter %s must be under rate, irate, increase or changes", what)
		}
		for _, label := range scope {
			m, ok := s.Matcher(label)
			if !ok || (m.Op != "=~" && m.Op != "=") || varName(m.Value) != label {
				add(RuleFiltered, "%s: filter with %s=~\"$%s\"", what, label, label)
			}
		}
	}
	return out
}

func lintPyroscope(d *Dashboard, p Panel, t Target, scope []string) []Problem {
	var out []Problem
	add := func(rule, format string, a ...any) {
		out = append(out, Problem{rule, d.UID, p.Title, fmt.Sprintf("target %s: ", t.RefID) + fmt.Sprintf(format, a...)})
	}
	ds := datasourceOf(p, t)
	if ds == nil || ds.Type != PyroscopeType || varName(ds.UID) == "" {
		add(RulePanelDatasource, "use a %s data source variable", PyroscopeType)
	} else if v, ok := d.Variable(varName(ds.UID)); !ok || v.Type != "datasource" || v.QueryString() != PyroscopeType {
		add(RulePanelDatasource, "variable %s must be a data source variable of type %s", varName(ds.UID), PyroscopeType)
	}
	if t.ProfileTypeID == "" {
		add(RulePyroscope, "set a profile type")
	}
	sels, err := Selectors(t.LabelSelector)
	if err != nil || len(sels) != 1 {
		add(RulePyroscope, "label selector %q must be one {...} selector (%v)", t.LabelSelector, err)
		return out
	}
	for _, label := range scope {
		if m, ok := sels[0].Matcher(label); !ok || varName(m.Value) != label {
			add(RulePyroscope, "label selector: filter with %s=~\"$%s\"", label, label)
		}
	}
	return out
}

// datasourceOf is the target's data source, or the panel's.
func datasourceOf(p Panel, t Target) *DataSourceRef {
	if t.Datasource != nil {
		return t.Datasource
	}
	return p.Datasource
}
