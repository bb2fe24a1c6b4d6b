package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/runtime-lab/runtime-lab/dashboards/build"
	"github.com/runtime-lab/runtime-lab/dashboards/lint"
)

// ingest speaks the part of Pyroscope's /ingest API that pyroscope-go
// pushes to: POST /ingest?name=APP{k=v,...}&spyName=...&... with a
// multipart form whose "profile" part is a pprof profile.
type ingest struct {
	mu     sync.Mutex
	pushes []push
	errs   []string
}

// push is one parsed upload: the series' labels as Pyroscope stores them
// (service_name from the application name, plus the tags) and its profile.
type push struct {
	labels map[string]string
	p      *profile.Profile
}

var seriesName = regexp.MustCompile(`^([^{]+)\{(.*)\}$`)

func (in *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := in.receive(r)
	in.mu.Lock()
	defer in.mu.Unlock()
	if err != nil {
		in.errs = append(in.errs, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func (in *ingest) receive(r *http.Request) error {
	if r.Method != http.MethodPost || r.URL.Path != "/ingest" {
		io.Copy(io.Discard, r.Body)
		return fmt.Errorf("%s %s: not the ingest API", r.Method, r.URL.Path)
	}
	name := r.URL.Query().Get("name")
	m := seriesName.FindStringSubmatch(name)
	if m == nil {
		return fmt.Errorf("name %q: want APP{k=v,...}", name)
	}
	labels := map[string]string{"service_name": m[1]}
	for _, kv := range strings.Split(m[2], ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			labels[k] = v
		}
	}
	f, _, err := r.FormFile("profile")
	if err != nil {
		return fmt.Errorf("%s: profile part: %w", name, err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return fmt.Errorf("%s: parse pprof: %w", name, err)
	}
	in.mu.Lock()
	in.pushes = append(in.pushes, push{labels: labels, p: p})
	in.mu.Unlock()
	return nil
}

// matching returns the pushed profiles of sampleType whose labels the
// selector's matchers all accept.
func (in *ingest) matching(sampleType string, ms []lint.Matcher) (n int, samples int64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range in.pushes {
		idx := -1
		for i, st := range p.p.SampleType {
			if st.Type == sampleType {
				idx = i
			}
		}
		if idx < 0 || !matchAll(ms, p.labels) {
			continue
		}
		n++
		for _, s := range p.p.Sample {
			samples += s.Value[idx]
		}
	}
	return n, samples
}

func matchAll(ms []lint.Matcher, labels map[string]string) bool {
	for _, m := range ms {
		v := labels[m.Name]
		var ok bool
		switch m.Op {
		case "=":
			ok = v == m.Value
		case "!=":
			ok = v != m.Value
		case "=~", "!~":
			re, err := regexp.Compile("^(?:" + m.Value + ")$")
			ok = err == nil && re.MatchString(v) == (m.Op == "=~")
		}
		if !ok {
			return false
		}
	}
	return true
}

// TestFlameGraphSelectorsMatchPushedProfiles runs a workload that pushes
// profiles with pyroscope-go to a local ingest endpoint, and checks that
// every flame graph panel's label selector, variables substituted as a
// user picking this run would, selects profiles of its type that carry
// samples: CPU, allocation and goroutine profiles arrive with the run's
// labels.
func TestFlameGraphSelectorsMatchPushedProfiles(t *testing.T) {
	needLab(t)
	in := &ingest{}
	srv := httptest.NewServer(in)
	defer srv.Close()
	const exp, variant = "pyro-e2e", "alloc-pool"
	w, err := startWorkload(exp, workloadSpec{scenario: "alloc", variant: variant, sets: []string{"goroutines=1"},
		args: []string{"--pyroscope", srv.URL, "--pyroscope-upload-rate", "1s"}}, 5*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.stop()

	type panelQuery struct {
		dashboard, panel, sampleType string
		matchers                     []lint.Matcher
	}
	var queries []panelQuery
	for _, d := range loadDashboards(t) {
		values := map[string]string{"experiment": exp, "variant": variant, "namespace": labNamespace}
		for _, p := range d.AllPanels() {
			for _, tg := range p.Targets {
				if !tg.IsPyroscope() {
					continue
				}
				if tg.LabelSelector != build.ProfileSelector {
					t.Errorf("%s / %s: label selector %s, want the shared %s", d.Title, p.Title, tg.LabelSelector, build.ProfileSelector)
				}
				sel, err := substitute(tg.LabelSelector, values)
				if err != nil {
					t.Fatalf("%s / %s: %v", d.Title, p.Title, err)
				}
				sels, err := lint.Selectors(sel)
				if err != nil || len(sels) != 1 {
					t.Fatalf("%s / %s: selector %s: %v", d.Title, p.Title, sel, err)
				}
				parts := strings.Split(tg.ProfileTypeID, ":")
				if len(parts) != 5 {
					t.Fatalf("%s / %s: profile type %q: want name:sample:unit:period:unit", d.Title, p.Title, tg.ProfileTypeID)
				}
				queries = append(queries, panelQuery{d.Title, p.Title, parts[1], sels[0].Matchers})
			}
		}
	}
	if len(queries) == 0 {
		t.Fatal("no flame graph panel in the dashboards")
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, q := range queries {
		for {
			n, samples := in.matching(q.sampleType, q.matchers)
			if n > 0 && samples > 0 {
				t.Logf("%s / %s: %d %s profiles with %d samples match %v", q.dashboard, q.panel, n, q.sampleType, samples, q.matchers)
				break
			}
			if time.Now().After(deadline) {
				in.mu.Lock()
				var got []map[string]string
				for _, p := range in.pushes {
					got = append(got, p.labels)
				}
				t.Fatalf("%s / %s: no %s profile with samples matches %v in 30s; pushed: %v; errors: %v",
					q.dashboard, q.panel, q.sampleType, q.matchers, got, in.errs)
				in.mu.Unlock()
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	// The same selector must not match another experiment's profiles.
	other := append([]lint.Matcher(nil), queries[0].matchers...)
	for i := range other {
		if other[i].Name == "experiment" {
			other[i].Value = "another-experiment"
		}
	}
	if n, _ := in.matching(queries[0].sampleType, other); n != 0 {
		t.Errorf("selector for another experiment: got %d profiles, want 0", n)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range in.pushes {
		for _, k := range []string{"scenario", "experiment", "variant", "run"} {
			if p.labels[k] == "" {
				t.Errorf("a push lacks the run label %s: %v", k, p.labels)
			}
		}
	}
	if len(in.errs) > 0 {
		t.Errorf("unparsable pushes: %v", in.errs)
	}
}
