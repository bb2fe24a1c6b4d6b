package service

import (
	"context"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// loadgen sends requests to a server at a constant rate until ctx ends.
type loadgen struct {
	cfg     *config
	sent    *scenario.Counter // responses received (any status)
	errs    *scenario.Counter // transport errors and non-2xx
	latency *scenario.Latency
	lag     *scenario.Latency
}

// run attacks url at cfg.rate until ctx ends.
//
// vegeta keeps the schedule whatever the server does: when every worker
// waits on a response it starts another, and a request's latency runs from
// its start, waiting for a free connection included. So a slow server
// cannot slow the load down (no coordinated omission). What is left is the
// generator's own lateness — a request started after it was due because the
// generator lacked CPU or its timers woke late — which is not the server's
// doing: it is recorded apart as the send lag, and a large one says the
// load generator, not the server, needs more CPU.
func (l *loadgen) run(ctx context.Context, url string) {
	atk := vegeta.NewAttacker(
		vegeta.Connections(l.cfg.connections),
		vegeta.MaxConnections(l.cfg.connections),
		vegeta.Timeout(l.cfg.timeout),
		vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow),
	)
	target := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url})
	pacer := vegeta.ConstantPacer{Freq: l.cfg.rate, Per: time.Second}
	period := time.Second / time.Duration(l.cfg.rate)
	began := time.Now()
	results := atk.Attack(target, pacer, 0, "runtimelab")
	go func() {
		<-ctx.Done()
		atk.Stop()
	}()
	shard, lagShard := l.latency.Shard(), l.lag.Shard()
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
			l.sent.Add(n)
			l.errs.Add(nerr)
			n, nerr = 0, 0
		}
	}
	l.sent.Add(n)
	l.errs.Add(nerr)
}
