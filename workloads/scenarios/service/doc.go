// Package service is the "service" scenario: an HTTP server doing
// configurable per-request work (CPU, allocation, I/O wait, an optional
// worker pool, recovered panics, an optional leak), driven by an open-loop,
// constant-rate load generator (vegeta).
//
// Open loop matters: a closed-loop client that waits for each response
// before sending the next slows down with the server and hides the very
// latency the lab is after (coordinated omission). Here requests go out on
// schedule whatever the server does: when every request waits on a slow
// response the generator starts another, which waits for a free connection
// (at most `connections` are open), so the server cannot slow the load.
// Each latency runs from the moment the request was sent (waiting for a free
// connection included) to its response. How late the generator itself sent
// a request against its schedule — its own CPU starvation, not the
// server's doing — is reported apart as the send lag (send-lag-p99-s);
// latency plus send lag bounds the latency from when the request was due.
//
// The load generator is a role of its own (--role loadgen): in a cluster
// it runs in its own pod, so it never shares the server's CPU quota. When
// its window ends it cancels the requests still in flight and tells the
// server to stop; the server drains what it can in DrainTimeout and ends
// with a complete summary either way.
package service
