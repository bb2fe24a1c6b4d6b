// Package service is the "service" scenario: an HTTP server doing
// configurable per-request work (CPU, allocation, I/O wait, an optional
// worker pool, recovered panics, an optional leak), driven by an open-loop,
// constant-rate load generator (vegeta).
//
// Open loop matters: a closed-loop client that waits for each response
// before sending the next slows down with the server and hides the very
// latency the lab is after (coordinated omission). Here requests go out on
// schedule whatever the server does, and each latency is measured from the
// moment the request was due, not from when it was finally sent.
//
// The load generator is a role of its own (--role loadgen): in a cluster
// it runs in its own pod, so it never shares the server's CPU quota.
package service
