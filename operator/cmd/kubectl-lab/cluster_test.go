package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
)

// TestReportFromCluster: report and compare find an Experiment on a real
// API server the way kubectl finds objects — kubeconfig, context, the
// context's namespace unless -n says otherwise, --as — and report it as
// they report its results directory.
func TestReportFromCluster(t *testing.T) {
	cl := startCluster(t)
	kubeconfig, saved := cl.kubeconfig, cl.saved
	fromDir, err := execute("report", before)
	if err != nil {
		t.Fatal(err)
	}
	name := saved.Name
	for _, tt := range []struct {
		name string
		args []string
		want string // "": the report, as from the directory
		// usage: the error is bad input (exit 2)
		usage bool
	}{
		{name: "the context's namespace", args: []string{"report", name}},
		{name: "-n", args: []string{"report", name, "-n", "team-a", "--context", "team-b"}},
		{name: "another context's namespace", args: []string{"report", name, "--context", "team-b"},
			want: "no Experiment " + name + " in namespace team-b", usage: true},
		{name: "-n elsewhere", args: []string{"report", name, "-n", "team-c"},
			want: "no Experiment " + name + " in namespace team-c", usage: true},
		{name: "--as someone without rights", args: []string{"report", name, "--as", "system:serviceaccount:team-a:nobody"},
			want: "forbidden"},
		{name: "compare", args: []string{"compare", name, before}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := execute(append(tt.args, "--kubeconfig", kubeconfig)...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v\n%s", err, out)
				}
				if tt.args[0] == "report" && out != fromDir {
					t.Errorf("the report from the cluster differs from the one from %s:\n%s\nwant:\n%s", before, out, fromDir)
				}
				return
			}
			var u *usageError
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.As(err, &u) != tt.usage {
				t.Errorf("got %v (bad input: %v), want an error mentioning %q (bad input: %v)", err, errors.As(err, &u), tt.want, tt.usage)
			}
		})
	}
}

// cluster is a real API server with namespaces team-a and team-b, the
// report testdata's "before" Experiment in team-a with its status, and a
// kubeconfig whose current context is team-a (context team-b: team-b).
type cluster struct {
	kubeconfig string
	k8s        client.Client
	saved      *labv1.Experiment
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	testenv.NeedAPIServer(t)
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Stop() })
	ctx := context.Background()

	// An admin kubeconfig with two contexts: team-a (the current one) and
	// team-b, each with its namespace.
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kc, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	base := kc.Contexts[kc.CurrentContext]
	for _, ns := range []string{"team-a", "team-b"} {
		c := base.DeepCopy()
		c.Namespace = ns
		kc.Contexts[ns] = c
	}
	kc.CurrentContext = "team-a"
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}

	scheme := runtime.NewScheme()
	clientgoscheme.AddToScheme(scheme)
	labv1.AddToScheme(scheme)
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := resultsdir.LoadExperiment(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"team-a", "team-b"} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	exp := &labv1.Experiment{ObjectMeta: metav1.ObjectMeta{Name: saved.Name, Namespace: "team-a"}, Spec: saved.Spec}
	if err := k8s.Create(ctx, exp); err != nil {
		t.Fatal(err)
	}
	exp.Status = saved.Status
	if err := k8s.Status().Update(ctx, exp); err != nil {
		t.Fatal(err)
	}
	return &cluster{kubeconfig: kubeconfig, k8s: k8s, saved: saved}
}
