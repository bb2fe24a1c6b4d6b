// Package exercises verifies the capacity-tuning exercises of
// docs/exercises. Its tests load each exercise's short Experiment from
// config/samples/exercises, run it with the local executor in real cgroups
// and assert the outcome the exercise's page documents (its direction and
// rough size, not exact numbers); they also check that every sample passes
// the API server's validation and that the pages and samples refer to each
// other.
//
// The checks that need nothing but a finished Experiment's status
// (CheckGOMAXPROCS, CheckGOMEMLIMIT) are exported, so that the e2e suite
// can assert the same outcomes of the same samples run on a cluster.
package exercises
