package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// DrainTimeout bounds how long the server waits for in-flight requests on
// shutdown; the driver allows a scenario 10 s to stop.
const DrainTimeout = 5 * time.Second

// server is the HTTP side of the scenario.
type server struct {
	cfg     *config
	served  *scenario.Counter
	panics  *scenario.Counter
	leaks   *scenario.Counter
	jobs    chan job // the worker pool's queue; nil without workers
	reqSeq  uint64
	mu      sync.Mutex // guards reqSeq and leaked
	leaked  [][]byte
	runDone <-chan struct{} // leaked goroutines wait for the run to end
	stop    chan struct{}   // closed by StopPath: the load generator is done
	stopped sync.Once
	first   chan struct{} // closed by the first request
	began   sync.Once
	drainBy time.Duration // DrainTimeout; shorter in tests
}

// StopPath is where the load generator, its window over, asks the server
// to end its own: the server then drains and reports a complete summary
// instead of serving idle until its (longer) duration ends.
const StopPath = "/runtimelab/stop"

// job is one request's CPU work handed to the pool.
type job struct {
	work cpuwork.Work
	done chan struct{}
}

// serve listens on addr and serves until ctx ends, then drains in-flight
// requests. ready receives the listen address.
func (s *server) serve(ctx context.Context, addr string, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("service listen on %s: %w", addr, err)
	}
	slog.Info("service-serving", "addr", ln.Addr().String())
	if s.cfg.listening != nil && s.cfg.role == RoleServer {
		s.cfg.listening(ln.Addr().String())
	}
	ready <- ln.Addr().String()
	// The pool outlives ctx until the server has drained: in-flight
	// requests still need their workers.
	poolCtx, stopPool := context.WithCancel(context.Background())
	defer stopPool()
	var pool sync.WaitGroup
	if s.cfg.workers > 0 {
		s.jobs = make(chan job)
		for range s.cfg.workers {
			pool.Go(func() { s.worker(poolCtx) })
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", s.recovering(s.handle))
	mux.HandleFunc("POST "+StopPath, func(w http.ResponseWriter, _ *http.Request) {
		s.stopped.Do(func() { close(s.stop) })
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var asked bool
	select {
	case err = <-errc:
	case <-s.stop:
		asked = true
		err = s.drain(srv, errc)
	case <-ctx.Done():
		err = s.drain(srv, errc)
	}
	stopPool()
	pool.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err == nil && asked {
		return scenario.ErrDone
	}
	return err
}

// drain stops srv, letting in-flight requests finish within DrainTimeout.
//
// A server that cannot finish them in time is not a failed run: the window
// it measured is over (the load generator ended it, or the duration did),
// and a starved server is what the experiment set out to show. Its
// stragglers are cut off with a warning; the figures stand.
func (s *server) drain(srv *http.Server, errc <-chan error) error {
	by := s.drainBy
	if by <= 0 {
		by = DrainTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), by)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil { // in-flight requests finish before this returns
		// Past the deadline: closing the connections cancels the
		// stragglers' contexts; a handler that does not look at its
		// context (CPU work without a pool) ends on its own, unanswered.
		srv.Close()
		slog.Warn("requests still in flight when the drain time ran out; closed their connections",
			"drainTimeout", by.String(), "err", err)
	}
	return <-errc
}

// recovering turns a handler panic into a 500, as production middleware
// does; the unwinding and recovery are the cost the scenario shows.
func (s *server) recovering(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				s.panics.Add(1)
				http.Error(w, fmt.Sprint("recovered: ", v), http.StatusInternalServerError)
			}
		}()
		h(w, r)
	}
}

func (s *server) handle(w http.ResponseWriter, r *http.Request) {
	s.began.Do(func() { close(s.first) })
	defer s.served.Add(1)
	cfg := s.cfg
	seq := s.next()
	if cfg.work > 0 {
		if err := s.compute(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	buf := make([]byte, cfg.allocBytes)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(seq)
	}
	if cfg.ioWait > 0 {
		t := time.NewTimer(cfg.ioWait)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if cfg.leakEvery > 0 && seq%uint64(cfg.leakEvery) == 0 {
		s.leak()
	}
	if cfg.panicFraction > 0 && rand.Float64() < cfg.panicFraction {
		panic(fmt.Sprintf("request %d: injected panic", seq))
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(cfg.body)
}

func (s *server) next() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqSeq++
	return s.reqSeq
}

// compute does the request's CPU work, in the pool when there is one.
func (s *server) compute(ctx context.Context) error {
	if s.jobs == nil {
		cpuwork.Keep(cpuwork.Do(s.cfg.work))
		return nil
	}
	j := job{work: s.cfg.work, done: make(chan struct{})}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return fmt.Errorf("worker pool: %w", ctx.Err())
	}
	<-j.done
	return nil
}

func (s *server) worker(ctx context.Context) {
	for {
		select {
		case j := <-s.jobs:
			cpuwork.Keep(cpuwork.Do(j.work))
			close(j.done)
		case <-ctx.Done():
			return
		}
	}
}

// leak keeps a goroutine (blocked until the run ends, so none outlives it)
// or a heap block for the rest of the run.
func (s *server) leak() {
	s.leaks.Add(1)
	if s.cfg.leakKind == "goroutine" {
		go func() { <-s.runDone }()
		return
	}
	b := make([]byte, s.cfg.leakBytes)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	s.mu.Lock()
	s.leaked = append(s.leaked, b)
	s.mu.Unlock()
}
