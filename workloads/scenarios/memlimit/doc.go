// Package memlimit is the "memlimit" scenario: a live heap grown in steps
// towards the container's memory limit, then held and churned. It shows
// what GOGC and GOMEMLIMIT do as the heap nears the limit the kernel
// enforces: the heap goal capped by GOMEMLIMIT, GC frequency and CPU rising,
// the GC CPU limiter engaging, and, without GOMEMLIMIT, the kernel's OOM
// killer ending the run.
package memlimit
