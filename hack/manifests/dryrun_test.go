package manifests

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDryRunRejects shows that the checks above can fail: the same
// server-side dry-run turns away a misspelt field, an Experiment the CRD's
// rules forbid, a ServiceMonitor the prometheus-operator schema forbids, and
// the admission check a pod Pod Security "restricted" forbids.
func TestDryRunRejects(t *testing.T) {
	ctx := context5m(t)
	const ns = "runtimelab-rejects"
	ensureNamespace(t, ctx, ns)
	tests := []struct {
		name, doc string
		pod       bool
		want      []string
	}{{
		name: "misspelt Deployment field",
		doc: `apiVersion: apps/v1
kind: Deployment
metadata: {name: typo, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers: [{name: c, image: busybox, imagePullPolize: Never}]`,
		want: []string{"imagePullPolize"},
	}, {
		name: "Experiment with two scenarios",
		doc: `apiVersion: lab.runtimelab.io/v1alpha1
kind: Experiment
metadata: {name: two, namespace: ` + ns + `}
spec:
  scenario: {gc: {}, alloc: {}}`,
		want: []string{"spec.scenario"},
	}, {
		name: "ServiceMonitor port as a number",
		doc: `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: bad, namespace: ` + ns + `}
spec:
  selector: {matchLabels: {app: x}}
  endpoints: [{port: 8443}]`,
		want: []string{"endpoints"},
	}, {
		name: "privileged pod under restricted",
		pod:  true,
		doc: `apiVersion: v1
kind: Pod
metadata: {name: root, namespace: ` + ns + `}
spec:
  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]`,
		want: []string{"PodSecurity", "restricted"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if tt.pod {
				err = k8s.Create(ctx, objs[0], client.DryRunAll)
			} else {
				err = dryRunApply(ctx, objs[0])
			}
			mustContain(t, err, tt.want...)
		})
	}
}
