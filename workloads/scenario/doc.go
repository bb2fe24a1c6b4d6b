// Package scenario is what the driver runs a scenario through: the small
// Workload interface and its optional parts (a gate, a preparation, an
// outcome), and the Meter and Window a scenario counts and reports on. A
// scenario's catalogue entry — parameters, figures, roles — is plain data
// in workloads/catalog, which executors read without linking any of this.
package scenario
