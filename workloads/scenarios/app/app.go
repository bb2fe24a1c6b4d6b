package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/runtime-lab/runtime-lab/api/contract"
	"github.com/runtime-lab/runtime-lab/api/result"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/cgroup"
	"github.com/runtime-lab/runtime-lab/workloads/openloop"
	"github.com/runtime-lab/runtime-lab/workloads/probe"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// config is the bound parameters of one run.
type config struct {
	target       string // the service, host:port
	mix          []weighted
	readyURL     string
	metricsURL   string // "" reads no metrics
	rate         int
	connections  int
	timeout      time.Duration
	readyTimeout time.Duration
	pid          int // the service's process, when this one can see it
}

type workload struct {
	cfg    config
	ready  chan struct{}
	client *http.Client // readiness and metrics, apart from the load's connections

	mu       sync.Mutex // guards the fields below
	cont     *probe.Probe
	contErr  error
	start    time.Time // the window's start
	begin    scrape
	lastGood scrape // the latest reading of the window that succeeded
	beginCg  probe.Sample
	beginCPU float64 // the service's process CPU seconds at the window's start
	beginOK  bool    // beginCPU was read
	rt       result.Runtime
	rtOK     bool // rt is from the service's runtime series
	schedOK  bool
}

// New builds the load generator and observer of the app scenario.
func New(v catalog.Values, env scenario.Env) (scenario.Workload, error) {
	bad := func(msg string) error { return &catalog.ParseError{Scenario: catalog.App.Name, Msg: msg} }
	if env.Role == contract.RoleServer {
		return nil, bad("--role server: the app scenario's server is your own service, which an executor starts " +
			"(spec.scenario.app.image or .binary); this binary plays --role loadgen against it")
	}
	host, port, err := net.SplitHostPort(env.Target)
	if err != nil {
		return nil, bad(fmt.Sprintf("--target %q: give host:port of your service, e.g. 127.0.0.1:8080", env.Target))
	}
	mix, err := parseMix(v.String("paths"))
	if err != nil {
		return nil, &catalog.ParseError{Scenario: catalog.App.Name, Param: "paths", Msg: err.Error()}
	}
	cfg := config{
		target: env.Target, mix: mix,
		readyURL: "http://" + env.Target + v.String("readyPath"),
		rate:     v.Int("rate"), connections: v.Int("connections"),
		timeout: v.Duration("timeout"), readyTimeout: v.Duration("readyTimeout"), pid: env.ObservePID,
	}
	if p := v.String("metricsPath"); p != "" {
		if mp := v.Int("metricsPort"); mp != 0 {
			port = strconv.Itoa(mp)
		}
		cfg.metricsURL = "http://" + net.JoinHostPort(host, port) + p
	}
	return &workload{cfg: cfg, ready: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 5 * time.Second}}, nil
}

// ForwardedFamilies are your service's Go runtime and process series
// (telemetry.Forwarder): the run's telemetry serves them in place of the
// load generator's own, so the dashboards show the service.
func (w *workload) ForwardedFamilies() ([]*dto.MetricFamily, error) {
	if w.cfg.metricsURL == "" {
		return nil, nil
	}
	fams, err := families(context.Background(), w.client, w.cfg.metricsURL)
	if err != nil {
		return nil, err
	}
	out := make([]*dto.MetricFamily, 0, len(fams))
	for name, f := range fams {
		if (strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")) && name != "go_build_info" {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, nil
}

// ObservedCgroup is your service's cgroup when this process can read it
// (a local run), for the run's cgroup series.
func (w *workload) ObservedCgroup() *cgroup.Reader {
	r, err := cgroupOf(w.cfg.pid)
	if err != nil {
		return nil
	}
	return r
}

// Ready gates the warmup on the service answering readyPath.
func (w *workload) Ready() <-chan struct{} { return w.ready }

func (w *workload) Run(ctx context.Context, m *scenario.Meter) error {
	if err := w.waitReady(ctx); err != nil {
		return err
	}
	close(w.ready)
	load := &openloop.Load{Rate: w.cfg.rate, Connections: w.cfg.connections, Timeout: w.cfg.timeout,
		Sent:    m.Counter("responses", "Responses the load generator received."),
		Errs:    m.Counter("errors", "Requests that failed or were not 2xx."),
		Latency: m.Latency("latency"), Lag: m.Latency("lag")}
	load.Run(ctx, targets("http://"+w.cfg.target, w.cfg.mix)...)
	return nil
}

// waitReady polls readyPath until it answers 2xx.
func (w *workload) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(w.cfg.readyTimeout)
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.cfg.readyURL, nil)
		if err != nil {
			return err
		}
		resp, err := w.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", w.cfg.readyURL, resp.Status)
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("your service did not answer %s with 2xx within readyTimeout %s (last: %v): check spec.scenario.app.port, readyPath and its log", w.cfg.readyURL, w.cfg.readyTimeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ObserveStart reads the service as the window starts.
func (w *workload) ObserveStart() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start = time.Now()
	w.cont, w.contErr = containerOf(w.cfg.pid)
	if w.cfg.metricsURL != "" {
		w.begin = readMetrics(context.Background(), w.client, w.cfg.metricsURL)
	}
	if w.cont != nil {
		w.beginCg = w.cont.Sample()
	}
	w.beginCPU, w.beginOK = w.serviceCPU(&w.begin)
}

// serviceCPU is the service's process CPU seconds: from its
// process_cpu_seconds_total, else from /proc when this process sees it.
func (w *workload) serviceCPU(s *scrape) (float64, bool) {
	if s.Err == nil && s.has(mProcessCPU) {
		return s.values[mProcessCPU], true
	}
	if w.cfg.pid > 0 {
		return processCPU(w.cfg.pid)
	}
	return 0, false
}

// Observed fills s with the service's settings, runtime, CPU, memory and
// cgroup path from the window's start to now, and lists what it could not
// read in s.Missing.
func (w *workload) Observed(s *result.Summary) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var end scrape
	if w.cfg.metricsURL != "" && w.begin.Err != nil {
		// A starved service may not answer in time as the window starts:
		// its first answer of the window stands in, the runtime figures
		// then covering less of it (their rates use the readings' times).
		if w.begin = readMetrics(context.Background(), w.client, w.cfg.metricsURL); w.begin.Err == nil {
			w.lastGood = w.begin
			w.beginCPU, w.beginOK = w.serviceCPU(&w.begin)
		}
	}
	if w.cfg.metricsURL != "" {
		end = readMetrics(context.Background(), w.client, w.cfg.metricsURL)
		if end.Err == nil {
			w.lastGood = end
		} else if w.begin.Err == nil && w.lastGood.values != nil && w.lastGood.At.After(w.begin.At) {
			// A starved service may not answer in time at the very end:
			// its last answer of the window stands in, the window's runtime
			// figures then ending there.
			end = w.lastGood
		}
	}
	var missing []string
	// Zero is unknown until the metrics say: no GOMAXPROCS, GOGC or
	// GOMEMLIMIT is reported that the service did not.
	st := result.Settings{NumCPU: cpusOf(w.cfg.pid)}
	w.rt, w.rtOK, w.schedOK = result.Runtime{}, false, false
	switch {
	case w.cfg.metricsURL == "" || w.begin.Err != nil || end.Err != nil:
		missing = append(missing, result.MissingMetrics)
	case end.At.Sub(w.begin.At) < time.Since(w.start)/2:
		// Answers that span less than half the window (a starved service
		// that answered only now and then) would give rates of a moment
		// as the window's: 0 GC/s over 10 ms.
		missing = append(missing, result.MissingMetrics)
	case !end.runtimeSeries():
		missing = append(missing, result.MissingRuntime)
	default:
		end.settings(&st)
		w.rt, w.rtOK = runtimeOf(&w.begin, &end), true
		if !end.has(mCPUGC) || !end.has(mCPUTotal) {
			missing = append(missing, result.MissingGCCPU)
		}
		if w.schedOK = len(end.sched) > 0; !w.schedOK {
			missing = append(missing, result.MissingSched)
		}
	}
	secs := time.Since(w.begin.At).Seconds()
	if w.cont != nil {
		secs = time.Since(w.beginCg.At).Seconds()
	}
	proc, procOK := w.serviceCPU(&end)
	procSecs := 0.0
	if procOK && w.beginOK {
		procSecs = max(proc-w.beginCPU, 0)
	}
	var cpu result.CPU
	var mem result.Memory
	var hier *result.Hierarchy
	if w.cont != nil {
		b := w.cont.Sample()
		cpu, mem = probe.CPU(w.beginCg, b), w.cont.Memory(b)
		cpu.ProcessSeconds = procSecs
		st.CgroupVersion = b.Cgroup.Version
		if b.Cgroup.CPUQuotaMicros > 0 && b.Cgroup.CPUPeriodMicros > 0 {
			st.CPULimitCores = float64(b.Cgroup.CPUQuotaMicros) / float64(b.Cgroup.CPUPeriodMicros)
		}
		if b.Cgroup.MemoryLimitBytes > 0 {
			st.MemoryLimitBytes = b.Cgroup.MemoryLimitBytes
		}
		hier = w.cont.Hierarchy(w.beginCg, b, st, cpu, mem)
	} else {
		missing = append(missing, result.MissingContainer)
		cpu.ProcessSeconds, cpu.UsageSeconds = procSecs, procSecs
		if secs > 0 {
			cpu.Cores = procSecs / secs
		}
		if !procOK || !w.beginOK {
			missing = append(missing, result.MissingCPU)
		}
	}
	s.Settings, s.Runtime, s.CPU, s.Memory, s.Hierarchy, s.Limits, s.Missing = st, w.rt, cpu, mem, hier, nil, missing
}

func (w *workload) Figures(win scenario.Window) map[string]float64 {
	f := openloop.Figures(win, w.cfg.rate, true)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rtOK {
		f["gc/s"] = w.rt.GCCyclesPerS
		f["heap-live-B"] = float64(w.rt.HeapLiveBytes)
	}
	if w.schedOK {
		f["sched-p99-s"] = w.rt.SchedLatencyP99
	}
	return f
}
