package manifests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// HelmVersion is the helm release `make helm` builds (the Makefile's
// HELM_VERSION).
const HelmVersion = "v3.22.0"

// HelmEnv names the helm binary to use, overriding the one `make helm` builds.
const HelmEnv = "RUNTIMELAB_HELM"

// Kustomize builds the kustomization in dir as `kubectl apply -k dir` would.
func Kustomize(dir string) ([]*unstructured.Unstructured, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	out, err := res.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return Decode(out)
}

// FindHelm returns the helm binary: $RUNTIMELAB_HELM, else the one `make
// helm` builds under root/hack/tools/bin, else helm on the PATH.
func FindHelm(root string) (string, error) {
	if p := os.Getenv(HelmEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s: %w", HelmEnv, err)
		}
		return p, nil
	}
	built := filepath.Join(root, "hack", "tools", "bin", "helm-"+HelmVersion)
	if _, err := os.Stat(built); err == nil {
		return built, nil
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no helm: set $%s, or run `make helm` to build %s", HelmEnv, built)
}

// Helm runs helm with args and returns its standard output; a failure
// carries helm's standard error.
func Helm(ctx context.Context, helm string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, helm, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// HelmTemplate renders chart as release in namespace, CRDs included, with
// extra helm arguments such as --set.
func HelmTemplate(ctx context.Context, helm, chart, release, namespace string, extra ...string) ([]*unstructured.Unstructured, error) {
	args := append([]string{"template", release, chart, "--namespace", namespace, "--include-crds"}, extra...)
	out, err := Helm(ctx, helm, args...)
	if err != nil {
		return nil, err
	}
	return Decode(out)
}

// Decode splits a stream of YAML documents into objects, skipping empty
// ones (helm leaves some behind disabled templates).
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decode document %d: %w", len(objs)+1, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetAPIVersion() == "" || u.GetKind() == "" {
			return nil, fmt.Errorf("document %d: no apiVersion or kind", len(objs)+1)
		}
		objs = append(objs, u)
	}
}

// Find returns the object of kind and name, or nil.
func Find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// Kinds counts the objects by kind.
func Kinds(objs []*unstructured.Unstructured) map[string]int {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GetKind()]++
	}
	return n
}
