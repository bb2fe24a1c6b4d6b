package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the workload's HTTP endpoint.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	result atomic.Pointer[[]byte]
	done   chan error
}

// Listen serves /metrics from reg, /debug/pprof/, /healthz and /result on
// addr (":9090", "127.0.0.1:0").
func Listen(addr string, reg prometheus.Gatherer) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("telemetry listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, done: make(chan error, 1)}
	empty := []byte("{}")
	s.result.Store(&empty)

	mux := http.NewServeMux()
	// A forwarded service that does not answer must not take the run's
	// own series down with it.
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}
	if r, ok := reg.(*prometheus.Registry); ok {
		opts = promhttp.HandlerOpts{Registry: r} // the handler's own error and in-flight series
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, opts))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /result", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(*s.result.Load())
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// SetResult replaces the JSON served at /result.
func (s *Server) SetResult(b []byte) { s.result.Store(&b) }

// Shutdown stops the server, letting in-flight scrapes finish.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
