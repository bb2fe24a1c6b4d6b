// Package openloop sends HTTP load on a fixed schedule (vegeta's constant
// pacer), whatever the server does: the service and app scenarios' load
// generator.
package openloop

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// Load sends requests to a server at a constant rate until ctx ends.
type Load struct {
	Rate        int // requests per second
	Connections int // most connections open at once
	Timeout     time.Duration
	Sent        *scenario.Counter // responses received (any status)
	Errs        *scenario.Counter // transport errors and non-2xx
	Latency     *scenario.Latency
	Lag         *scenario.Latency
}

// Run sends targets, in turn, at l.Rate until ctx ends.
//
// vegeta keeps the schedule whatever the server does: when every worker
// waits on a response it starts another, and a request's latency runs from
// its start, waiting for a free connection included. So a slow server
// cannot slow the load down (no coordinated omission). What is left is the
// generator's own lateness — a request started after it was due because the
// generator lacked CPU or its timers woke late — which is not the server's
// doing: it is recorded apart as the send lag, and a large one says the
// load generator, not the server, needs more CPU.
//
// When ctx ends the requests still in flight are cancelled, not awaited:
// the window is over, and behind a starved server they could otherwise
// hold the generator past the driver's stop timeout for up to the request
// timeout (10 s by default).
func (l *Load) Run(ctx context.Context, targets ...vegeta.Target) {
	atk := vegeta.NewAttacker(vegeta.Client(l.client(ctx)))
	target := vegeta.NewStaticTargeter(targets...)
	pacer := vegeta.ConstantPacer{Freq: l.Rate, Per: time.Second}
	period := time.Second / time.Duration(l.Rate)
	began := time.Now()
	results := atk.Attack(target, pacer, 0, "runtimelab")
	go func() {
		<-ctx.Done()
		atk.Stop()
	}()
	shard, lagShard := l.Latency.Shard(), l.Lag.Shard()
	const batch = 16
	var n, nerr uint64
	for r := range results {
		// vegeta's constant pacer sends hit n (from 0) at (n+1)/rate.
		due := began.Add(time.Duration(r.Seq+1) * period)
		shard.Record(r.Latency)
		lagShard.Record(max(r.Timestamp.Sub(due), 0))
		n++
		if r.Error != "" || r.Code < 200 || r.Code > 299 {
			nerr++
		}
		if n == batch {
			l.Sent.Add(n)
			l.Errs.Add(nerr)
			n, nerr = 0, 0
		}
	}
	l.Sent.Add(n)
	l.Errs.Add(nerr)
}

// client is the generator's HTTP client: up to l.Connections keep-alive
// connections to the server, no redirects, no proxy (the server is
// reached directly, whatever the environment says), the request timeout,
// and every request cancelled when stop ends.
func (l *Load) client(stop context.Context) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: l.Connections,
		MaxConnsPerHost:     l.Connections,
	}
	return &http.Client{
		Transport:     stoppable{rt: tr, stop: stop},
		Timeout:       l.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// stoppable cancels each request, and the reading of its response body,
// when stop ends.
type stoppable struct {
	rt   http.RoundTripper
	stop context.Context
}

func (s stoppable) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	unhook := context.AfterFunc(s.stop, cancel)
	release := func() { unhook(); cancel() }
	resp, err := s.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody releases its request's cancellation hook when closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// Figures are the load generator's figures over a window, from the
// counters and latencies a Load records on its Meter ("responses",
// "errors", "latency", "lag"): throughput against the target rate,
// latency quantiles, the error share, the generator's own send lag and,
// when it ran alone (own), its CPU per 1,000 requests.
func Figures(win scenario.Window, rate int, own bool) map[string]float64 {
	lat := win.Latencies["latency"]
	f := map[string]float64{
		"req/s":            win.Rate("responses"),
		"rate-frac":        win.Rate("responses") / float64(rate),
		"lat-p50-s":        lat.P50.Seconds(),
		"lat-p90-s":        lat.P90.Seconds(),
		"lat-p99-s":        lat.P99.Seconds(),
		"lat-p999-s":       lat.P999.Seconds(),
		"error-frac":       0,
		"send-lag-p99-s":   win.Latencies["lag"].P99.Seconds(),
		"lg-cpu-ms/1k-req": 0,
	}
	if n := win.Counters["responses"]; n > 0 {
		f["error-frac"] = float64(win.Counters["errors"]) / float64(n)
		if own {
			f["lg-cpu-ms/1k-req"] = win.CPU.ProcessSeconds * 1e3 / (float64(n) / 1e3)
		}
	}
	return f
}
