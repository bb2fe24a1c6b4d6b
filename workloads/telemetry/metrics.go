package telemetry

import (
	"regexp"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

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

// NewRegistry builds the private registry of one run. measuring reports
// whether the run is in its measured window.
func NewRegistry(l Labels, m *scenario.Meter, cg *cgroup.Reader, settings result.Settings, measuring func() bool) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	r := prometheus.WrapRegistererWith(l.prom(), reg)
	r.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
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
	return reg
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
