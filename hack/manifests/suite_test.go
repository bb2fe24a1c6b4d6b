package manifests

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/hack/testenv"
)

// The package's tests share one real API server (envtest) with the
// Experiment CRD and prometheus-operator's ServiceMonitor and PodMonitor
// CRDs installed.
var (
	env  *testenv.Env
	k8s  client.Client
	root = testenv.RepoRoot()
)

// fieldOwner is the field manager of every apply in these tests.
const fieldOwner = "runtimelab-manifests-test"

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the fast tier: no API server (the tests that need one skip)
	}
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(m)
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop envtest:", err)
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	// The chart's ServiceMonitor and PodMonitor are checked against the
	// schemas prometheus-operator generates from its API types
	// (hack/monitoring-crds.sh).
	if _, err := envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join("testdata", "monitoring")}, ErrorIfPathMissing: true,
	}); err != nil {
		fmt.Fprintln(os.Stderr, "install the monitoring.coreos.com CRDs:", err)
		return 1
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := labv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	var err error
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	return m.Run()
}

func context5m(t *testing.T) context.Context {
	t.Helper()
	testenv.NeedAPIServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// id names an object in failures.
func id(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", o.GetKind(), ns, o.GetName())
	}
	return fmt.Sprintf("%s %s", o.GetKind(), o.GetName())
}

// dryRunApply server-side applies obj with dryRun=All: the API server runs
// defaulting, schema and CEL validation and admission, and stores nothing.
func dryRunApply(ctx context.Context, obj *unstructured.Unstructured) error {
	return k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()),
		client.DryRunAll, client.FieldOwner(fieldOwner), client.ForceOwnership)
}

// applyAll dry-run applies every object and reports each rejection.
func applyAll(t *testing.T, ctx context.Context, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if err := dryRunApply(ctx, o); err != nil {
			t.Errorf("%s: got rejected by the API server (server-side dry-run): %v", id(o), err)
		}
	}
}

// createForReal creates obj, or applies it when it exists already.
func createForReal(t *testing.T, ctx context.Context, obj *unstructured.Unstructured) {
	t.Helper()
	err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()), client.FieldOwner(fieldOwner), client.ForceOwnership)
	if err != nil {
		t.Fatalf("create %s: %v", id(obj), err)
	}
}

// ensureNamespace creates namespace ns, enforcing Pod Security "restricted".
func ensureNamespace(t *testing.T, ctx context.Context, ns string) {
	t.Helper()
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}}
	if err := k8s.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
}

// podOf is the pod a Deployment's template makes, for admission checks.
func podOf(t *testing.T, dep *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	tmpl, ok, err := unstructured.NestedMap(dep.Object, "spec", "template")
	if err != nil || !ok {
		t.Fatalf("%s: no spec.template (%v)", id(dep), err)
	}
	pod := &unstructured.Unstructured{Object: tmpl}
	pod.SetAPIVersion("v1")
	pod.SetKind("Pod")
	pod.SetName(dep.GetName() + "-admission-check")
	pod.SetNamespace(dep.GetNamespace())
	return pod
}

// checkPodAdmitted dry-run creates the Deployment's pod in its namespace,
// which enforces Pod Security "restricted".
func checkPodAdmitted(t *testing.T, ctx context.Context, dep *unstructured.Unstructured) {
	t.Helper()
	pod := podOf(t, dep)
	if err := k8s.Create(ctx, pod, client.DryRunAll, client.FieldValidation("Strict")); err != nil {
		t.Errorf("the operator's pod (%s) in namespace %s (Pod Security restricted): got rejected: %v", id(dep), pod.GetNamespace(), err)
	}
}

// access is one question to the authorizer about a service account.
type access struct {
	verb, group, resource, subresource, namespace string
	allowed                                       bool
}

func (a access) String() string {
	r := a.resource
	if a.group != "" {
		r += "." + a.group
	}
	if a.subresource != "" {
		r += "/" + a.subresource
	}
	where := "cluster-wide"
	if a.namespace != "" {
		where = "in " + a.namespace
	}
	return fmt.Sprintf("%s %s %s", a.verb, r, where)
}

// can asks the API server's authorizer (a SubjectAccessReview, what
// `kubectl auth can-i --as` does) whether the service account may.
func can(ctx context.Context, ns, sa string, a access) (bool, error) {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   "system:serviceaccount:" + ns + ":" + sa,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: a.namespace, Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.subresource,
		},
	}}
	if err := k8s.Create(ctx, sar); err != nil {
		return false, fmt.Errorf("subjectaccessreview %s: %w", a, err)
	}
	return sar.Status.Allowed, nil
}

// operatorAccess is what the operator needs and what it must not have. ns
// is the operator's namespace; Experiments and their pods live in others.
func operatorAccess(ns string) []access {
	const lab = "lab-experiments"
	return []access{
		{verb: "create", resource: "pods", namespace: lab, allowed: true},
		{verb: "delete", resource: "pods", namespace: lab, allowed: true},
		{verb: "watch", resource: "pods", allowed: true},
		{verb: "list", group: "lab.runtimelab.io", resource: "experiments", allowed: true},
		{verb: "patch", group: "lab.runtimelab.io", resource: "experiments", subresource: "status", namespace: lab, allowed: true},
		{verb: "create", group: "events.k8s.io", resource: "events", namespace: lab, allowed: true},
		{verb: "create", group: "authentication.k8s.io", resource: "tokenreviews", allowed: true},
		{verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews", allowed: true},
		{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: ns, allowed: true},
		{verb: "create", resource: "events", namespace: ns, allowed: true},

		{verb: "update", group: "lab.runtimelab.io", resource: "experiments", namespace: lab},
		{verb: "delete", group: "lab.runtimelab.io", resource: "experiments", namespace: lab},
		{verb: "update", resource: "pods", namespace: lab},
		{verb: "create", resource: "pods", subresource: "exec", namespace: lab},
		{verb: "get", resource: "secrets", namespace: lab},
		{verb: "get", resource: "secrets", namespace: ns},
		{verb: "list", resource: "secrets"},
		{verb: "get", resource: "configmaps", namespace: ns},
		{verb: "create", resource: "serviceaccounts", subresource: "token", namespace: ns},
		{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: lab},
		{verb: "create", resource: "events", namespace: lab},
		{verb: "delete", resource: "namespaces"},
		{verb: "create", resource: "namespaces"},
		{verb: "patch", resource: "nodes"},
		{verb: "create", group: "apps", resource: "deployments", namespace: lab},
		{verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterroles"},
		{verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings"},
		{verb: "escalate", group: "rbac.authorization.k8s.io", resource: "roles", namespace: ns},
		{verb: "update", group: "apiextensions.k8s.io", resource: "customresourcedefinitions"},
	}
}

// checkRBAC asks the authorizer about every access in want for the service
// account, once the new bindings are visible to it.
func checkRBAC(t *testing.T, ctx context.Context, ns, sa string, want []access) {
	t.Helper()
	// The authorizer learns new bindings from an informer: wait until the
	// first allowed access is allowed before judging the rest.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := can(ctx, ns, sa, want[0])
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got denied for 30s, want allowed (are the bindings for %s/%s there?)", want[0], ns, sa)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, a := range want {
		got, err := can(ctx, ns, sa, a)
		if err != nil {
			t.Fatal(err)
		}
		if got != a.allowed {
			t.Errorf("system:serviceaccount:%s:%s may %s: got %v, want %v", ns, sa, a, got, a.allowed)
		}
	}
}

// checkUserRoles checks the ClusterRoles for users of Experiments, as a
// namespace's editors and viewers get them: each bound in one namespace
// (as the default edit and view roles are, which these aggregate into)
// to a service account, and the authorizer asked what it may do there
// and next door. The aggregation itself is the controller manager's work,
// which envtest does not run; the cluster e2e checks it (hack/e2e).
func checkUserRoles(t *testing.T, ctx context.Context, objs []*unstructured.Unstructured, editor, viewer string) {
	t.Helper()
	const lab = "lab.runtimelab.io"
	ns, other := "team-"+editor, "team-elsewhere"
	for _, c := range []struct {
		role, label string
		want        []access
	}{{
		role: editor, label: "rbac.authorization.k8s.io/aggregate-to-edit",
		want: []access{
			{verb: "create", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "delete", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "patch", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "watch", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "get", group: lab, resource: "experiments", subresource: "status", namespace: ns, allowed: true},
			{verb: "patch", group: lab, resource: "experiments", subresource: "status", namespace: ns},
			{verb: "update", group: lab, resource: "experiments", subresource: "status", namespace: ns},
			{verb: "create", group: lab, resource: "experiments", namespace: other},
			{verb: "list", group: lab, resource: "experiments"},
			{verb: "create", resource: "pods", namespace: ns},
		},
	}, {
		role: viewer, label: "rbac.authorization.k8s.io/aggregate-to-view",
		want: []access{
			{verb: "get", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "list", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "watch", group: lab, resource: "experiments", namespace: ns, allowed: true},
			{verb: "get", group: lab, resource: "experiments", subresource: "status", namespace: ns, allowed: true},
			{verb: "create", group: lab, resource: "experiments", namespace: ns},
			{verb: "delete", group: lab, resource: "experiments", namespace: ns},
			{verb: "patch", group: lab, resource: "experiments", namespace: ns},
			{verb: "get", group: lab, resource: "experiments", namespace: other},
		},
	}} {
		o := Find(objs, "ClusterRole", c.role)
		if o == nil {
			t.Errorf("got no ClusterRole %s", c.role)
			continue
		}
		if got := o.GetLabels()[c.label]; got != "true" {
			t.Errorf("%s: got label %s=%q, want \"true\" (or the default role does not pick it up)", id(o), c.label, got)
		}
		ensureNamespace(t, ctx, ns)
		sa := "user-of-" + c.role
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: c.role},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: ns}},
		}
		if err := k8s.Create(ctx, rb); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("bind %s in %s: %v", c.role, ns, err)
		}
		checkRBAC(t, ctx, ns, sa, c.want)
	}
}

// rbacObjects are the objects that give the operator its rights.
func rbacObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			out = append(out, o)
		}
	}
	return out
}

// mustContain fails unless err mentions every part.
func mustContain(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("got error %q, want it to mention %q", err, p)
		}
	}
}
