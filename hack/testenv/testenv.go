// Package testenv starts a real kube-apiserver and etcd for tests
// (controller-runtime's envtest) with binaries built from Go modules by
// hack/k8s-bin.sh — nothing is downloaded but modules — and the
// runtime-lab CRDs installed.
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running API server.
type Env struct {
	*envtest.Environment
	Config *rest.Config
}

// RepoRoot finds the repository root from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Assets returns the folder holding kube-apiserver and etcd:
// $KUBEBUILDER_ASSETS when set, else hack/k8s-bin.sh's cache, building the
// binaries on first use.
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command("bash", filepath.Join(RepoRoot(), "hack", "k8s-bin.sh"), "kube-apiserver", "etcd")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build envtest binaries with hack/k8s-bin.sh: %w\n%s", err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// Start starts etcd and kube-apiserver with the CRDs of config/crd/bases.
func Start() (*Env, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	e := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := e.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest (kube-apiserver and etcd from %s): %w", assets, err)
	}
	return &Env{Environment: e, Config: cfg}, nil
}

// NeedAPIServer skips t in the fast test tier (go test -short), which
// runs without a real API server. Packages whose TestMain starts one skip
// starting it there too (testing.Short after flag.Parse).
func NeedAPIServer(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real API server (envtest): the fast tier (-short) skips it")
	}
}
