package telemetry

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// Labels identify a run on every series it exports. They come from the
// executor, one value per run, so cardinality stays bounded.
type Labels struct {
	Scenario, Experiment, Variant, Run string
}

func (l Labels) prom() prometheus.Labels {
	out := prometheus.Labels{"scenario": l.Scenario}
	for k, v := range map[string]string{"experiment": l.Experiment, "variant": l.Variant, "run": l.Run} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

var nonMetricChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// MetricName returns runtimelab_<subsystem>_<what>, with characters that
// a metric name cannot hold replaced by '_'.
func MetricName(subsystem, what string) string {
	return "runtimelab_" + nonMetricChars.ReplaceAllString(subsystem, "_") + "_" +
		nonMetricChars.ReplaceAllString(what, "_")
}

// Forwarder is a workload that observes another process (the app
// scenario's load generator observing your service): its telemetry serves
// that process's Go runtime and process series, read from its own metrics
// endpoint at each scrape, in place of this process's, and that process's
// cgroup, so that the dashboards show the service, not its load generator.
type Forwarder interface {
	// ForwardedFamilies are the observed process's go_* and process_*
	// families as it serves them now.
	ForwardedFamilies() ([]*dto.MetricFamily, error)
	// ObservedCgroup is the observed process's cgroup; nil when this
	// process cannot read it.
	ObservedCgroup() *cgroup.Reader
}

// NewRegistry builds the gatherer of one run's telemetry. measuring
// reports whether the run is in its measured window. With fwd, the Go
// runtime and process series are the observed process's (Forwarder) and
// cg should be its cgroup.
func NewRegistry(l Labels, m *scenario.Meter, cg *cgroup.Reader, settings result.Settings, measuring func() bool, fwd Forwarder) prometheus.Gatherer {
	reg := prometheus.NewRegistry()
	r := prometheus.WrapRegistererWith(l.prom(), reg)
	r.MustRegister(collectors.NewBuildInfoCollector())
	if fwd == nil {
		r.MustRegister(
			collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
	}
	r.MustRegister(meterCollector{scenario: l.Scenario, m: m})
	r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "runtimelab_run_measuring",
		Help: "1 while the run is in its measured window, 0 during preparation, warmup and shutdown.",
	}, func() float64 {
		if measuring() {
			return 1
		}
		return 0
	}))
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "runtimelab_run_info",
		Help: "The Go runtime settings of the run, as labels; always 1.",
		ConstLabels: prometheus.Labels{
			"go_version": settings.GoVersion,
			"gomaxprocs": strconv.Itoa(settings.GOMAXPROCS),
			"gogc":       strconv.Itoa(settings.GOGC),
			"gomemlimit": strconv.FormatInt(settings.GOMEMLIMIT, 10),
		},
	})
	info.Set(1)
	r.MustRegister(info)
	if cg != nil {
		r.MustRegister(newCgroupCollector(cg), newHierarchyCollector(cg))
	}
	if fwd == nil {
		return reg
	}
	return prometheus.Gatherers{reg, forwarded{fwd: fwd, labels: l.prom()}}
}

// forwarded gathers a Forwarder's families with the run's labels added,
// as the run's own series carry them.
type forwarded struct {
	fwd    Forwarder
	labels prometheus.Labels
}

func (f forwarded) Gather() ([]*dto.MetricFamily, error) {
	fams, err := f.fwd.ForwardedFamilies()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(f.labels))
	for k := range f.labels {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, fam := range fams {
		for _, m := range fam.Metric {
			m.Label = slices.DeleteFunc(m.Label, func(lp *dto.LabelPair) bool { _, ok := f.labels[lp.GetName()]; return ok })
			for _, k := range names {
				m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(k), Value: proto.String(f.labels[k])})
			}
			slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
		}
	}
	return fams, nil
}

// meterCollector exports a Meter's counters. Scenarios register counters
// when they start running, after the registry exists, so it is an
// unchecked collector that lists them at scrape time.
type meterCollector struct {
	scenario string
	m        *scenario.Meter
}

func (meterCollector) Describe(chan<- *prometheus.Desc) {}

func (c meterCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range c.m.Counters() {
		desc := prometheus.NewDesc(MetricName(c.scenario, d.Name)+"_total", d.Help, nil, nil)
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(d.Value()))
	}
	collectLatencies(c.scenario, c.m.Latencies(), ch)
}
