package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

// PrometheusEnv names a prebuilt Prometheus binary (.ci/run sets it).
const PrometheusEnv = "RUNTIMELAB_PROMETHEUS"

// scrapeInterval is short so that a test of under a minute has dozens of
// samples per series.
const scrapeInterval = time.Second

// prometheusBin returns the Prometheus binary: $RUNTIMELAB_PROMETHEUS, or
// hack/prometheus-bin.sh's, built from the Go module and cached: about 12
// minutes the first time on 2 cores, however long that takes. TestMain
// calls it before anything with a lifetime starts.
func prometheusBin() (string, error) {
	if p := os.Getenv(PrometheusEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", PrometheusEnv, p, err)
		}
		return p, nil
	}
	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(), "hack", "prometheus-bin.sh"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/prometheus-bin.sh (build Prometheus from its Go module; run it once, about 12 minutes, or set %s): %w\n%s",
			PrometheusEnv, err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// target is one scrape target with its static labels, as a PodMonitor's
// relabelling would give a pod (namespace, pod) or a ServiceMonitor the
// operator's endpoint.
type target struct {
	job    string
	addr   string
	labels map[string]string
}

// prom is a running Prometheus.
type prom struct {
	url  string
	cmd  *exec.Cmd
	done chan error
	log  *bytes.Buffer
}

// startPrometheus writes a config scraping targets every scrapeInterval and
// starts Prometheus on 127.0.0.1 with storage in dir.
func startPrometheus(bin, dir string, targets []target) (*prom, error) {
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\nscrape_configs:\n",
		scrapeInterval, scrapeInterval*9/10, scrapeInterval)
	jobs := map[string][]target{}
	var order []string
	for _, t := range targets {
		if _, ok := jobs[t.job]; !ok {
			order = append(order, t.job)
		}
		jobs[t.job] = append(jobs[t.job], t)
	}
	for _, job := range order {
		// honor_labels: the workloads' own experiment/variant/run labels
		// win over the target's, as the PodMonitor configures it.
		fmt.Fprintf(&cfg, "- job_name: %s\n  honor_labels: true\n  static_configs:\n", job)
		for _, t := range jobs[job] {
			lb, err := json.Marshal(t.labels)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&cfg, "  - targets: [%q]\n    labels: %s\n", t.addr, lb)
		}
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &prom{url: "http://" + addr, done: make(chan error, 1), log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start prometheus: %w", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("prometheus exited: %v\n%s\nconfig:\n%s", err, p.log, cfg.String())
		default:
		}
		if resp, err := http.Get(p.url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("prometheus not ready in 30s:\n%s", p.log)
}

func (p *prom) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// apiResponse is Prometheus' HTTP API envelope.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func (p *prom) get(path string, params url.Values) (json.RawMessage, error) {
	resp, err := http.Get(p.url + path + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: decode %q: %w", path, b, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// series is one series of a range query's matrix.
type series struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// queryRange evaluates expr over [start, end] and returns the series that
// have at least one value that is a number (not NaN).
func (p *prom) queryRange(expr string, start, end time.Time, step time.Duration) ([]series, error) {
	data, err := p.get("/api/v1/query_range", url.Values{
		"query": {expr}, "start": {fmt.Sprint(start.Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {step.String()},
	})
	if err != nil {
		return nil, err
	}
	var m struct {
		ResultType string   `json:"resultType"`
		Result     []series `json:"result"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	var out []series
	for _, s := range m.Result {
		for _, v := range s.Values {
			if str, _ := v[1].(string); str != "NaN" && str != "" {
				out = append(out, s)
				break
			}
		}
	}
	return out, nil
}

// labelValues is what Grafana's label_values(match, label) lists.
func (p *prom) labelValues(label, match string, start, end time.Time) ([]string, error) {
	data, err := p.get("/api/v1/label/"+label+"/values", url.Values{
		"match[]": {match}, "start": {fmt.Sprint(start.Unix())}, "end": {fmt.Sprint(end.Unix())},
	})
	if err != nil {
		return nil, err
	}
	var vs []string
	return vs, json.Unmarshal(data, &vs)
}

// targetsUp returns how many active targets are up, and the errors of
// those that are not.
func (p *prom) targetsUp() (int, []string, error) {
	data, err := p.get("/api/v1/targets", url.Values{"state": {"active"}})
	if err != nil {
		return 0, nil, err
	}
	var t struct {
		ActiveTargets []struct {
			ScrapeURL string `json:"scrapeUrl"`
			Health    string `json:"health"`
			LastError string `json:"lastError"`
		} `json:"activeTargets"`
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return 0, nil, err
	}
	up := 0
	var errs []string
	for _, a := range t.ActiveTargets {
		if a.Health == "up" {
			up++
		} else {
			errs = append(errs, a.ScrapeURL+": "+a.Health+" "+a.LastError)
		}
	}
	return up, errs, nil
}
