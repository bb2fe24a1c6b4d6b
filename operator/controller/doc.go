// Package controller is the Experiment reconciler. A pass fetches the
// Experiment and its pods, computes what should exist with pure functions
// (plan, observe, schedule, status), creates the missing pods, and writes
// the status once.
//
// Results live in status, so pods may go (TTL, manual deletion, a restart
// of the operator) without losing what was measured: a run's outcome is
// read from its pod while the pod exists and kept from status after.
package controller
