package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

var pollerServingLine = regexp.MustCompile(`msg=poller-serving addr=(\S+)`)

// serverAddr waits for a poller server to log the address it listens on.
func serverAddr(t *testing.T, s *started) string {
	t.Helper()
	var addr string
	waitFor(t, 20*time.Second, "the poller server's msg=poller-serving line", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if m := pollerServingLine.FindStringSubmatch(s.stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	return addr
}

func checkComplete(t *testing.T, who string, s *result.Summary) {
	t.Helper()
	if s.Partial || s.Error != "" || s.Phase != "done" {
		t.Errorf("%s: got partial=%v error=%q phase=%q, want a complete run", who, s.Partial, s.Error, s.Phase)
	}
}

// TestPollerIdleTenThousandConnections holds 10,000 loopback connections
// between a server and a client process (one process with both ends
// would need 20,064 descriptors, over this machine's limit) and checks
// the memory each costs. The server gets the longer duration so that it
// outlives the client's window, as the scenario asks.
func TestPollerIdleTenThousandConnections(t *testing.T) {
	workloadtest.NeedMachine(t)
	dir := t.TempDir()
	srvFile, cliFile := filepath.Join(dir, "server.json"), filepath.Join(dir, "client.json")
	common := []string{"--set", "mode=idle", "--set", "conns=10000", "--listen", "", "--warmup", "200ms", "--output", "json"}
	srv := start(t, nil, false, append([]string{"run", "poller", "--role", "server", "--serve", "127.0.0.1:0",
		"--duration", "8s", "--result-file", srvFile}, common...)...)
	addr := serverAddr(t, srv)
	cli := start(t, nil, false, append([]string{"run", "poller", "--role", "client", "--target", addr,
		"--duration", "2s", "--result-file", cliFile}, common...)...)
	if code := cli.wait(t); code != 0 {
		t.Fatalf("client exit code: got %d, want 0", code)
	}
	if code := srv.wait(t); code != 0 {
		t.Fatalf("server exit code: got %d, want 0", code)
	}
	for _, side := range []struct {
		who, file string
	}{{"server", srvFile}, {"client", cliFile}} {
		s := readSummary(t, side.file)
		checkComplete(t, side.who, s)
		f := s.Figures
		if f["conns"] < 10000 {
			t.Errorf("%s conns: got %v, want at least 10000", side.who, f["conns"])
		}
		if b := f["bytes/conn"]; b < 1<<10 || b > 64<<10 {
			t.Errorf("%s bytes/conn: got %v, want between 1Ki and 64Ki", side.who, b)
		}
		// The stack figure is the growth of all stacks over the
		// connections: another goroutine's stack shrunk by a GC meanwhile
		// takes a little off it (2044.7 B was seen beside a busy neighbour).
		if f["heap-B/conn"] <= 0 || f["stack-B/conn"] < 0.95*(2<<10) {
			t.Errorf("%s: got heap %v and stack %v B/conn, want heap > 0 and about the 2Ki starting stack or more",
				side.who, f["heap-B/conn"], f["stack-B/conn"])
		}
		t.Logf("%s: %.0f conns, %.0f B/conn (heap %.0f, stack %.0f)", side.who, f["conns"], f["bytes/conn"],
			f["heap-B/conn"], f["stack-B/conn"])
	}
}

func TestPollerEcho(t *testing.T) {
	workloadtest.NeedMachine(t)
	s := runScenario(t, nil, "poller", "mode=echo", "conns=4")
	f := s.Figures
	if f["msgs/s"] <= 0 || f["conns"] != 4 {
		t.Errorf("got msgs/s %v and conns %v, want > 0 and 4", f["msgs/s"], f["conns"])
	}
	p50, p99, p999 := f["rtt-p50-s"], f["rtt-p99-s"], f["rtt-p999-s"]
	if p50 <= 0 || p50 > p99 || p99 > p999 {
		t.Errorf("got rtt p50 %v p99 %v p999 %v, want 0 < p50 ≤ p99 ≤ p999", p50, p99, p999)
	}
}

func TestPollerBurst(t *testing.T) {
	workloadtest.NeedMachine(t)
	const conns, interval = 8, 20 * time.Millisecond
	s := runScenario(t, nil, "poller", "mode=burst", fmt.Sprintf("conns=%d", conns), "interval="+interval.String())
	f := s.Figures
	// Each client sends at most once per burst; a burst more or less may
	// straddle the window's edges.
	most := conns / interval.Seconds() * 1.1
	if f["msgs/s"] <= 0 || f["msgs/s"] > most {
		t.Errorf("got msgs/s %v, want > 0 and at most %v (one per client per burst)", f["msgs/s"], most)
	}
	if p50, p99 := f["rtt-p50-s"], f["rtt-p99-s"]; p50 <= 0 || p50 > p99 || p99 > f["rtt-p999-s"] {
		t.Errorf("got burst latency p50 %v p99 %v p999 %v, want 0 < p50 ≤ p99 ≤ p999", p50, p99, f["rtt-p999-s"])
	}
}

// pollerOverLimit is a TestBadInput case: the fewest conns that role both
// cannot open under this process's open-files limit (which the binary,
// like this test, raises to the hard limit), and the refusal it gets.
// Where the limit is so high that every valid conns fits, it is the
// first conns out of range instead.
var pollerOverLimit = overFileLimit()

func overFileLimit() (c struct{ set, want string }) {
	const slack, maxConns = 64, 100000
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Max > 2*maxConns+slack {
		c.set, c.want = "conns=100001", "parameter conns: 100001 is out of range; use 1 to 100000"
		return c
	}
	conns := (r.Max-slack)/2 + 1
	c.set = fmt.Sprintf("conns=%d", conns)
	c.want = fmt.Sprintf("parameter conns: %d needs %d open files in this process (2 per connection + %d), "+
		"over its limit of %d (RLIMIT_NOFILE); use 1 to %d here, or run --role server and --role client as two processes",
		conns, 2*conns+slack, slack, r.Max, conns-1)
	return c
}
