package exercises

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runtime-lab/runtime-lab/api/result"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
	"github.com/runtime-lab/runtime-lab/workloads/workloadtest"
)

// perConnBand bounds a sane idle connection's runtime memory: at least a
// goroutine stack (2 KiB) and its netFD, at most a few pages.
const perConnLow, perConnHigh = 1 << 10, 20 << 10

// TestExercise5IdleConnections: an idle connection costs a few KiB of
// runtime memory (a parked goroutine's stack and its netFD and buffer on
// each end), the same per connection at 1,000 and 8,000.
func TestExercise5IdleConnections(t *testing.T) {
	workloadtest.NeedMachine(t)
	o := runSample(t, "05-idle-connections-short.yaml")
	for _, c := range []struct {
		params string
		conns  float64
	}{{"params=c1k", 1000}, {"params=c8k", 8000}} {
		v := o.variant(t, c.params)
		completed(t, v)
		if got := median(t, v, "conns"); got != c.conns {
			t.Errorf("%s: held %.0f connections, want %.0f", describe(v), got, c.conns)
		}
		// Role both holds both ends of each connection in one process.
		if got := median(t, v, "bytes/conn"); got < 2*perConnLow || got > 2*perConnHigh {
			t.Errorf("%s: %.0f bytes per connection (both ends), want %d to %d", describe(v), got, 2*perConnLow, 2*perConnHigh)
		}
	}
}

var pollerServing = regexp.MustCompile(`msg=poller-serving addr=(\S+)`)

// TestExercise5TenThousandServerSide: 10,000 idle connections, the server
// in a real cgroup and its clients in a second process (one process cannot
// hold both ends under a 20,000 open-files limit): the server's cost per
// connection is in the same band, about half of role both's.
func TestExercise5TenThousandServerSide(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	const conns = 10000
	sb, err := sandbox.New(fmt.Sprintf("exercises-poller-%d", os.Getpid()), sandbox.Limits{MemoryBytes: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Delete()
	dir := t.TempDir()
	common := []string{"--set", "mode=idle", "--set", fmt.Sprintf("conns=%d", conns), "--warmup", "0s", "--listen", "", "--output", "json"}
	srvFile := filepath.Join(dir, "server.json")
	srv := sb.Command(workload, append([]string{"run", "poller", "--role", "server", "--serve", "127.0.0.1:0",
		"--duration", "4s", "--result-file", srvFile}, common...)...)
	var srvErr syncBuffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	addr := ""
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := pollerServing.FindStringSubmatch(srvErr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("the poller server did not report its address: %s", srvErr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli := exec.CommandContext(ctx, workload, append([]string{"run", "poller", "--role", "client", "--target", addr,
		"--duration", "1s", "--result-file", filepath.Join(dir, "client.json")}, common...)...)
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("poller client: %v\n%s", err, tailOf(out))
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("poller server: %v\n%s", err, srvErr.String())
	}
	b, err := os.ReadFile(srvFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := result.Decode(bytes.TrimSpace(b))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Figures
	t.Logf("server side of %d idle connections: %.0f B/conn (heap %.0f, stack %.0f); cgroup peak %.1f MiB",
		conns, f["bytes/conn"], f["heap-B/conn"], f["stack-B/conn"], float64(s.Memory.PeakBytes)/(1<<20))
	if f["conns"] != conns {
		t.Errorf("server held %.0f connections, want %d", f["conns"], conns)
	}
	if got := f["bytes/conn"]; got < perConnLow || got > perConnHigh {
		t.Errorf("server bytes/conn: got %.0f, want %d to %d", got, perConnLow, perConnHigh)
	}
	if f["stack-B/conn"] <= 0 || f["heap-B/conn"] <= 0 {
		t.Errorf("server stack and heap per connection: got %.0f and %.0f, want both > 0", f["stack-B/conn"], f["heap-B/conn"])
	}
}

// TestExercise6AllocationHygiene: reusing buffers through sync.Pool cuts
// what the runtime allocates per second and the GC's CPU share; and
// preallocating a slice halves what filling it by append allocates.
func TestExercise6AllocationHygiene(t *testing.T) {
	workloadtest.NeedMachine(t)
	o := runSample(t, "06-allocation-hygiene-short.yaml")
	fresh, pool := o.variant(t, "params=fresh"), o.variant(t, "params=pool")
	completed(t, fresh)
	completed(t, pool)
	for _, v := range []*labv1.VariantStatus{fresh, pool} {
		t.Logf("%s: %.2fM objects/s, %.0f MiB/s allocated, malloc CPU %.2f, GC CPU %.3f, peak %.0f MiB", describe(v),
			median(t, v, "objects/s")/1e6, median(t, v, "heap-alloc-B/s")/(1<<20), median(t, v, "malloc-cpu-frac"),
			median(t, v, "gc-cpu-frac"), median(t, v, "mem-peak-B")/(1<<20))
	}
	if f, p := median(t, fresh, "heap-alloc-B/s"), median(t, pool, "heap-alloc-B/s"); p > 0.2*f {
		t.Errorf("heap bytes allocated/s: fresh %.0f MiB/s, pool %.0f MiB/s; want the pool's at most 20%%", f/(1<<20), p/(1<<20))
	}
	if f, p := median(t, fresh, "gc-cpu-frac"), median(t, pool, "gc-cpu-frac"); p > 0.5*f {
		t.Errorf("GC CPU share: fresh %.3f, pool %.3f; want the pool's at most half", f, p)
	}
	if f, p := median(t, fresh, "malloc-cpu-frac"), median(t, pool, "malloc-cpu-frac"); f >= 0 && p >= 0 && p >= f {
		t.Errorf("share of CPU in mallocgc: fresh %.3f, pool %.3f; want the pool's lower", f, p)
	}
	// Preallocation: a slice grown by append from empty allocates about
	// twice its final bytes (each growth a new array); made at its final
	// capacity, once.
	grown, made := o.variant(t, "params=append"), o.variant(t, "params=prealloc")
	completed(t, grown)
	completed(t, made)
	perByte := func(v *labv1.VariantStatus) float64 { return median(t, v, "heap-alloc-B/s") / median(t, v, "bytes/s") }
	t.Logf("heap bytes allocated per byte asked for: append %.2f, prealloc %.2f; objects/s %.2fM and %.2fM",
		perByte(grown), perByte(made), median(t, grown, "objects/s")/1e6, median(t, made, "objects/s")/1e6)
	if g, m := perByte(grown), perByte(made); g < 1.6 || m > 1.2 {
		t.Errorf("heap bytes per byte asked for: append %.2f, prealloc %.2f; want about 2 and 1", g, m)
	}
}

// TestExercise7LeakDetection: while the service runs, the goroutine count of
// the goroutine-leaking server climbs and the live heap and resident memory
// of the heap-leaking one grow; the control's stay flat. The test reads the
// servers' interim summaries as the dashboards read /metrics.
func TestExercise7LeakDetection(t *testing.T) {
	workloadtest.NeedMachine(t)
	requireCgroups(t)
	exp := decode(t, "07-leak-detection-short.yaml")
	dir := t.TempDir()
	stop := make(chan struct{})
	peaks := watchServers(dir, stop)
	o := runExperiment(t, exp, dir)
	close(stop)
	peak := <-peaks
	control, gLeak, hLeak := o.variant(t, "params=control"), o.variant(t, "params=goroutine-leak"), o.variant(t, "params=heap-leak")
	completed(t, control)
	completed(t, gLeak)
	completed(t, hLeak)
	params := o.summary(t, gLeak, "-server").Params
	rate, every := param(t, params, "rate"), param(t, params, "leakEvery")
	window := exp.Spec.Duration.Duration.Seconds()
	if got := median(t, control, "leaked"); got != 0 {
		t.Errorf("%s: leaked %.0f, want 0", describe(control), got)
	}
	expected := rate * window / every
	for _, lv := range []*labv1.VariantStatus{gLeak, hLeak} {
		if got := median(t, lv, "leaked"); got < 0.5*expected || got > 1.5*expected {
			t.Errorf("%s: leaked %.0f, want about %.0f (every %.0fth request of %.0f/s for %.0fs)", describe(lv), got, expected, every, rate, window)
		}
	}
	server := func(v *labv1.VariantStatus) string { return v.Name + "-r0-server" }
	cPeak, gPeak, hPeak := peak[server(control)], peak[server(gLeak)], peak[server(hLeak)]
	t.Logf("most seen while measuring: control %d goroutines, %.1f MiB live; goroutine leak %d goroutines; heap leak %.1f MiB live",
		cPeak.goroutines, float64(cPeak.heapLive)/(1<<20), gPeak.goroutines, float64(hPeak.heapLive)/(1<<20))
	if cPeak.goroutines == 0 || gPeak.goroutines < cPeak.goroutines+uint64(0.25*expected) {
		t.Errorf("goroutines while measuring: control %d, %s %d; want the leak at least %.0f above the control",
			cPeak.goroutines, describe(gLeak), gPeak.goroutines, 0.25*expected)
	}
	// The leaked heap blocks are written page by page, so they are resident:
	// the cgroup's peak (Memory versus limit) shows them whatever the GC saw.
	leakBytes := median(t, hLeak, "leaked") * param(t, o.summary(t, hLeak, "-server").Params, "leakBytes")
	if c, h := median(t, control, "mem-peak-B"), median(t, hLeak, "mem-peak-B"); h-c < 0.5*leakBytes {
		t.Errorf("cgroup peak memory: control %.1f MiB, %s %.1f MiB; want at least %.1f MiB more (half of what it leaked)",
			c/(1<<20), describe(hLeak), h/(1<<20), 0.5*leakBytes/(1<<20))
	}
	if hPeak.heapLive < cPeak.heapLive+uint64(0.25*leakBytes) {
		t.Errorf("live heap while measuring: control %.1f MiB, %s %.1f MiB; want at least %.1f MiB more",
			float64(cPeak.heapLive)/(1<<20), describe(hLeak), float64(hPeak.heapLive)/(1<<20), 0.25*leakBytes/(1<<20))
	}
}

// param reads a numeric scenario parameter from a run's summary, where
// byte sizes are quantities such as 64Ki.
func param(t *testing.T, params map[string]string, key string) float64 {
	t.Helper()
	q, err := resource.ParseQuantity(params[key])
	if err != nil {
		t.Fatalf("parameter %s=%q in the run's summary: %v", key, params[key], err)
	}
	return q.AsApproximateFloat64()
}

// seen is the most a server's interim summaries showed while measuring.
type seen struct {
	goroutines, heapLive uint64
}

// watchServers polls the service servers' interim summaries (written every
// 2 s) in dir until stop closes, then sends the most goroutines and live
// heap each run showed while measuring, keyed by "<run>-server".
func watchServers(dir string, stop <-chan struct{}) <-chan map[string]seen {
	out := make(chan map[string]seen, 1)
	go func() {
		most := map[string]seen{}
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				out <- most
				return
			case <-tick.C:
			}
			paths, _ := filepath.Glob(filepath.Join(dir, resultsdir.RunsDir, "*-server.json"))
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					continue
				}
				s, err := result.Decode(bytes.TrimSpace(b))
				if err != nil || s.Phase != "measure" {
					continue
				}
				id := strings.TrimSuffix(filepath.Base(p), ".json")
				m := most[id]
				most[id] = seen{max(m.goroutines, s.Runtime.Goroutines), max(m.heapLive, s.Runtime.HeapLiveBytes)}
			}
		}
	}()
	return out
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tailOf is the end of a process's output, for a failure message.
func tailOf(b []byte) string {
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return string(b)
}
