package buildtest

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Tools are the host programs the image carries (with their libraries).
var Tools = []string{"bash", "sleep", "cat", "ls", "mkdir", "rm", "true", "false", "echo", "test", "env", "touch", "sync", "stat"}

// Registry is a plain-HTTP registry on 127.0.0.1 holding one base image.
type Registry struct {
	Host      string // 127.0.0.1:PORT
	BaseImage string // Host/ocl-test/base:latest
}

// Start serves the image and stops the registry when the test ends.
// Pull it with TLS verification off (plain HTTP).
func Start(t testing.TB) *Registry {
	t.Helper()
	layer, err := hostLayer()
	if err != nil {
		t.Fatalf("buildtest: assembling rootfs: %v", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cfg.Config.Labels = map[string]string{"io.ocl-build.test": "base"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	r := &Registry{Host: host, BaseImage: host + "/ocl-test/base:latest"}
	ref, err := name.ParseReference(r.BaseImage, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("buildtest: pushing base image: %v", err)
	}
	return r
}

// Digest is the manifest digest of the image at ref in the registry.
func (r *Registry) Digest(t testing.TB, ref string) v1.Hash {
	t.Helper()
	n, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(n)
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest
}

var libRE = regexp.MustCompile(`(/\S+) \(0x`)

// hostLayer tars the tools, their shared libraries and the usr-merge
// symlinks of the host, plus empty /tmp, /etc, /root, /proc, /dev, /sys.
func hostLayer() (v1.Layer, error) {
	files := map[string]bool{}
	links := map[string]string{} // path → target, for tool names that are links
	for _, tool := range Tools {
		p, err := exec.LookPath(tool)
		if err != nil {
			return nil, err
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, err
		}
		files[real] = true
		if real != p {
			links[p] = real
		}
		out, err := exec.Command("ldd", real).Output()
		if err != nil {
			continue // static
		}
		for _, m := range libRE.FindAllStringSubmatch(string(out), -1) {
			lib := m[1]
			if r, err := filepath.EvalSymlinks(lib); err == nil {
				files[r] = true
				if r != lib {
					links[lib] = r
				}
			}
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	addDir := func(d string) error {
		var chain []string
		for d != "/" && d != "." && !dirs[d] {
			chain = append([]string{d}, chain...)
			d = filepath.Dir(d)
		}
		for _, c := range chain {
			dirs[c] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(c, "/") + "/", Mode: 0o755}); err != nil {
				return err
			}
		}
		return nil
	}
	// usr-merge: top-level /bin, /lib… are links on the host; copy them first.
	for _, top := range []string{"/bin", "/sbin", "/lib", "/lib64"} {
		if tgt, err := os.Readlink(top); err == nil {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: top[1:], Linkname: tgt, Mode: 0o777}); err != nil {
				return nil, err
			}
			dirs[top] = true
		}
	}
	for _, d := range []string{"/tmp", "/etc", "/root", "/proc", "/dev", "/sys", "/run", "/var/tmp"} {
		if err := addDir(d); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if err := addDir(filepath.Dir(f)); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f[1:], Mode: 0o755, Size: int64(len(b))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	// The template's RUN lines need bash as /bin/sh, as on RHEL.
	links["/usr/bin/sh"] = "bash"
	for l, tgt := range links {
		// Write links where the host really keeps them (/lib64/x is
		// /usr/lib64/x on a usr-merged host).
		if d, err := filepath.EvalSymlinks(filepath.Dir(l)); err == nil {
			l = filepath.Join(d, filepath.Base(l))
		}
		if files[l] {
			continue
		}
		if err := addDir(filepath.Dir(l)); err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: l[1:], Linkname: tgt, Mode: 0o777}); err != nil {
			return nil, err
		}
	}
	// A passwd so RUN steps have a root user.
	for _, f := range []struct{ name, body string }{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"},
		{"etc/group", "root:x:0:\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.body))}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
}

// Push writes img to the registry as Host/repoTag and returns the full ref.
func (r *Registry) Push(t testing.TB, repoTag string, img v1.Image) string {
	t.Helper()
	full := r.Host + "/" + repoTag
	ref, err := name.ParseReference(full, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("buildtest: pushing %s: %v", full, err)
	}
	return full
}

// FileLayer is a layer holding the given files (path → content), mode 0644.
func FileLayer(t testing.TB, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}
