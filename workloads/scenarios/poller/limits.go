package poller

import (
	"fmt"
	"net"
	"syscall"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// fdSlack is the descriptors a process needs beside its connections:
// stdio, the listener, epoll and its eventfd, telemetry, the result file
// and profiles.
const fdSlack = 64

// maxBuffers bounds the message buffers (two of msgSize per client
// connection, one per server connection), which conns and msgSize alone
// would let reach hundreds of GiB.
const maxBuffers = 4 << 30

// fileLimit is the process's open-files limit as the runtime left it (it
// raises the soft limit to the hard one at start).
func fileLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	return r.Cur, nil
}

// checkFiles refuses a number of connections the process could not open:
// failing with EMFILE half-way through 10k dials tells the operator much
// less than this does.
func checkFiles(role string, conns int, limit uint64) error {
	perConn := uint64(1)
	if role == roleBoth {
		perConn = 2 // each connection's client and server ends
	}
	need := perConn*uint64(conns) + fdSlack
	if need <= limit {
		return nil
	}
	most := uint64(0)
	if limit > fdSlack {
		most = (limit - fdSlack) / perConn
	}
	msg := fmt.Sprintf("%d needs %d open files in this process (%d per connection + %d), over its limit of %d "+
		"(RLIMIT_NOFILE); use 1 to %d here, or ", conns, need, perConn, fdSlack, limit, most)
	if role == roleBoth {
		msg += "run --role server and --role client as two processes"
	} else {
		msg += "raise the hard limit (ulimit -Hn)"
	}
	return &catalog.ParseError{Scenario: catalog.Poller.Name, Param: "conns", Msg: msg}
}

// checkBuffers bounds the memory the message buffers take.
func checkBuffers(conns, msgSize int) error {
	if need := 2 * int64(conns) * int64(msgSize); need > maxBuffers {
		return &catalog.ParseError{Scenario: catalog.Poller.Name, Param: "msgSize", Msg: fmt.Sprintf(
			"%s with %d conns needs %s of message buffers (2·conns·msgSize), over %s; use a smaller msgSize or fewer conns",
			catalog.FormatBytes(int64(msgSize)), conns, catalog.FormatBytes(need), catalog.FormatBytes(maxBuffers))}
	}
	return nil
}

// checkRole refuses what the driver's flags cannot express: a role the
// catalogue does not list, or an address that is not host:port.
func checkRole(role, serve, target string) error {
	bad := func(msg string) error { return &catalog.ParseError{Scenario: catalog.Poller.Name, Msg: msg} }
	if _, ok := catalog.Poller.Role(role); !ok {
		return bad(fmt.Sprintf("role %q: use %s, %s or %s", role, roleBoth, roleServer, roleClient))
	}
	if role != roleClient {
		if _, _, err := net.SplitHostPort(serve); err != nil {
			return bad(fmt.Sprintf("--serve %q: want host:port, e.g. %s", serve, defaultServe))
		}
	}
	if role == roleClient {
		if _, _, err := net.SplitHostPort(target); err != nil {
			return bad(fmt.Sprintf("--target %q: want host:port, e.g. 10.0.0.5:8080", target))
		}
	}
	return nil
}
