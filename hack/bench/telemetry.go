package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// scrape waits for the telemetry address on addr, then reads /metrics
// every interval until ctx ends, as Prometheus would. It returns the
// number of scrapes that succeeded.
func scrape(ctx context.Context, addr <-chan string, every time.Duration) int64 {
	var a string
	select {
	case a = <-addr:
	case <-ctx.Done():
		return 0
	}
	client := &http.Client{Timeout: every}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var n int64
	for {
		select {
		case <-ctx.Done():
			return n
		case <-tick.C:
		}
		if scrapeOnce(ctx, client, "http://"+a+"/metrics") == nil {
			n++
		}
	}
}

func scrapeOnce(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("scrape %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("scrape %s: status %s", url, resp.Status)
	}
	return nil
}

// sink stands in for a Pyroscope server: it accepts every profile upload
// on loopback, counts it and throws it away.
type sink struct {
	srv *http.Server
	ln  net.Listener
	n   atomic.Int64
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pyroscope sink listen: %w", err)
	}
	s := &sink{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ingest", func(w http.ResponseWriter, r *http.Request) {
		s.n.Add(1)
		io.Copy(io.Discard, r.Body)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) url() string { return "http://" + s.ln.Addr().String() }

// pushes is the number of uploads received so far; 0 for no sink.
func (s *sink) pushes() int64 {
	if s == nil {
		return 0
	}
	return s.n.Load()
}

func (s *sink) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}
