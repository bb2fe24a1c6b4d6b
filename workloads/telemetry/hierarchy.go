package telemetry

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
)

// hierarchyCollector exports the cgroups above the run's own that it can
// see (cgroup.Reader.Path), each of cgroupMetrics as
// runtimelab_cgroup_level_* with an "up" label (1 for the parent) and the
// cgroup's name, and the effective limits: the tightest on the whole path.
// A level that cannot be read is left out of that scrape, not an error:
// a parent the workload may not read must not fail /metrics.
type hierarchyCollector struct {
	path      []*cgroup.Reader // own first
	names     []string         // cgroup.LevelName of each
	levels    map[string]*prometheus.Desc
	effCPU    *prometheus.Desc
	effMemory *prometheus.Desc
}

func newHierarchyCollector(cg *cgroup.Reader) *hierarchyCollector {
	c := &hierarchyCollector{path: cg.Path(), levels: map[string]*prometheus.Desc{}}
	for i := range c.path {
		c.names = append(c.names, cgroup.LevelName(c.path, i))
	}
	for _, m := range cgroupMetrics {
		c.levels[m.name] = prometheus.NewDesc("runtimelab_cgroup_level_"+m.name,
			m.help+" One series per cgroup above the run's own (up=1 is its parent), as far up as it can see.", []string{"up", "cgroup"}, nil)
	}
	c.effCPU = prometheus.NewDesc("runtimelab_cgroup_effective_cpu_limit_cores",
		"The tightest CPU quota on the path from the run's cgroup up, in cores; absent when none. The Go runtime sizes GOMAXPROCS from its own cgroup's only.", []string{"up"}, nil)
	c.effMemory = prometheus.NewDesc("runtimelab_cgroup_effective_memory_limit_bytes",
		"The tightest memory limit on the path from the run's cgroup up; absent when none.", []string{"up"}, nil)
	return c
}

func (c *hierarchyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.levels {
		ch <- d
	}
	ch <- c.effCPU
	ch <- c.effMemory
}

func (c *hierarchyCollector) Collect(ch chan<- prometheus.Metric) {
	cpu, mem := -1.0, -1.0
	cpuUp, memUp := 0, 0
	for i, r := range c.path {
		s, err := r.Read()
		if err != nil {
			continue
		}
		// A tie goes up, as in the summary (result.Hierarchy): where a
		// pod's limit is copied into its container, the pod's binds.
		if s.HasCPU && s.CPUQuotaMicros > 0 && s.CPUPeriodMicros > 0 {
			if l := float64(s.CPUQuotaMicros) / float64(s.CPUPeriodMicros); cpu < 0 || l <= cpu {
				cpu, cpuUp = l, i
			}
		}
		if s.HasMemory && s.MemoryLimitBytes > 0 {
			if l := float64(s.MemoryLimitBytes); mem < 0 || l <= mem {
				mem, memUp = l, i
			}
		}
		if i == 0 {
			continue // the own cgroup is runtimelab_cgroup_*
		}
		emitCgroup(ch, s, c.levels, strconv.Itoa(i), c.names[i])
	}
	if cpu > 0 {
		ch <- prometheus.MustNewConstMetric(c.effCPU, prometheus.GaugeValue, cpu, strconv.Itoa(cpuUp))
	}
	if mem > 0 {
		ch <- prometheus.MustNewConstMetric(c.effMemory, prometheus.GaugeValue, mem, strconv.Itoa(memUp))
	}
}
