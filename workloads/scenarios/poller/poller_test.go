package poller

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

func TestCheckFiles(t *testing.T) {
	tests := []struct {
		name    string
		role    string
		conns   int
		limit   uint64
		wantErr string // substring; "" means accepted
	}{
		{name: "both fits exactly", role: roleBoth, conns: 9968, limit: 20000},
		{name: "both one over", role: roleBoth, conns: 9969, limit: 20000,
			wantErr: "parameter conns: 9969 needs 20002 open files in this process (2 per connection + 64), over its " +
				"limit of 20000 (RLIMIT_NOFILE); use 1 to 9968 here, or run --role server and --role client as two processes"},
		{name: "server fits exactly", role: roleServer, conns: 19936, limit: 20000},
		{name: "client one over", role: roleClient, conns: 19937, limit: 20000,
			wantErr: "use 1 to 19936 here, or raise the hard limit"},
		{name: "tiny limit", role: roleBoth, conns: 1, limit: 10, wantErr: "use 1 to 0 here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFiles(tt.role, tt.conns, tt.limit)
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string
		env     scenario.Env
		wantErr string
	}{
		{name: "defaults", env: scenario.Env{}},
		{name: "client", env: scenario.Env{Role: roleClient, Target: "10.0.0.5:8080"}},
		{name: "unknown role", env: scenario.Env{Role: "proxy"}, wantErr: `role "proxy": use both, server or client`},
		{name: "serve not host:port", env: scenario.Env{Role: roleServer, Serve: "8080"},
			wantErr: `--serve "8080": want host:port`},
		{name: "target not host:port", env: scenario.Env{Role: roleClient, Target: "server"},
			wantErr: `--target "server": want host:port`},
		{name: "buffers too big", sets: []string{"conns=4096", "msgSize=1Mi"}, env: scenario.Env{Role: roleClient, Target: "h:1"},
			wantErr: "parameter msgSize: 1Mi with 4096 conns needs 8Gi of message buffers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := catalog.Parse(&catalog.Poller, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			_, err = New(v, tt.env)
			checkErr(t, err, tt.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got error %v, want a *catalog.ParseError containing %q", err, want)
	}
}

// newTest builds a workload from sets and env, logging into a buffer.
func newTest(t *testing.T, env scenario.Env, sets ...string) (*workload, *syncBuffer) {
	t.Helper()
	v, err := catalog.Parse(&catalog.Poller, sets)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := New(v, env)
	if err != nil {
		t.Fatal(err)
	}
	w := sw.(*workload)
	var log syncBuffer
	w.log = slog.New(slog.NewTextHandler(&log, nil))
	return w, &log
}

// syncBuffer is a log sink the test reads while the workload writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runFor prepares w and runs it for d, returning the meter and Run's error.
func runFor(t *testing.T, w *workload, d time.Duration) (*scenario.Meter, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := w.Prepare(ctx); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	m := scenario.NewMeter()
	return m, w.Run(ctx, m)
}

// checkNoLeak waits for the goroutine count to fall back to before.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("got %d goroutines, want at most %d as before the run:\n%s",
				runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEcho(t *testing.T) {
	before := runtime.NumGoroutine()
	w, _ := newTest(t, scenario.Env{}, "conns=4")
	m, err := runFor(t, w, 500*time.Millisecond)
	if err != nil {
		t.Fatalf("Run: got %v, want nil", err)
	}
	checkNoLeak(t, before)
	q := m.Latencies()["rtt"].Since(scenario.LatencySnapshot{})
	msgs := m.Snapshot()["msgs"]
	if msgs == 0 || uint64(q.Count) != msgs {
		t.Errorf("got %d round trips and %d latencies, want the same number > 0", msgs, q.Count)
	}
	if q.P50 <= 0 || q.P50 > q.P99 || q.P99 > q.P999 {
		t.Errorf("got p50 %v p99 %v p999 %v, want 0 < p50 ≤ p99 ≤ p999", q.P50, q.P99, q.P999)
	}
	if got := w.Figures(scenario.Window{Seconds: 1})["conns"]; got != 4 {
		t.Errorf("conns figure: got %v, want 4", got)
	}
}

func TestBurst(t *testing.T) {
	before := runtime.NumGoroutine()
	w, _ := newTest(t, scenario.Env{}, "mode=burst", "conns=8", "interval=20ms")
	start := time.Now()
	m, err := runFor(t, w, 500*time.Millisecond)
	if err != nil {
		t.Fatalf("Run: got %v, want nil", err)
	}
	checkNoLeak(t, before)
	bursts := uint64(time.Since(start)/(20*time.Millisecond)) + 1
	msgs := m.Snapshot()["msgs"]
	if msgs == 0 || msgs > 8*bursts {
		t.Errorf("got %d messages, want 1 to %d: each client sends at most once per burst", msgs, 8*bursts)
	}
	if q := m.Latencies()["rtt"].Since(scenario.LatencySnapshot{}); q.P50 <= 0 || q.P99 < q.P50 {
		t.Errorf("got burst latency p50 %v p99 %v, want 0 < p50 ≤ p99", q.P50, q.P99)
	}
}

func TestIdleMeasuresMemoryPerConnection(t *testing.T) {
	before := runtime.NumGoroutine()
	w, _ := newTest(t, scenario.Env{}, "mode=idle", "conns=500")
	if _, err := runFor(t, w, 300*time.Millisecond); err != nil {
		t.Fatalf("Run: got %v, want nil", err)
	}
	checkNoLeak(t, before)
	f := w.Figures(scenario.Window{Seconds: 1})
	// Each pair has two sockets' netFDs and read buffers on the heap. Its
	// two goroutines may reuse the descriptors and stacks of goroutines
	// earlier tests left behind, so only a fresh process (the binary's
	// test) shows the full stack cost; here the figures are only bounded.
	if f["heap-B/conn"] < 256 || f["stack-B/conn"] < 0 || f["bytes/conn"] < 0 {
		t.Errorf("got bytes %v heap %v stack %v per conn, want heap ≥ 256 and the others ≥ 0",
			f["bytes/conn"], f["heap-B/conn"], f["stack-B/conn"])
	}
	if got := f["conns"]; got != 500 {
		t.Errorf("conns figure: got %v, want 500", got)
	}
}

var servingLine = regexp.MustCompile(`msg=poller-serving addr=(\S+)`)

// startServer runs a server role in the background and returns its
// address, read from its log as an operator would, and its Run's result.
func startServer(t *testing.T, ctx context.Context, m *scenario.Meter, sets ...string) (*workload, string, <-chan error) {
	t.Helper()
	srv, log := newTest(t, scenario.Env{Role: roleServer}, sets...)
	errc := make(chan error, 1)
	go func() {
		if err := srv.Prepare(ctx); err != nil {
			errc <- err
			return
		}
		errc <- srv.Run(ctx, m)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(log.String()); m != nil {
			return srv, m[1], errc
		}
		if time.Now().After(deadline) {
			t.Fatalf("got log %q, want a msg=poller-serving line", log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServerAndClientRoles(t *testing.T) {
	before := runtime.NumGoroutine()
	srvCtx, stopSrv := context.WithCancel(context.Background())
	defer stopSrv()
	srvMeter := scenario.NewMeter()
	srv, addr, srvErr := startServer(t, srvCtx, srvMeter, "conns=3")
	cli, _ := newTest(t, scenario.Env{Role: roleClient, Target: addr}, "conns=3")
	cliMeter, err := runFor(t, cli, 300*time.Millisecond)
	if err != nil {
		t.Fatalf("client Run: got %v, want nil", err)
	}
	stopSrv()
	if err := <-srvErr; err != nil {
		t.Fatalf("server Run: got %v, want nil", err)
	}
	checkNoLeak(t, before)
	msgs, echoed := cliMeter.Snapshot()["msgs"], srvMeter.Snapshot()["echoed"]
	// The server counts from its Run, which may start after the client's
	// first messages, and may echo the last ones the client stopped for.
	if msgs == 0 || echoed == 0 || echoed > (msgs+3)*64 {
		t.Errorf("got %d round trips and %d bytes echoed, want both > 0 and at most 64 bytes per trip and connection",
			msgs, echoed)
	}
	if got := srv.Figures(scenario.Window{Seconds: 1})["conns"]; got != 3 {
		t.Errorf("server conns figure: got %v, want 3", got)
	}
}

func TestClientFailsWhenServerLeaves(t *testing.T) {
	before := runtime.NumGoroutine()
	srvCtx, stopSrv := context.WithCancel(context.Background())
	_, addr, srvErr := startServer(t, srvCtx, scenario.NewMeter(), "conns=2", "mode=idle")
	cli, _ := newTest(t, scenario.Env{Role: roleClient, Target: addr}, "conns=2", "mode=idle")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cli.Prepare(ctx); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	time.AfterFunc(100*time.Millisecond, stopSrv)
	err := cli.Run(ctx, scenario.NewMeter())
	if err == nil || !strings.Contains(err.Error(), "give it a longer --duration") {
		t.Errorf("client Run: got %v, want the lost connection explained", err)
	}
	if err := <-srvErr; err != nil {
		t.Errorf("server Run: got %v, want nil", err)
	}
	checkNoLeak(t, before)
}

// TestPrepareEndsWithContext: a server still waiting for its clients
// stops listening when its context ends, and leaves nothing running.
func TestPrepareEndsWithContext(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	_, addr, errc := startServer(t, ctx, scenario.NewMeter(), "conns=5")
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	checkNoLeak(t, before)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("dial %s after the context ended: got a connection, want refused", addr)
	}
}
