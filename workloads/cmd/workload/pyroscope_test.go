package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// ingest is a stand-in Pyroscope server: it speaks the /ingest API that
// pyroscope-go pushes to and keeps the parsed pprof profiles by name.
type ingest struct {
	mu       sync.Mutex
	profiles map[string][]*profile.Profile // key: series name with its {tags}
	errs     []string
	names    []string
}

func (in *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/ingest" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	name := r.URL.Query().Get("name")
	in.mu.Lock()
	in.names = append(in.names, name)
	in.mu.Unlock()
	f, _, err := r.FormFile("profile")
	if err == nil {
		var p *profile.Profile
		if p, err = profile.Parse(f); err == nil {
			in.mu.Lock()
			in.profiles[name] = append(in.profiles[name], p)
			in.mu.Unlock()
			return
		}
	}
	in.mu.Lock()
	in.errs = append(in.errs, name+": "+err.Error())
	in.mu.Unlock()
	io.Copy(io.Discard, r.Body)
}

// find returns the profiles of the application whose series name has every
// tag and whose pprof sample types include sampleType ("cpu",
// "alloc_objects", ...): Pyroscope tells profile types apart by those.
func (in *ingest) find(sampleType string, tags ...string) []*profile.Profile {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []*profile.Profile
	for name, ps := range in.profiles {
		if !strings.HasPrefix(name, "runtimelab.workload{") {
			continue
		}
		ok := true
		for _, tag := range tags {
			ok = ok && strings.Contains(name, tag)
		}
		for _, p := range ps {
			if ok && p.SampleType != nil && hasSampleType(p, sampleType) {
				out = append(out, p)
			}
		}
	}
	return out
}

func hasSampleType(p *profile.Profile, typ string) bool {
	for _, st := range p.SampleType {
		if st.Type == typ {
			return true
		}
	}
	return false
}

func TestPyroscopePushesLabelledProfiles(t *testing.T) {
	workloadtest.NeedMachine(t)
	in := &ingest{profiles: map[string][]*profile.Profile{}}
	srv := httptest.NewServer(in)
	defer srv.Close()
	s := start(t, []string{"RUNTIMELAB_EXPERIMENT=e1", "RUNTIMELAB_VARIANT=v1", "RUNTIMELAB_RUN=r0"}, false,
		"run", "alloc", "--duration", "60s", "--warmup", "0s", "--listen", "",
		"--pyroscope", srv.URL, "--pyroscope-upload-rate", "500ms", "--set", "goroutines=1")
	tags := []string{"scenario=alloc", "experiment=e1", "variant=v1", "run=r0"}
	cpuSamples := func() (n int64) {
		for _, p := range in.find("cpu", tags...) {
			for _, smp := range p.Sample {
				n += smp.Value[len(smp.Value)-1]
			}
		}
		return n
	}
	waitFor(t, 20*time.Second, "CPU and allocation profiles", func() bool {
		return cpuSamples() > 0 && len(in.find("alloc_objects", tags...)) > 0
	})
	defer func() {
		if t.Failed() {
			in.mu.Lock()
			t.Logf("pushed series: %v; errors: %v", in.names, in.errs)
			in.mu.Unlock()
		}
	}()
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.wait(t)

	var allocHasMalloc bool
	for _, p := range in.find("alloc_objects", tags...) {
		for _, smp := range p.Sample {
			for _, loc := range smp.Location {
				for _, l := range loc.Line {
					allocHasMalloc = allocHasMalloc || strings.Contains(l.Function.Name, "scenarios/alloc")
				}
			}
		}
	}
	if !allocHasMalloc {
		t.Error("allocation profiles: got no sample in the alloc scenario's code, want its allocations")
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.errs) > 0 {
		t.Errorf("unparsable pushes: %v", in.errs)
	}
}
