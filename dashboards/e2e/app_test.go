package e2e

import (
	"strconv"
	"testing"
	"time"
)

// TestAppVariantShowsYourService: the app workload's series, scraped by a
// real Prometheus, are the observed service's — its GOMAXPROCS (1, where
// the load generator's own would be the runtime's default), its process
// CPU and, in a cgroup, its cgroup's — under the run's labels, so that the
// dashboards' runtime panels show the service, while the throughput and
// latency are the load generator's.
func TestAppVariantShowsYourService(t *testing.T) {
	l := getLab(t)
	if l.prom == nil {
		t.Fatalf("no Prometheus binary could be built: %v", l.promErr)
	}
	waitScraped(t, l)
	end := time.Now()
	checks := []struct {
		expr string
		want func(float64) bool
		what string
	}{
		{`go_sched_gomaxprocs_threads{variant="app"}`, func(v float64) bool { return v == appServiceProcs }, "the service's GOMAXPROCS"},
		{`rate(process_cpu_seconds_total{variant="app"}[1m])`, func(v float64) bool { return v > 0 }, "the service's CPU"},
		{`rate(runtimelab_app_responses_total{variant="app"}[1m])`, func(v float64) bool { return v > 0 }, "the load generator's responses"},
	}
	if l.sandboxed {
		checks = append(checks, struct {
			expr string
			want func(float64) bool
			what string
		}{`runtimelab_cgroup_cpu_limit_cores{variant="app"}`, func(v float64) bool { return v == 0.3 }, "the service's cgroup CPU limit (0.3; the load generator's is 0.2)"})
	}
	for _, c := range checks {
		var got []series
		var err error
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
			if got, err = l.prom.queryRange(c.expr, l.start, time.Now(), scrapeInterval); err == nil && len(got) > 0 {
				break
			}
		}
		if err != nil || len(got) != 1 {
			t.Errorf("%s: %s: got %d series (%v), want 1", c.what, c.expr, len(got), err)
			continue
		}
		last := got[0].Values[len(got[0].Values)-1]
		s, _ := last[1].(string)
		v, perr := strconv.ParseFloat(s, 64)
		if perr != nil || !c.want(v) {
			t.Errorf("%s: %s = %q at the end (%s)", c.what, c.expr, s, end.Format(time.TimeOnly))
		}
	}
}
