package controller

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the operator's own series, registered on controller-runtime's
// registry so the manager's secure metrics endpoint serves them.
type Metrics struct {
	runs        *prometheus.CounterVec
	experiments *prometheus.CounterVec
}

// NewMetrics registers the operator's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runtimelab_operator_runs_total",
			Help: "Runs that reached an outcome, by scenario and outcome (Completed, OOMKilled, Evicted, Error, Deleted).",
		}, []string{"scenario", "outcome"}),
		experiments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runtimelab_operator_experiments_finished_total",
			Help: "Experiments that finished, by scenario and condition (Complete or Failed).",
		}, []string{"scenario", "condition"}),
	}
	reg.MustRegister(m.runs, m.experiments)
	return m
}

func (m *Metrics) runFinished(scenario, outcome string) {
	if m != nil {
		m.runs.WithLabelValues(scenario, outcome).Inc()
	}
}

func (m *Metrics) experimentFinished(scenario, condition string) {
	if m != nil {
		m.experiments.WithLabelValues(scenario, condition).Inc()
	}
}
