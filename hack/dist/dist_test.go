package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"

	"github.com/runtime-lab/runtime-lab/operator/resultsdir"
	"github.com/runtime-lab/runtime-lab/workloads/sandbox"
)

// TestDistInstallsWithKrew builds this platform's release artefacts, checks
// the archive, the sums and the images, has a real krew install the
// archive through the manifest, and runs the installed plugin: its version,
// and, where this machine has cgroups, a local Experiment with the workload
// the archive ships beside it, from a directory outside any checkout.
func TestDistInstallsWithKrew(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release artefacts (about a minute)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the release is built on Linux")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	krew := krewBinary(t, root)
	const version = "v0.1.0-test.1"
	platform := "linux/" + runtime.GOARCH
	out := filepath.Join(t.TempDir(), "release")
	var log bytes.Buffer
	if err := run([]string{"-root", root, "-o", out, "-version", version, "-platforms", platform,
		"-url", "https://example.com/lab/VERSION"}, &log); err != nil {
		t.Fatalf("dist: %v\n%s", err, log.String())
	}
	archive := "kubectl-lab_" + version + "_linux_" + runtime.GOARCH + ".tar.gz"

	// Reproducible: a second build of the same commit gives the same bytes.
	again := filepath.Join(t.TempDir(), "again")
	if err := run([]string{"-root", root, "-o", again, "-version", version, "-platforms", platform,
		"-url", "https://example.com/lab/VERSION"}, io.Discard); err != nil {
		t.Fatalf("dist, again: %v", err)
	}
	if a, b := readFile(t, filepath.Join(out, "SHA256SUMS")), readFile(t, filepath.Join(again, "SHA256SUMS")); a != b {
		t.Errorf("two builds of one checkout differ:\n%s\n%s", a, b)
	}

	// SHA256SUMS names every artefact with its real sum.
	sums := readSums(t, filepath.Join(out, "SHA256SUMS"))
	for _, want := range []string{archive, "operator_" + version + "_linux_" + runtime.GOARCH + ".tar",
		"workload_" + version + "_linux_" + runtime.GOARCH + ".tar"} {
		if _, ok := sums[want]; !ok {
			t.Errorf("SHA256SUMS has no %s: %v", want, sums)
		}
	}
	for name, sum := range sums {
		if got := sha256File(t, filepath.Join(out, name)); got != sum {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s", name, got, sum)
		}
	}

	// The archive: the plugin, its completion helper and the workload,
	// executable, and a README.
	modes := tarModes(t, filepath.Join(out, archive))
	for name, mode := range map[string]int64{"kubectl-lab": 0o755, "kubectl_complete-lab": 0o755, "workload": 0o755, "README.txt": 0o644} {
		if got, ok := modes[name]; !ok || got != mode {
			t.Errorf("archive %s: %s mode %o (present: %v), want %o", archive, name, got, ok, mode)
		}
	}

	// The images: one per program, for this architecture, non-root.
	for _, img := range []string{"operator", "workload"} {
		image, err := tarball.ImageFromPath(filepath.Join(out, img+"_"+version+"_linux_"+runtime.GOARCH+".tar"), nil)
		if err != nil {
			t.Fatalf("%s image: %v", img, err)
		}
		cf, err := image.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != runtime.GOARCH || cf.OS != "linux" || cf.Config.User == "" || strings.HasPrefix(cf.Config.User, "0:") {
			t.Errorf("%s image: %s/%s user %q, want linux/%s, non-root", img, cf.OS, cf.Architecture, cf.Config.User, runtime.GOARCH)
		}
	}

	// The krew manifest points at the archive by URL and sum.
	manifest, err := os.ReadFile(filepath.Join(out, "lab.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m krewPlugin
	if err := yaml.UnmarshalStrict(manifest, &m); err != nil {
		t.Fatalf("lab.yaml: %v\n%s", err, manifest)
	}
	if len(m.Spec.Platforms) != 1 || m.Spec.Version != version ||
		m.Spec.Platforms[0].URI != "https://example.com/lab/"+version+"/"+archive || m.Spec.Platforms[0].SHA256 != sums[archive] {
		t.Errorf("lab.yaml does not name the archive by URL and sum:\n%s", manifest)
	}

	// krew installs it, validating the manifest and the archive's sum.
	krewRoot := t.TempDir()
	install := exec.Command(krew, "install", "--manifest="+filepath.Join(out, "lab.yaml"), "--archive="+filepath.Join(out, archive))
	install.Env = append(os.Environ(), "KREW_ROOT="+krewRoot, "KREW_NO_UPGRADE_CHECK=1")
	if b, err := install.CombinedOutput(); err != nil {
		t.Fatalf("krew install: %v\n%s", err, b)
	}
	plugin := filepath.Join(krewRoot, "bin", "kubectl-lab")
	b, err := exec.Command(plugin, "version").CombinedOutput()
	if err != nil || !regexp.MustCompile(`^kubectl lab `+regexp.QuoteMeta(version)+` \(commit [0-9a-f]{12}`).Match(b) {
		t.Errorf("the installed plugin's version: %v\n%s\nwant kubectl lab %s and its commit", err, b, version)
	}

	if err := sandbox.Probe("dist-test"); err != nil {
		t.Logf("no cgroups here (%v): the installed plugin's local run is not tried", err)
		return
	}
	// A local run from outside any checkout: the plugin finds the workload
	// krew installed beside it (no --workload, none on PATH).
	work := t.TempDir()
	file := filepath.Join(work, "tiny.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: lab.runtimelab.io/v1alpha1\nkind: Experiment\nmetadata: {name: tiny}\nspec:\n"+
		"  scenario: {timers: {}}\n  duration: 1s\n  warmup: 0s\n  repetitions: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runCmd := exec.Command(plugin, "run", "--local", "-f", file, "--out", filepath.Join(work, "results"))
	runCmd.Dir = work
	runCmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin")
	if b, err := runCmd.CombinedOutput(); err != nil {
		t.Fatalf("the installed plugin's local run: %v\n%s", err, b)
	}
	exp, err := resultsdir.LoadExperiment(t.Context(), filepath.Join(work, "results"))
	if err != nil {
		t.Fatal(err)
	}
	if exp.Status.Runs.Succeeded != 1 {
		t.Errorf("the installed plugin's local run: runs %+v, want 1 succeeded", exp.Status.Runs)
	}
}

// krewBinary is $RUNTIMELAB_KREW, else the krew `make krew` builds.
func krewBinary(t *testing.T, root string) string {
	t.Helper()
	if p := os.Getenv("RUNTIMELAB_KREW"); p != "" {
		return p
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	v := regexp.MustCompile(`(?m)^KREW_VERSION \?= (\S+)$`).FindSubmatch(mk)
	if v == nil {
		t.Fatal("Makefile: no KREW_VERSION")
	}
	p := filepath.Join(root, "hack", "tools", "bin", "krew-"+string(v[1]))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no krew: run `make krew` (make test does), or set RUNTIMELAB_KREW: %v", err)
	}
	return p
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("SHA256SUMS: %q is not a sha256sum line", sc.Text())
		}
		sums[name] = sum
	}
	return sums
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func tarModes(t *testing.T, path string) map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	modes := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return modes
		}
		if err != nil {
			t.Fatal(err)
		}
		modes[h.Name] = h.Mode
	}
}

// TestRunRejects: bad flags are named, nothing is built.
func TestRunRejects(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-version", "0.1.0"}, "-version \"0.1.0\": want a semantic version"},
		{[]string{"-version", "v1.2"}, "want a semantic version"},
		{[]string{"-platforms", "linux"}, "-platforms: \"linux\" is not GOOS/GOARCH"},
		{[]string{"-url", "http://example.com"}, "want an https:// URL"},
	} {
		err := run(append(tt.args, "-o", filepath.Join(t.TempDir(), "x")), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error mentioning %q", tt.args, err, tt.want)
		}
	}
}
