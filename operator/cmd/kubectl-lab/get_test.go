package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/plan"
)

// TestGetFromCluster: kubectl lab get lists and shows Experiments on a real
// API server as kubectl get would — a table (wide with -o wide, a
// NAMESPACE column with -A), or the objects through kubectl's printers.
func TestGetFromCluster(t *testing.T) {
	cl := startCluster(t)
	name := cl.saved.Name
	var bestKnobs string
	for _, v := range cl.saved.Status.Variants {
		if v.Name == cl.saved.Status.Recommendation.Variant {
			bestKnobs = plan.Describe(v.Knobs)
		}
	}
	if bestKnobs == "" {
		t.Fatal("the testdata Experiment has no recommended variant")
	}
	header := regexp.MustCompile(`(?m)^NAME +SCENARIO +PHASE +RUNS +RUNNING +FAILED +BEST +AGE$`)
	row := regexp.MustCompile(`(?m)^` + name + ` +service +Complete +18/18 +0 +1 +v002 +\S+$`)
	for _, tt := range []struct {
		name  string
		args  []string
		match []*regexp.Regexp // each must match the output
		// check, when set, checks the output too.
		check func(t *testing.T, out string)
		err   string // the error must mention it
		usage bool   // and be bad input (exit 2)
	}{
		{name: "list", args: []string{"get"}, match: []*regexp.Regexp{header, row}},
		{name: "no headers", args: []string{"get", "--no-headers"}, check: func(t *testing.T, out string) {
			if !row.MatchString(out) || strings.Contains(out, "NAME") {
				t.Errorf("want the row without a header, got\n%s", out)
			}
		}},
		{name: "every namespace", args: []string{"get", "-A"},
			match: []*regexp.Regexp{regexp.MustCompile(`(?m)^NAMESPACE +NAME +SCENARIO`), regexp.MustCompile(`(?m)^team-a +` + name + ` +service +Complete`)}},
		{name: "wide", args: []string{"get", "-o", "wide"},
			match: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^NAME +SCENARIO +PHASE +RUNS +RUNNING +FAILED +BEST +AGE +BEST KNOBS +REASON$`),
				regexp.MustCompile(`(?m)^` + name + ` .* v002 +\S+ +` + regexp.QuoteMeta(bestKnobs) + ` +every run has an outcome$`)}},
		{name: "one, with its variants", args: []string{"get", name},
			match: []*regexp.Regexp{row,
				regexp.MustCompile(`(?m)^VARIANT +KNOBS +RUNS +RUNNING +PENDING +FAILED +PRECISION$`),
				regexp.MustCompile(`(?m)^v002 \(best\) +` + regexp.QuoteMeta(bestKnobs) + ` +\d+/\d+ +0 +0 +0 +-$`),
				regexp.MustCompile(`(?m)^v001 .* 1 +-$`)}},
		{name: "yaml", args: []string{"get", name, "-o", "yaml"}, check: func(t *testing.T, out string) {
			var got labv1.Experiment
			if err := yaml.UnmarshalStrict([]byte(out), &got); err != nil {
				t.Fatalf("-o yaml: %v\n%s", err, out)
			}
			if got.APIVersion != labv1.GroupVersion.String() || got.Kind != "Experiment" || got.Name != name ||
				got.Namespace != "team-a" || got.Status.Recommendation == nil || got.Status.Recommendation.Variant != "v002" ||
				len(got.Status.Variants) != len(cl.saved.Status.Variants) {
				t.Errorf("-o yaml is not the Experiment with its status:\n%s", out)
			}
		}},
		{name: "json list", args: []string{"get", "-o", "json"}, check: func(t *testing.T, out string) {
			var got labv1.ExperimentList
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("-o json: %v\n%s", err, out)
			}
			if got.Kind != "ExperimentList" || len(got.Items) != 1 || got.Items[0].Name != name {
				t.Errorf("-o json without a name is not the list of the namespace's Experiments:\n%s", out)
			}
		}},
		{name: "name", args: []string{"get", "-o", "name"}, check: func(t *testing.T, out string) {
			if want := "experiment.lab.runtimelab.io/" + name + "\n"; out != want {
				t.Errorf("-o name: got %q, want %q", out, want)
			}
		}},
		{name: "jsonpath", args: []string{"get", name, "-o", "jsonpath={.status.runs.failed}/{.status.runs.total}"}, check: func(t *testing.T, out string) {
			if out != "1/18" {
				t.Errorf("-o jsonpath: got %q, want 1/18", out)
			}
		}},
		{name: "report -o yaml", args: []string{"report", name, "-o", "yaml"}, match: []*regexp.Regexp{
			regexp.MustCompile(`(?m)^kind: Experiment$`), regexp.MustCompile(`(?m)^  name: ` + name + `$`)}},
		{name: "empty namespace", args: []string{"get", "-n", "team-b"}, check: func(t *testing.T, out string) {
			if out != "No Experiments found in namespace team-b.\n" {
				t.Errorf("got %q", out)
			}
		}},
		{name: "unknown format", args: []string{"get", "-o", "table"}, err: "-o table: not an output format; want one of wide, json, yaml", usage: true},
		{name: "missing", args: []string{"get", "nope"}, err: "no Experiment nope in namespace team-a (-n)", usage: true},
		{name: "a name with -A", args: []string{"get", name, "-A"}, err: "give no NAME with it", usage: true},
		{name: "report -o wide", args: []string{"report", name, "-o", "wide"}, err: "report has no wide table", usage: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := execute(append(tt.args, "--kubeconfig", cl.kubeconfig)...)
			if tt.err != "" {
				var u *usageError
				if err == nil || !strings.Contains(err.Error(), tt.err) || errors.As(err, &u) != tt.usage {
					t.Fatalf("got %v (bad input: %v), want an error mentioning %q (bad input: %v)", err, errors.As(err, &u), tt.err, tt.usage)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, re := range tt.match {
				if !re.MatchString(out) {
					t.Errorf("output does not match %s:\n%s", re, out)
				}
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
	t.Run("completion", func(t *testing.T) { testCompletion(t, cl) })
}

// lockedBuffer is an output a test reads while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWatch runs kubectl lab watch in the background; wait returns its
// output and error.
func startWatch(args ...string) (out *lockedBuffer, wait func() error) {
	out = &lockedBuffer{}
	root := newRootCmd()
	root.SetOut(out)
	root.SetErr(out)
	root.SetArgs(append([]string{"watch"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(context.Background()) }()
	return out, func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			return errors.New("watch did not return within a minute")
		}
	}
}

// waitFor polls until out holds want.
func waitFor(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the output never held %q:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatch: kubectl lab watch follows an Experiment's status on a real API
// server, printing a row when its progress changes, and exits by how it
// ended: nil when Complete; an error (exit 1) when it fails, is deleted or
// --timeout passes; bad input when there is no such Experiment.
func TestWatch(t *testing.T) {
	cl := startCluster(t)
	ctx := context.Background()
	// running creates an Experiment in team-a whose status says it is
	// Running with done runs of the testdata's 18 finished.
	running := func(t *testing.T, name string, done int) *labv1.Experiment {
		t.Helper()
		e := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team-a"}, Spec: cl.saved.Spec}
		if err := cl.k8s.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		setRunning(e, cl.saved, done)
		if err := cl.k8s.Status().Update(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	update := func(t *testing.T, e *labv1.Experiment, change func(*labv1.Experiment)) {
		t.Helper()
		if err := cl.k8s.Get(ctx, client.ObjectKeyFromObject(e), e); err != nil {
			t.Fatal(err)
		}
		change(e)
		if err := cl.k8s.Status().Update(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("until complete", func(t *testing.T) {
		e := running(t, "live", 3)
		out, wait := startWatch("live", "--kubeconfig", cl.kubeconfig)
		waitFor(t, out, "3/18")
		// A status write that changes nothing a reader follows prints
		// nothing.
		update(t, e, func(e *labv1.Experiment) { e.Status.ObservedGeneration++ })
		update(t, e, func(e *labv1.Experiment) { setRunning(e, cl.saved, 10) })
		waitFor(t, out, "10/18")
		update(t, e, func(e *labv1.Experiment) { e.Status = cl.saved.Status })
		if err := wait(); err != nil {
			t.Fatalf("watch of an Experiment that completed: %v\n%s", err, out)
		}
		got := out.String()
		rows := regexp.MustCompile(`(?m)^live +service +(\S+) +(\S+) `).FindAllStringSubmatch(got, -1)
		var seen []string
		for _, r := range rows {
			seen = append(seen, r[1]+" "+r[2])
		}
		if want := []string{"Running 3/18", "Running 10/18", "Complete 18/18"}; strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Errorf("rows %q, want %q:\n%s", seen, want, got)
		}
		if n := strings.Count(got, "NAME "); n != 1 {
			t.Errorf("the header printed %d times, want once:\n%s", n, got)
		}
		if !strings.Contains(got, "v002 (best)") {
			t.Errorf("no variant table at the end:\n%s", got)
		}
	})

	t.Run("failed", func(t *testing.T) {
		e := running(t, "doomed", 2)
		out, wait := startWatch("doomed", "--kubeconfig", cl.kubeconfig, "-o", "name")
		waitFor(t, out, "experiment.lab.runtimelab.io/doomed")
		update(t, e, func(e *labv1.Experiment) {
			e.Status.Phase = labv1.PhaseFailed
			meta.SetStatusCondition(&e.Status.Conditions, metav1.Condition{Type: labv1.ConditionFailed,
				Status: metav1.ConditionTrue, Reason: "RetriesExhausted", Message: "run v000-r1 failed 3 times: ImageError"})
		})
		err := wait()
		var u *usageError
		if !errors.Is(err, errWatchFailed) || errors.As(err, &u) || !strings.Contains(err.Error(), "run v000-r1 failed 3 times: ImageError") {
			t.Fatalf("got %v, want the Experiment's failure and its reason (exit 1)", err)
		}
	})

	t.Run("deleted", func(t *testing.T) {
		e := running(t, "gone", 1)
		out, wait := startWatch("gone", "--kubeconfig", cl.kubeconfig)
		waitFor(t, out, "1/18")
		if err := cl.k8s.Delete(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := wait(); err == nil || !strings.Contains(err.Error(), "was deleted before it ended") {
			t.Fatalf("got %v, want deleted", err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		running(t, "slow", 4)
		_, wait := startWatch("slow", "--kubeconfig", cl.kubeconfig, "--timeout", "2s")
		if err := wait(); err == nil || !strings.Contains(err.Error(), "--timeout 2s passed before it ended; it is Running, 4/18 runs") {
			t.Fatalf("got %v, want the timeout and where the Experiment was", err)
		}
	})

	t.Run("missing", func(t *testing.T) {
		_, wait := startWatch("nope", "--kubeconfig", cl.kubeconfig)
		var u *usageError
		if err := wait(); !errors.As(err, &u) || !strings.Contains(err.Error(), "no Experiment nope in namespace team-a") {
			t.Fatalf("got %v, want bad input naming the Experiment and namespace", err)
		}
	})
}

// setRunning makes e's status that of a running Experiment: done runs of
// the saved one's finished.
func setRunning(e, saved *labv1.Experiment, done int) {
	e.Status = labv1.ExperimentStatus{
		Phase:    labv1.PhaseRunning,
		Scenario: saved.Status.Scenario,
		Progress: fmt.Sprintf("%d/%d", done, saved.Status.Runs.Total),
		Runs:     labv1.RunCounts{Total: saved.Status.Runs.Total, Succeeded: int32(done), Running: 1, Pending: saved.Status.Runs.Total - int32(done) - 1},
		Conditions: []metav1.Condition{{Type: labv1.ConditionProgressing, Status: metav1.ConditionTrue,
			Reason: "RunsInProgress", Message: "runs in progress", LastTransitionTime: metav1.Now()}},
	}
}

// testCompletion: the shells' completion (cobra's __complete, which
// kubectl_complete-lab calls) offers Experiment names from the cluster,
// results directories, scenarios, figures and plot knobs.
func testCompletion(t *testing.T, cl *cluster) {
	name := cl.saved.Name
	for _, tt := range []struct {
		name    string
		args    []string
		want    []string // each a line of the output
		notWant []string
	}{
		{name: "report: names and directories", args: []string{"report", "--kubeconfig", cl.kubeconfig, ""},
			want: []string{name, "testdata/"}},
		{name: "watch: a name", args: []string{"watch", "--kubeconfig", cl.kubeconfig, name[:3]}, want: []string{name}},
		{name: "watch: one name only", args: []string{"watch", "--kubeconfig", cl.kubeconfig, name, ""}, notWant: []string{name}},
		{name: "another namespace has none", args: []string{"get", "--kubeconfig", cl.kubeconfig, "-n", "team-b", ""}, notWant: []string{name}},
		{name: "scenarios", args: []string{"scenarios", "g"}, want: []string{"gc\t"}},
		{name: "figures of the Experiment", args: []string{"report", name, "--kubeconfig", cl.kubeconfig, "--figure", "lat-"},
			want: []string{"lat-p50-s", "lat-p99-s"}, notWant: []string{"cpu-cores"}},
		{name: "plot: figure then knob", args: []string{"report", name, "--kubeconfig", cl.kubeconfig, "--plot", "lat-p99-s:"},
			want: []string{"lat-p99-s:cpu", "lat-p99-s:gomaxprocs"}},
		{name: "output formats", args: []string{"get", "-o", ""}, want: []string{"wide", "yaml", "json", "name"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := execute(append([]string{"__complete"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(out, "\n")
			has := func(w string) bool {
				for _, l := range lines {
					if l == w || strings.HasSuffix(w, "\t") && strings.HasPrefix(l, w) {
						return true
					}
				}
				return false
			}
			for _, w := range tt.want {
				if !has(w) {
					t.Errorf("no completion %q in\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if has(w) {
					t.Errorf("completion %q should not be offered:\n%s", w, out)
				}
			}
		})
	}
}
