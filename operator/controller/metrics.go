package controller

import (
	"github.com/prometheus/client_golang/prometheus"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Metrics are the operator's own series, registered on controller-runtime's
// registry so the manager's secure metrics endpoint serves them.
type Metrics struct {
	runs        *prometheus.CounterVec
	durations   *prometheus.HistogramVec
	experiments *prometheus.CounterVec
}

// NewMetrics registers the operator's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runtimelab_operator_runs_total",
			Help: "Runs that reached an outcome, by scenario and outcome (Completed, OOMKilled, Evicted, Error, Deleted).",
		}, []string{"scenario", "outcome"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "runtimelab_operator_run_duration_seconds",
			Help:    "Time from a run's pod creation to its end, by scenario and outcome.",
			Buckets: prometheus.ExponentialBuckets(5, 2, 12), // 5s to about 3h
		}, []string{"scenario", "outcome"}),
		experiments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runtimelab_operator_experiments_finished_total",
			Help: "Experiments that finished, by scenario and condition (Complete or Failed).",
		}, []string{"scenario", "condition"}),
	}
	// Every series exists from the start at zero, so that increase() and
	// rate() see the first run of each outcome (a series born at 1 shows
	// no increase).
	for _, sc := range catalog.Names() {
		for _, o := range labv1.FinalOutcomes {
			m.runs.WithLabelValues(sc, o)
		}
		for _, c := range []string{labv1.ConditionComplete, labv1.ConditionFailed} {
			m.experiments.WithLabelValues(sc, c)
		}
	}
	reg.MustRegister(m.runs, m.durations, m.experiments)
	return m
}

func (m *Metrics) runFinished(scenario, outcome string, seconds float64) {
	if m != nil {
		m.runs.WithLabelValues(scenario, outcome).Inc()
		if seconds > 0 {
			m.durations.WithLabelValues(scenario, outcome).Observe(seconds)
		}
	}
}

func (m *Metrics) experimentFinished(scenario, condition string) {
	if m != nil {
		m.experiments.WithLabelValues(scenario, condition).Inc()
	}
}
