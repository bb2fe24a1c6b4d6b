package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// cgroupCollector reads the cgroup files on each scrape, so the series are
// the kernel's own figures at scrape time, not a copy of the last sample.
type cgroupCollector struct {
	cg    *cgroup.Reader
	descs map[string]*prometheus.Desc
}

type cgroupMetric struct {
	name, help string
	counter    bool
	value      func(s cgroup.Stats) (float64, bool)
}

var cgroupMetrics = []cgroupMetric{
	{"cpu_usage_seconds_total", "CPU time the cgroup used.", true,
		func(s cgroup.Stats) (float64, bool) { return float64(s.CPUUsageNanos) / 1e9, s.HasCPU }},
	{"cpu_periods_total", "CFS enforcement periods that elapsed while the cgroup was runnable.", true,
		func(s cgroup.Stats) (float64, bool) { return float64(s.Periods), s.HasCPU }},
	{"cpu_throttled_periods_total", "CFS periods in which the cgroup hit its quota and was throttled.", true,
		func(s cgroup.Stats) (float64, bool) { return float64(s.ThrottledPeriods), s.HasCPU }},
	{"cpu_throttled_seconds_total", "Total time the cgroup's threads were throttled.", true,
		func(s cgroup.Stats) (float64, bool) { return float64(s.ThrottledNanos) / 1e9, s.HasCPU }},
	{"cpu_limit_cores", "CPU quota divided by period; absent when unlimited.", false,
		func(s cgroup.Stats) (float64, bool) {
			ok := s.HasCPU && s.CPUQuotaMicros > 0 && s.CPUPeriodMicros > 0
			return float64(s.CPUQuotaMicros) / float64(max(s.CPUPeriodMicros, 1)), ok
		}},
	{"memory_limit_bytes", "Memory limit of the cgroup; absent when unlimited.", false,
		func(s cgroup.Stats) (float64, bool) {
			return float64(s.MemoryLimitBytes), s.HasMemory && s.MemoryLimitBytes > 0
		}},
	{"memory_usage_bytes", "Memory the cgroup uses now, page cache included.", false,
		func(s cgroup.Stats) (float64, bool) { return float64(s.MemoryUsageBytes), s.HasMemory }},
	{"memory_peak_bytes", "Highest memory usage the kernel recorded for the cgroup.", false,
		func(s cgroup.Stats) (float64, bool) {
			return float64(s.MemoryPeakBytes), s.HasMemory && s.MemoryPeakBytes > 0
		}},
	{"memory_oom_kills_total", "Processes the kernel OOM-killed in the cgroup.", true,
		func(s cgroup.Stats) (float64, bool) { return float64(s.OOMKills), s.HasMemory }},
}

func newCgroupCollector(cg *cgroup.Reader) *cgroupCollector {
	c := &cgroupCollector{cg: cg, descs: map[string]*prometheus.Desc{}}
	for _, m := range cgroupMetrics {
		c.descs[m.name] = prometheus.NewDesc("runtimelab_cgroup_"+m.name, m.help, nil, nil)
	}
	return c
}

func (c *cgroupCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *cgroupCollector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.cg.Read()
	if err != nil {
		for _, d := range c.descs {
			ch <- prometheus.NewInvalidMetric(d, err)
			return
		}
	}
	emitCgroup(ch, s, c.descs)
}

// emitCgroup sends each of cgroupMetrics that s has, with descs' series
// and the label values given.
func emitCgroup(ch chan<- prometheus.Metric, s cgroup.Stats, descs map[string]*prometheus.Desc, labels ...string) {
	for _, m := range cgroupMetrics {
		v, ok := m.value(s)
		if !ok {
			continue
		}
		typ := prometheus.GaugeValue
		if m.counter {
			typ = prometheus.CounterValue
		}
		ch <- prometheus.MustNewConstMetric(descs[m.name], typ, v, labels...)
	}
}
