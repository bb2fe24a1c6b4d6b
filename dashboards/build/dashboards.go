package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Dashboard is one built dashboard and the file it is written to.
type Dashboard struct {
	// File is the JSON file's name, e.g. "runtimelab-overview.json".
	File string
	// Scope is the labels every PromQL query filters by, each against the
	// template variable of the same name.
	Scope     []string
	Dashboard dashboard.Dashboard
}

// UID is the dashboard's stable UID.
func (d Dashboard) UID() string { return *d.Dashboard.Uid }

// JSON is the dashboard as Grafana imports it, indented, with a final
// newline; '&' in link URLs stays readable.
func (d Dashboard) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d.Dashboard); err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.UID(), err)
	}
	return buf.Bytes(), nil
}

// All builds every runtime-lab dashboard.
func All() ([]Dashboard, error) {
	defs := []struct {
		scope scope
		build func() *dashboard.DashboardBuilder
	}{
		{workloadScope, overview},
		{workloadScope, scheduler},
		{workloadScope, memoryGC},
		{workloadScope, pollerTimersStacks},
		{operatorScope, operator},
	}
	out := make([]Dashboard, 0, len(defs))
	for _, def := range defs {
		d, err := def.build().Build()
		if err != nil {
			return nil, fmt.Errorf("build dashboard: %w", err)
		}
		numberPanels(d.Panels)
		out = append(out, Dashboard{File: *d.Uid + ".json", Scope: def.scope, Dashboard: d})
	}
	return out, nil
}

// numberPanels gives rows and panels stable IDs in layout order.
func numberPanels(ps []dashboard.PanelOrRowPanel) {
	id := uint32(0)
	for _, p := range ps {
		id++
		if p.Panel != nil {
			p.Panel.Id = new(id)
			continue
		}
		p.RowPanel.Id = id
		for i := range p.RowPanel.Panels {
			id++
			p.RowPanel.Panels[i].Id = new(id)
		}
	}
}
