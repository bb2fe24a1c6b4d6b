// Command dist builds runtime-lab's release artefacts without Docker: the
// kubectl lab plugin for every platform as archives (tar.gz; zip for
// Windows), the Linux archives with the workload binary beside the plugin
// (kubectl lab run --local finds it there), the operator and workload
// images per Linux architecture as OCI tarballs (hack/image), a SHA256SUMS
// file, and a krew plugin manifest (lab.yaml) whose URIs point at the
// release's download location.
//
//	go run ./hack/dist -version v0.1.0 -o dist/release
//
// make dist runs it; make push-images pushes the images (hack/image push).
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Platforms the plugin is built for by default: kubectl's own.
var defaultPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// config is what one dist run builds.
type config struct {
	root      string // the repository
	out       string // where the artefacts go
	version   string // vMAJOR.MINOR.PATCH[-PRE]
	platforms []string
	urlBase   string // the archives' download location; VERSION is replaced
	images    bool
	// mtime stamps every archived file, so that one commit's artefacts are
	// the same bytes whoever builds them.
	mtime time.Time
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	var c config
	var platforms string
	fs.StringVar(&c.out, "o", "dist/release", "directory the artefacts go to (emptied first)")
	fs.StringVar(&c.version, "version", "v0.0.0-dev", "the release's version, vMAJOR.MINOR.PATCH (krew wants semantic versions)")
	fs.StringVar(&platforms, "platforms", strings.Join(defaultPlatforms, ","), "GOOS/GOARCH list for the plugin; the images are built for its linux ones")
	fs.StringVar(&c.urlBase, "url", "https://github.com/runtime-lab/runtime-lab/releases/download/VERSION",
		"where the archives will be downloaded from (VERSION is replaced); the krew manifest's URIs")
	fs.BoolVar(&c.images, "images", true, "build the operator and workload images for the linux platforms")
	fs.StringVar(&c.root, "root", ".", "the repository checkout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !semver.MatchString(c.version) {
		return fmt.Errorf("-version %q: want a semantic version such as v0.1.0 or v0.1.0-rc.1 (krew refuses others)", c.version)
	}
	for _, p := range strings.Split(platforms, ",") {
		if !platformRE.MatchString(p) {
			return fmt.Errorf("-platforms: %q is not GOOS/GOARCH, e.g. linux/amd64", p)
		}
		c.platforms = append(c.platforms, p)
	}
	if !strings.HasPrefix(c.urlBase, "https://") {
		return fmt.Errorf("-url %q: want an https:// URL (krew downloads over https)", c.urlBase)
	}
	c.urlBase = strings.TrimSuffix(strings.ReplaceAll(c.urlBase, "VERSION", c.version), "/")
	mtime, err := commitTime(c.root)
	if err != nil {
		return err
	}
	c.mtime = mtime
	return build(c, stdout)
}

var (
	semver     = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)
	platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9]+$`)
)

// commitTime is the checkout's HEAD commit time, or the Unix epoch outside
// git.
func commitTime(root string) (time.Time, error) {
	cmd := exec.Command("git", "log", "-1", "--format=%ct")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return time.Unix(0, 0).UTC(), nil
	}
	var sec int64
	if _, err := fmt.Sscan(string(out), &sec); err != nil {
		return time.Time{}, fmt.Errorf("git log: %q: %w", out, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// artefact is one file written to the output directory.
type artefact struct {
	name   string
	sha256 string
}

func build(c config, stdout io.Writer) error {
	if err := os.RemoveAll(c.out); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "runtime-lab-dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(c.root, "hack", "dist", "README.txt"))
	if err != nil {
		return err
	}
	complete, err := os.ReadFile(filepath.Join(c.root, "hack", "dist", "kubectl_complete-lab"))
	if err != nil {
		return err
	}
	var arts []artefact
	var krewPlatforms []krewPlatform
	for _, p := range c.platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		exe := ""
		if goos == "windows" {
			exe = ".exe"
		}
		files := []file{{name: "README.txt", data: readme, mode: 0o644}}
		plugin, err := c.goBuild(tmp, goos, goarch, "./operator/cmd/kubectl-lab", "-X main.releaseVersion="+c.version)
		if err != nil {
			return err
		}
		files = append(files, file{name: "kubectl-lab" + exe, data: plugin, mode: 0o755})
		if goos != "windows" {
			files = append(files, file{name: "kubectl_complete-lab", data: complete, mode: 0o755})
		}
		if goos == "linux" {
			workload, err := c.goBuild(tmp, goos, goarch, "./workloads/cmd/workload", "")
			if err != nil {
				return err
			}
			files = append(files, file{name: "workload", data: workload, mode: 0o755})
		}
		name := fmt.Sprintf("kubectl-lab_%s_%s_%s", c.version, goos, goarch)
		var archive []byte
		if goos == "windows" {
			name += ".zip"
			archive, err = zipArchive(files, c.mtime)
		} else {
			name += ".tar.gz"
			archive, err = tarGz(files, c.mtime)
		}
		if err != nil {
			return err
		}
		a, err := c.write(name, archive)
		if err != nil {
			return err
		}
		arts = append(arts, a)
		krewPlatforms = append(krewPlatforms, krewPlatformFor(goos, goarch, c.urlBase+"/"+name, a.sha256, exe))
		if goos == "linux" && c.images {
			imgs, err := c.buildImages(tmp, goarch)
			if err != nil {
				return err
			}
			arts = append(arts, imgs...)
		}
	}
	manifest, err := krewManifest(c.version, krewPlatforms)
	if err != nil {
		return err
	}
	if _, err := c.write("lab.yaml", manifest); err != nil {
		return err
	}
	var sums bytes.Buffer
	for _, a := range arts {
		fmt.Fprintf(&sums, "%s  %s\n", a.sha256, a.name) // sha256sum -c reads this
	}
	if _, err := c.write("SHA256SUMS", sums.Bytes()); err != nil {
		return err
	}
	for _, a := range arts {
		fmt.Fprintf(stdout, "%s  %s\n", a.sha256, filepath.Join(c.out, a.name))
	}
	fmt.Fprintf(stdout, "krew manifest: %s\n", filepath.Join(c.out, "lab.yaml"))
	return nil
}

// goBuild builds pkg for goos/goarch as a static, reproducible binary and
// returns it.
func (c config) goBuild(tmp, goos, goarch, pkg, ldflags string) ([]byte, error) {
	out := filepath.Join(tmp, fmt.Sprintf("%s-%s-%s", filepath.Base(pkg), goos, goarch))
	// -buildvcs=auto stamps the commit where GOFLAGS says otherwise.
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=auto", "-ldflags", strings.TrimSpace("-s -w "+ldflags), "-o", out, pkg)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s for %s/%s: %v\n%s", pkg, goos, goarch, err, b)
	}
	return os.ReadFile(out)
}

// buildImages packages the operator and the workload for linux/goarch as
// OCI image tarballs (hack/image: one layer, the static binary, non-root).
func (c config) buildImages(tmp, goarch string) ([]artefact, error) {
	var arts []artefact
	for _, img := range []struct{ name, pkg, path string }{
		{"operator", "./operator/cmd/manager", "/manager"},
		{"workload", "./workloads/cmd/workload", "/workload"},
	} {
		bin, err := c.goBuild(tmp, "linux", goarch, img.pkg, "")
		if err != nil {
			return nil, err
		}
		binPath := filepath.Join(tmp, img.name+"-"+goarch)
		if err := os.WriteFile(binPath, bin, 0o755); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%s_%s_linux_%s.tar", img.name, c.version, goarch)
		out := filepath.Join(tmp, name)
		cmd := exec.Command("go", "run", "./hack/image", "-binary", binPath, "-path", img.path, "-arch", goarch,
			"-name", "runtime-lab/"+img.name+":"+c.version, "-o", out)
		cmd.Dir = c.root
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("image %s for linux/%s: %v\n%s", img.name, goarch, err, b)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return nil, err
		}
		a, err := c.write(name, data)
		if err != nil {
			return nil, err
		}
		arts = append(arts, a)
	}
	return arts, nil
}

func (c config) write(name string, data []byte) (artefact, error) {
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(c.out, name), data, 0o644); err != nil {
		return artefact{}, err
	}
	return artefact{name: name, sha256: hex.EncodeToString(sum[:])}, nil
}

// file is one file in an archive.
type file struct {
	name string
	data []byte
	mode int64
}

// tarGz archives files, owned by root, stamped mtime.
func tarGz(files []file, mtime time.Time) ([]byte, error) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	gz.ModTime = mtime
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// zipArchive archives files as a zip, stamped mtime.
func zipArchive(files []file, mtime time.Time) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The krew plugin manifest (krew.googlecontainertools.github.com/v1alpha2,
// https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/). krew's
// own Go types would drag a 2019 client-go into this module, so these
// mirror them; the dist test has a real krew install the manifest.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec krewSpec `json:"spec"`
}

type krewSpec struct {
	Version          string         `json:"version"`
	Homepage         string         `json:"homepage"`
	ShortDescription string         `json:"shortDescription"`
	Description      string         `json:"description"`
	Caveats          string         `json:"caveats,omitempty"`
	Platforms        []krewPlatform `json:"platforms"`
}

type krewPlatform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string     `json:"uri"`
	SHA256 string     `json:"sha256"`
	Files  []krewFile `json:"files"`
	Bin    string     `json:"bin"`
}

type krewFile struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func krewPlatformFor(goos, goarch, uri, sha, exe string) krewPlatform {
	p := krewPlatform{URI: uri, SHA256: sha, Bin: "kubectl-lab" + exe}
	p.Selector.MatchLabels = map[string]string{"os": goos, "arch": goarch}
	p.Files = []krewFile{{From: "*", To: "."}}
	return p
}

func krewManifest(version string, platforms []krewPlatform) ([]byte, error) {
	var m krewPlugin
	m.APIVersion = "krew.googlecontainertools.github.com/v1alpha2"
	m.Kind = "Plugin"
	m.Metadata.Name = "lab"
	m.Spec = krewSpec{
		Version:          version,
		Homepage:         "https://github.com/runtime-lab/runtime-lab",
		ShortDescription: "Measure how the Go runtime behaves under container limits",
		Description: "kubectl lab runs runtime-lab Experiments, which measure the Go runtime (scheduler, allocator, GC,\n" +
			"memory limit, network poller, timers, stacks, an HTTP service) under container CPU and memory limits\n" +
			"and Go settings, locally in real cgroups (Linux) or on a cluster through the runtime-lab operator;\n" +
			"it lists, follows, reports and compares their results.",
		Caveats: "kubectl lab get, watch, report and compare need the runtime-lab operator on the cluster\n" +
			"(see the homepage). kubectl lab run --local needs Linux, root or a delegated cgroup v2, and runs\n" +
			"the workload binary installed beside the plugin. For completion of kubectl lab's arguments,\n" +
			"put kubectl_complete-lab (in the plugin's directory) on your PATH.",
		Platforms: platforms,
	}
	return yaml.Marshal(m)
}
