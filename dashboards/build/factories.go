package build

//lint:file-ignore SA1019 the classic dashboard schema (v1) is what Grafana's JSON import and the kube-prometheus-stack sidecar load on every Grafana version; v2 needs Grafana 12 with dynamic dashboards.

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/grafanapyroscope"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Data source plugin types and the variables that pick an instance.
const (
	prometheusType = "prometheus"
	pyroscopeType  = "grafana-pyroscope-datasource"
	promVar        = "datasource"
	pyroVar        = "pyroscope"
	// allValue is what a variable set to All becomes in a =~ matcher.
	allValue = ".+"
)

// Tag is on every runtime-lab dashboard; the dashboards' links list the
// others by it.
const Tag = "runtimelab"

// PyroscopeService is the service_name Pyroscope gives the workloads'
// profiles: pyroscope-go's application name (workloads/telemetry).
const PyroscopeService = "runtimelab.workload"

func ref(typ, variable string) common.DataSourceRef {
	uid := "${" + variable + "}"
	return common.DataSourceRef{Type: &typ, Uid: &uid}
}

func promRef() common.DataSourceRef { return ref(prometheusType, promVar) }

// scope is the labels a dashboard's queries filter by, each against the
// template variable of the same name.
type scope []string

var (
	// workloadScope: workload pods, labelled by the PodMonitor's
	// relabelling and by the workload itself (experiment, variant).
	workloadScope = scope{"namespace", "experiment", "variant", "job", "instance"}
	// operatorScope: the operator's metrics endpoint.
	operatorScope = scope{"namespace", "job", "instance"}
)

// sel returns metric{scope matchers, extra...}; metric may be "" when an
// extra matcher names it (__name__=~...).
func (s scope) sel(metric string, extra ...string) string {
	ms := append([]string(nil), extra...)
	for _, l := range s {
		ms = append(ms, fmt.Sprintf(`%s=~"$%s"`, l, l))
	}
	return metric + "{" + strings.Join(ms, ", ") + "}"
}

// rate is rate(sel[$__rate_interval]).
func (s scope) rate(metric string, extra ...string) string {
	return "rate(" + s.sel(metric, extra...) + "[$__rate_interval])"
}

// quantile is the q-quantile of a histogram by the given labels.
func (s scope) quantile(q float64, by, histogram string, extra ...string) string {
	return fmt.Sprintf("histogram_quantile(%g, sum by (%s, le) (%s))", q, by, s.rate(histogram+"_bucket", extra...))
}

// runInfo is on every workload, one series per run.
var runInfo = source{metric: "runtimelab_run_info"}

// source is the series a dashboard's variables list label values from.
type source struct {
	metric string
	extra  []string // fixed matchers
}

// variables returns the dashboard's query variables, each filtered by the
// ones before it, listed from the series of src.
func (s scope) variables(src source) []cog.Builder[dashboard.VariableModel] {
	var out []cog.Builder[dashboard.VariableModel]
	for i, l := range s {
		filter := s[:i].sel(src.metric, src.extra...)
		out = append(out, dashboard.NewQueryVariableBuilder(l).
			Label(strings.ToUpper(l[:1])+l[1:]).
			Description(fmt.Sprintf("The %s label of the series; All matches any.", l)).
			Query(dashboard.StringOrMap{String: cog.ToPtr(fmt.Sprintf("label_values(%s, %s)", filter, l))}).
			Datasource(promRef()).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).
			IncludeAll(true).
			AllValue(allValue).
			Current(dashboard.VariableOption{
				Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
				Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
			}))
	}
	return out
}

func datasourceVariable(name, label, typ string) *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder(name).Label(label).Type(typ).Multi(false)
}

// newDashboard starts a dashboard with runtime-lab's common settings and
// its variables.
func newDashboard(uid, title, description string, s scope, src source, profiles bool) *dashboard.DashboardBuilder {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{Tag}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Link(dashboard.NewDashboardLinkBuilder("runtime-lab dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{Tag}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		WithVariable(datasourceVariable(promVar, "Prometheus", prometheusType))
	if profiles {
		b = b.WithVariable(datasourceVariable(pyroVar, "Pyroscope", pyroscopeType))
	}
	for _, v := range s.variables(src) {
		b = b.WithVariable(v)
	}
	return b
}

// q is one PromQL target.
type q struct{ expr, legend string }

// promTargets builds a panel's PromQL targets, named A, B, C...
func promTargets(qs []q) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], len(qs))
	for i, x := range qs {
		out[i] = prometheus.NewDataqueryBuilder().
			Expr(x.expr).
			LegendFormat(x.legend).
			Range().
			RefId(string(rune('A' + i))).
			Datasource(promRef())
	}
	return out
}

// timeSeries is a panel of PromQL series over time.
func timeSeries(title, description, unit string, qs ...q) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit(unit).
		Datasource(promRef()).
		Targets(promTargets(qs)).
		Span(12).
		Height(8).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// statPanel shows one figure per series, reduced over the time range.
func statPanel(title, description, unit, calc string, qs ...q) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit(unit).
		Datasource(promRef()).
		Targets(promTargets(qs)).
		Span(6).
		Height(8).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{calc})).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeNone)
}

// Pyroscope profile types (Pyroscope's profile type IDs).
const (
	profileCPU        = "process_cpu:cpu:nanoseconds:cpu:nanoseconds"
	profileAllocSpace = "memory:alloc_space:bytes:space:bytes"
	profileGoroutines = "goroutine:goroutine:count:goroutine:count"
)

// ProfileSelector is the Pyroscope label selector of every flame graph:
// the workloads' service, narrowed to the chosen experiment and variants
// (labels pyroscope-go pushes with every profile).
var ProfileSelector = fmt.Sprintf(`{service_name=%q, experiment=~"$experiment", variant=~"$variant"}`, PyroscopeService)

// flameGraph is a Pyroscope flame graph of one profile type.
func flameGraph(title, description, profileType, unit string) *dashboard.PanelBuilder {
	return dashboard.NewPanelBuilder().
		Type("flamegraph").
		Title(title).
		Description(description).
		Unit(unit).
		Datasource(ref(pyroscopeType, pyroVar)).
		WithTarget(grafanapyroscope.NewDataqueryBuilder().
			RefId("A").
			QueryType("profile").
			ProfileTypeId(profileType).
			LabelSelector(ProfileSelector).
			GroupBy([]string{}).
			Datasource(ref(pyroscopeType, pyroVar))).
		Span(12).
		Height(12)
}

// variantLink narrows a dashboard to the variant of the series clicked,
// keeping the other variables and the time range.
func variantLink(title, uid string) cog.Builder[dashboard.DashboardLink] {
	return dashboard.NewDashboardLinkBuilder(title).
		Url("/d/" + uid + "?${__url_time_range}&${datasource:queryparam}&${pyroscope:queryparam}" +
			"&${namespace:queryparam}&${experiment:queryparam}&var-variant=${__field.labels.variant}").
		Type(dashboard.DashboardLinkTypeLink)
}

func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }
