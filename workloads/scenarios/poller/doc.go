// Package poller is the "poller" scenario: a TCP echo server and N client
// connections, in one process over loopback or split into a server and a
// client process. It shows the network poller at work: round-trip latency
// of goroutines woken by epoll (echo), what each connection parked in Read
// costs in goroutine stack and heap (idle), and how the poller and the
// scheduler cope when every connection becomes ready at once (burst).
package poller
