// Package contract is what the executors (the operator and kubectl lab's
// local executor) and the workload binary agree on, written once: the
// environment an executor sets, the roles and flags of the workload's
// command line, the result summary's file, and the readiness handshake a
// server role answers with. It has no dependencies beyond the standard
// library, so the workload imports it as readily as the operator.
package contract
