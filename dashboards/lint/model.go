package lint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Dashboard is the part of a Grafana dashboard JSON model the rules and
// the end-to-end tests read.
type Dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

// Variable is a template variable.
type Variable struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Query      any            `json:"query"`
	Datasource *DataSourceRef `json:"datasource"`
	Refresh    int            `json:"refresh"`
	IncludeAll bool           `json:"includeAll"`
	AllValue   string         `json:"allValue"`
}

// QueryString is the variable's query when it is a string (a data source
// variable's plugin type, or a query variable's label_values(...)).
func (v Variable) QueryString() string {
	s, _ := v.Query.(string)
	return s
}

// DataSourceRef points at a data source, usually through a variable.
type DataSourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Panel is a panel or a row; a collapsed row holds its panels.
type Panel struct {
	ID          int            `json:"id"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Datasource  *DataSourceRef `json:"datasource"`
	Targets     []Target       `json:"targets"`
	Panels      []Panel        `json:"panels"`
	FieldConfig struct {
		Defaults struct {
			Unit  string `json:"unit"`
			Links []struct {
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"links"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

// Target is one query of a panel: PromQL (Expr) or Pyroscope
// (LabelSelector and ProfileTypeID).
type Target struct {
	RefID         string         `json:"refId"`
	Expr          string         `json:"expr"`
	LegendFormat  string         `json:"legendFormat"`
	LabelSelector string         `json:"labelSelector"`
	ProfileTypeID string         `json:"profileTypeId"`
	Datasource    *DataSourceRef `json:"datasource"`
}

// Parse decodes a dashboard's JSON.
func Parse(b []byte) (*Dashboard, error) {
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decode dashboard JSON: %w", err)
	}
	return &d, nil
}

// AllPanels returns every panel that is not a row, rows' panels included,
// in order.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func(ps []Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

// Variable returns the template variable named name.
func (d *Dashboard) Variable(name string) (Variable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// IsPrometheus reports whether the target is a PromQL query.
func (t Target) IsPrometheus() bool { return t.Expr != "" }

// IsPyroscope reports whether the target is a Pyroscope profile query.
func (t Target) IsPyroscope() bool {
	return t.ProfileTypeID != "" || t.LabelSelector != "" || (t.Datasource != nil && t.Datasource.Type == PyroscopeType)
}

// Data source plugin types.
const (
	PrometheusType = "prometheus"
	PyroscopeType  = "grafana-pyroscope-datasource"
)

// varName returns the variable a data source UID or a matcher value
// refers to ("$x" or "${x}"), or "".
func varName(s string) string {
	switch {
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"):
		return s[2 : len(s)-1]
	case strings.HasPrefix(s, "$") && !strings.ContainsAny(s[1:], "${}|()"):
		return s[1:]
	}
	return ""
}
