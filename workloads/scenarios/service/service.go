package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/openloop"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// config is the bound parameters and role of one run.
type config struct {
	listening     func(addr string) // told the server's address (scenario.Env)
	role          string
	target        string
	serve         string
	rate          int
	connections   int
	timeout       time.Duration
	work          cpuwork.Work
	allocBytes    int
	ioWait        time.Duration
	body          []byte
	workers       int
	panicFraction float64
	leakEvery     int
	leakKind      string
	leakBytes     int
}

type workload struct {
	cfg   config
	ready chan struct{} // closed by the server's first request (role server)
	// srv is the run's server, kept past Run's return: the driver takes
	// the window's last sample after Run returns, and the heap the server
	// leaked must still be live then — a GC in between would hide it.
	srv *server
}

// Ready gates the server role's warmup on its first request: the load
// generator starts later (another pod, scheduled once the server has an
// IP), and the server's window must not count that idle time.
func (w *workload) Ready() <-chan struct{} {
	if w.cfg.role != RoleServer {
		return nil
	}
	return w.ready
}

// New builds the scenario from validated parameters and its role.
func New(v catalog.Values, env scenario.Env) (scenario.Workload, error) {
	cfg := config{
		role: env.Role, target: env.Target, serve: env.Serve, listening: env.Listening,
		rate: v.Int("rate"), connections: v.Int("connections"), timeout: v.Duration("timeout"),
		allocBytes: int(v.Bytes("allocBytes")), ioWait: v.Duration("ioWait"),
		body:    make([]byte, v.Bytes("respBytes")),
		workers: v.Int("workers"), panicFraction: v.Float("panicFraction"),
		leakEvery: v.Int("leakEvery"), leakKind: v.Enum("leakKind"), leakBytes: int(v.Bytes("leakBytes")),
	}
	if d := v.Duration("work"); d > 0 {
		cfg.work = cpuwork.For(d)
	}
	switch cfg.role {
	case RoleBoth, "":
		cfg.role, cfg.serve = RoleBoth, "127.0.0.1:0"
	case RoleServer:
		if cfg.serve == "" {
			cfg.serve = ":8080"
		}
	case RoleLoadgen:
		if strings.Contains(cfg.target, "/") {
			return nil, &catalog.ParseError{Scenario: catalog.Service.Name, Msg: fmt.Sprintf(
				"--target %q: give host:port of the server, e.g. 10.0.0.5:8080", cfg.target)}
		}
	}
	return &workload{cfg: cfg, ready: make(chan struct{})}, nil
}

func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	cfg := &w.cfg
	lg := &openloop.Load{Rate: cfg.rate, Connections: cfg.connections, Timeout: cfg.timeout,
		Sent: m.Counter("responses", "Responses the load generator received."),
		Errs: m.Counter("errors", "Requests that failed or were not 2xx."), Latency: m.Latency("latency"),
		Lag: m.Latency("lag")}
	srv := &server{cfg: cfg, served: m.Counter("served", "Requests the server completed."),
		panics: m.Counter("panics", "Panics the server recovered."),
		leaks:  m.Counter("leaks", "Goroutines or heap blocks leaked."), runDone: ctx.Done(),
		stop: make(chan struct{}), first: w.ready}
	w.srv = srv
	if cfg.role == RoleLoadgen {
		lg.Run(ctx, work(cfg.target))
		stopServer(cfg.target)
		return nil
	}
	ready := make(chan string, 1)
	var wg sync.WaitGroup
	var serveErr error
	wg.Go(func() { serveErr = srv.serve(ctx, cfg.serve, ready) })
	if cfg.role == RoleBoth {
		select {
		case addr := <-ready:
			lg.Run(ctx, work(addr))
		case <-ctx.Done():
		}
	}
	wg.Wait()
	return serveErr
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	f := openloop.Figures(win, w.cfg.rate, w.cfg.role == RoleLoadgen)
	f["served/s"] = win.Rate("served")
	f["panics/s"] = win.Rate("panics")
	f["leaked"] = float64(win.Counters["leaks"])
	if w.cfg.role == RoleServer {
		f["rate-frac"] = 0 // the server does not know what was sent
	}
	return f
}

// work is the request the load generator sends to the server at addr.
func work(addr string) vegeta.Target {
	return vegeta.Target{Method: http.MethodGet, URL: "http://" + addr + "/work"}
}

// stopServer tells the server at target that the load is over, so that it
// ends its window now and exits with a complete summary. Failing is not
// fatal: the server's own duration still ends it.
func stopServer(target string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+target+StopPath, nil)
	if err == nil {
		var resp *http.Response
		if resp, err = http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	if err != nil {
		slog.Warn("could not tell the server to stop; it stops when its own duration ends", "target", target, "err", err)
	}
}
