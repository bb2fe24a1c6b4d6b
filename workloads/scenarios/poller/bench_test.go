package poller

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// BenchmarkEchoBaseline is the bare baseline hack/bench compares the
// workload binary's echo mode against: a minimal plain Go echo server and
// closed-loop clients over loopback, with the catalogue's default conns
// and msgSize, and nothing of the scenario's latency histograms, the
// driver, telemetry or probe. b.N round trips are shared out over the
// connections as they come, so none idles while another still has work.
func BenchmarkEchoBaseline(b *testing.B) {
	conns, size := echoDefaults(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var servers sync.WaitGroup
	servers.Go(func() { plainEchoServer(ln, size, &servers) })
	clients := make([]net.Conn, conns)
	for i := range clients {
		if clients[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			b.Fatal(err)
		}
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu := workloadtest.StartCPU()
	for _, c := range clients {
		wg.Go(func() {
			out, in := make([]byte, size), make([]byte, size)
			for left.Add(-1) >= 0 {
				if _, err := c.Write(out); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
	ln.Close()
	for _, c := range clients {
		c.Close()
	}
	servers.Wait()
}

// plainEchoServer echoes every connection ln accepts, each in its own
// goroutine, until ln and the connections are closed.
func plainEchoServer(ln net.Listener, size int, wg *sync.WaitGroup) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Go(func() {
			defer c.Close()
			buf := make([]byte, size)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		})
	}
}

// echoDefaults are the catalogue's default conns and msgSize, which
// hack/bench runs the workload with; the default mode must be echo.
func echoDefaults(tb testing.TB) (conns, msgSize int) {
	tb.Helper()
	v, err := catalog.Parse(&catalog.Poller, nil)
	if err != nil {
		tb.Fatalf("parse defaults: %v", err)
	}
	if m := v.Enum("mode"); m != modeEcho {
		tb.Fatalf("got default mode %q, want %q: the baseline only covers echo", m, modeEcho)
	}
	return v.Int("conns"), int(v.Bytes("msgSize"))
}
