// Command testservice is a small Go HTTP service that stands in for a
// team's own in the app scenario's tests and exercise: it is not a lab
// scenario and links nothing of the lab. GET /api/work burns -work of CPU
// and allocates -alloc bytes; GET /api/cheap answers at once; /healthz
// says ready; /metrics is client_golang's, with the Go collector's
// runtime/metrics rules chosen by -metrics (all, default, none).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	work := flag.Duration("work", time.Millisecond, "CPU work per /api/work request")
	alloc := flag.Int("alloc", 64<<10, "bytes allocated per /api/work request")
	metrics := flag.String("metrics", "all", "Go collector rules on /metrics: all (every runtime/metrics rule), default, or none (no /metrics)")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	var sink []byte
	mux.HandleFunc("/api/work", func(w http.ResponseWriter, _ *http.Request) {
		buf := make([]byte, *alloc)
		for i := range buf {
			buf[i] = byte(i)
		}
		sink = buf
		spin(*work)
		fmt.Fprintln(w, len(sink))
	})
	mux.HandleFunc("/api/cheap", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	switch *metrics {
	case "none":
	case "default", "all":
		reg := prometheus.NewRegistry()
		goc := collectors.NewGoCollector()
		if *metrics == "all" {
			goc = collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll))
		}
		reg.MustRegister(goc, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	default:
		log.Fatalf("-metrics %q: want all, default or none", *metrics)
	}

	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
		os.Exit(1)
	}
}

// spin burns d of CPU time on this thread (wall time on an idle,
// unthrottled CPU).
func spin(d time.Duration) {
	end := time.Now().Add(d)
	x := 1
	for time.Now().Before(end) {
		for i := range 1000 {
			x = x*31 + i
		}
	}
	_ = x
}
