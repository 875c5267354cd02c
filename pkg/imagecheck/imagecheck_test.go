package imagecheck

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// Short names for the shared layer helpers, which these tests use a lot.
var (
	file    = testutil.File
	symlink = testutil.Symlink
	dir     = testutil.Dir
	layerOf = testutil.TarLayer
)

// hist is one history entry: a layer (when l is set) or an empty one.
type hist struct {
	createdBy string
	l         v1.Layer
}

func ociImage(t *testing.T, parent v1.Image, hs ...hist) v1.Image {
	t.Helper()
	img := parent
	if img == nil {
		img = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	for _, h := range hs {
		var err error
		add := mutate.Addendum{History: v1.History{CreatedBy: h.createdBy, EmptyLayer: h.l == nil}, Layer: h.l}
		if h.l == nil {
			cf, _ := img.ConfigFile()
			cf = cf.DeepCopy()
			cf.History = append(cf.History, add.History)
			img, err = mutate.ConfigFile(img, cf)
		} else {
			img, err = mutate.Append(img, add)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func writeLayout(t *testing.T, img v1.Image) string { return testutil.OCILayout(t, img) }

func open(t *testing.T, ref string) *image.Image {
	t.Helper()
	im, err := image.Open(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	return im
}

func machineConfig(t *testing.T, units ...map[string]any) *mcfgv1.MachineConfig {
	t.Helper()
	ign := map[string]any{"ignition": map[string]any{"version": "3.5.0"}, "systemd": map[string]any{"units": units}}
	raw, err := json.Marshal(ign)
	if err != nil {
		t.Fatal(err)
	}
	return &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: "rendered-worker-test"}, Spec: mcfgv1.MachineConfigSpec{Config: runtime.RawExtension{Raw: raw}}}
}

func enable(name string) map[string]any { return map[string]any{"name": name, "enabled": true} }

const sysd = "usr/lib/systemd/system/"

// world builds the base image (two layers) and a built image on top of it:
// a template layer, the template's LABELs, then two user layers.
func world(t *testing.T) (base, built *image.Image) {
	b := ociImage(t, nil,
		hist{"base rootfs", layerOf(t, dir("usr"), dir("usr/lib"), symlink("lib", "usr/lib"),
			file(sysd+"sshd.service", "[Unit]\n"), file(sysd+"getty@.service", "[Unit]\n"),
			file(sysd+"gone.service", "[Unit]\n"), file("var/lib/base-state", "kept: base content is not the user's"))},
		hist{"base units", layerOf(t, symlink("etc/systemd/system/alias.service", "/usr/lib/systemd/system/sshd.service"),
			symlink("etc/systemd/system/masked.service", "/dev/null"))},
	)
	bt := ociImage(t, b,
		hist{"/bin/sh -c #(nop) COPY file:abc in /etc/machine-config-daemon/currentconfig", layerOf(t, file("etc/machine-config-daemon/currentconfig", "{}"),
			file("var/lib/from-machineconfig", "written by ignition-apply: the template's, not the user's"))},
		hist{"/bin/sh -c #(nop) LABEL machineconfig=rendered-worker-test", nil},
		hist{"/bin/sh -c #(nop) LABEL baseOSContainerImage=example.com/rhcos@sha256:0", nil},
		hist{"/bin/sh -c dnf install -y autofs", layerOf(t,
			file(sysd+"autofs.service", "[Unit]\n"),
			file("opt/foo/foo.service", "[Unit]\n"),
			symlink("etc/systemd/system/multi-user.target.wants/foo.service", "/opt/foo/foo.service"),
			symlink("etc/systemd/system/multi-user.target.wants/dangling.service", "/opt/nothing.service"),
			testutil.TarEntry{Name: sysd + ".wh.gone.service"},
			dir("var"), dir("var/cache"), dir("var/cache/dnf"),
			file("var/log/dnf.log", "log"), file("var/lib/dnf/history.sqlite", "db"),
			file("tmp/scratch", "x"), file("tmp/keep", "y"), file("run/pid", "1"))},
		hist{"/bin/sh -c rm /tmp/scratch && ostree container commit", layerOf(t, testutil.TarEntry{Name: "tmp/.wh.scratch"}, dir("var/cache/dnf"))},
	)
	return open(t, writeLayout(t, b)), open(t, writeLayout(t, bt))
}

func byRule(fs []findings.Finding) map[string][]findings.Finding {
	m := map[string][]findings.Finding{}
	for _, f := range fs {
		m[f.Rule] = append(m[f.Rule], f)
	}
	return m
}

func TestUnitsAndVolatile(t *testing.T) {
	base, built := world(t)
	mc := machineConfig(t,
		enable("sshd.service"),       // in the base
		enable("alias.service"),      // in the base through a symlink
		enable("getty@tty1.service"), // its template is in the base
		enable("autofs.service"),     // only in the built image → OCL401
		enable("foo.service"),        // only as a .wants link in the built image → OCL401
		enable("dangling.service"),   // a .wants link to nothing → OCL402
		enable("masked.service"),     // masked to /dev/null → OCL402
		enable("gone.service"),       // in the base, deleted by the build: still fine for the daemon's first step
		enable("nowhere.service"),    // → OCL402
		map[string]any{"name": "own.service", "enabled": true, "contents": "[Service]\nExecStart=/bin/true\n"},
		map[string]any{"name": "off.service", "enabled": false},
	)
	fs, err := Run(context.Background(), Input{Base: base, Built: built, MachineConfig: mc, File: "Containerfile"})
	if err != nil {
		t.Fatal(err)
	}
	got := byRule(fs)
	var u401, u402 []string
	for _, f := range got[RuleUnitNotInBase] {
		u401 = append(u401, strings.Fields(f.Message)[0])
		if f.Severity != findings.SeverityError || f.File != "MachineConfig/rendered-worker-test" || !strings.Contains(f.Message, "systemctl enable") || !strings.Contains(f.Message, "OCPBUGS-56648") {
			t.Errorf("OCL401 finding: %+v", f)
		}
	}
	for _, f := range got[RuleUnitNotInImage] {
		u402 = append(u402, strings.Fields(f.Message)[0])
	}
	if strings.Join(u401, ",") != "autofs.service,foo.service" {
		t.Errorf("OCL401 for %v, want autofs.service,foo.service", u401)
	}
	if strings.Join(u402, ",") != "dangling.service,masked.service,nowhere.service" {
		t.Errorf("OCL402 for %v", u402)
	}
	if !strings.Contains(got[RuleUnitNotInBase][0].Message, "/usr/lib/systemd/system/autofs.service") ||
		!strings.Contains(got[RuleUnitNotInBase][1].Message, "multi-user.target.wants/foo.service") {
		t.Errorf("OCL401 should say where the unit is: %v", got[RuleUnitNotInBase])
	}

	// OCL404: only the user's layers; the whited-out file and the
	// directories left by an emptied cache do not count.
	var msgs []string
	for _, f := range got[RuleVolatileLeft] {
		msgs = append(msgs, f.Message)
		if f.File != "Containerfile" || f.Severity != findings.SeverityWarning {
			t.Errorf("OCL404 finding: %+v", f)
		}
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"2 path(s) in /var: /var/lib/dnf/history.sqlite, /var/log/dnf.log", "1 path(s) in /tmp: /tmp/keep", "1 path(s) in /run: /run/pid"} {
		if !strings.Contains(all, want) {
			t.Errorf("OCL404 lacks %q:\n%s", want, all)
		}
	}
	for _, not := range []string{"scratch", "from-machineconfig", "base-state", "var/cache"} {
		if strings.Contains(all, not) {
			t.Errorf("OCL404 names %s:\n%s", not, all)
		}
	}
	if len(fs) != 2+3+3 {
		t.Errorf("%d findings: %+v", len(fs), fs)
	}
}

// Without the template's LABEL in the history every layer above the base is
// the user's; UserLayers overrides both.
func TestUserLayerBoundary(t *testing.T) {
	b := ociImage(t, nil, hist{"base", layerOf(t, file("usr/bin/x", "x"))})
	bt := ociImage(t, b,
		hist{"template", layerOf(t, file("var/lib/template", "t"))},
		hist{"user", layerOf(t, file("var/lib/user", "u"))})
	base, built := open(t, writeLayout(t, b)), open(t, writeLayout(t, bt))
	ctx := context.Background()
	if _, err := TemplateLayers(ctx, built.Ref, image.Options{}); err != ErrNoTemplate {
		t.Fatalf("TemplateLayers: %v, want ErrNoTemplate", err)
	}
	for _, tc := range []struct {
		user int
		want string
	}{{0, "2 path(s) in /var: /var/lib/template, /var/lib/user"}, {1, "1 path(s) in /var: /var/lib/user;"}} {
		fs, err := Run(ctx, Input{Base: base, Built: built, UserLayers: tc.user})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) {
			t.Errorf("UserLayers=%d: %+v, want %q", tc.user, fs, tc.want)
		}
	}
	if _, err := Run(ctx, Input{Base: base, Built: built, UserLayers: 9}); err == nil {
		t.Error("more user layers than the image has: no error")
	}
	// A clean build: nothing.
	clean := ociImage(t, b, hist{"user", layerOf(t, file("usr/lib/x", "x"), dir("var/tmp"))})
	fs, err := Run(ctx, Input{Base: base, Built: open(t, writeLayout(t, clean))})
	if err != nil || len(fs) != 0 {
		t.Errorf("clean build: %v %+v", err, fs)
	}
}

func TestTemplateLayersHistory(t *testing.T) {
	_, built := world(t)
	n, err := TemplateLayers(context.Background(), built.Ref, image.Options{})
	if err != nil || n != 3 {
		t.Fatalf("TemplateLayers = %d, %v; want 3 (2 base + 1 template)", n, err)
	}
}

func pkg(name, v, r string) rpmdiff.Package {
	return rpmdiff.Package{Name: name, Version: v, Release: r, Arch: "x86_64"}
}

func TestCheckPackages(t *testing.T) {
	content := `FROM configs AS final
RUN dnf install -y \
        autofs \
        openldap-5.0-1.el9 \
        bash.x86_64 \
        nosuchpkg \
        libsss_autofs-2.9.6 \
    && dnf clean all && ostree container commit
`
	diff := rpmdiff.Result{
		Added:    []rpmdiff.Package{pkg("autofs", "5.1.7", "58.el9"), pkg("libsss_autofs", "2.9.6", "4.el9")},
		Upgraded: []rpmdiff.Change{{Name: "openldap", Arch: "x86_64", From: pkg("openldap", "2.6.6", "3.el9"), To: pkg("openldap", "5.0", "1.el9")}},
	}
	basePkgs := []rpmdiff.Package{pkg("bash", "5.1.8", "9.el9"), pkg("openldap", "2.6.6", "3.el9")}
	fs, err := CheckPackages(content, "Containerfile", diff, basePkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d findings: %+v", len(fs), fs)
	}
	if f := fs[0]; f.Line != 5 || f.Column != 9 || f.Rule != RulePkgNotInDiff || f.Severity != findings.SeverityWarning ||
		!strings.Contains(f.Message, "bash.x86_64") || !strings.Contains(f.Message, "already in the base image (bash-5.1.8-9.el9.x86_64)") {
		t.Errorf("bash: %+v", f)
	}
	if f := fs[1]; f.Line != 6 || !strings.Contains(f.Message, "nosuchpkg") || !strings.Contains(f.Message, "does not have it") {
		t.Errorf("nosuchpkg: %+v", f)
	}
	// Without the base list the message says both possibilities.
	fs, _ = CheckPackages(content, "Containerfile", diff, nil)
	if len(fs) != 2 || !strings.Contains(fs[0].Message, "already in the base image or was not installed") {
		t.Errorf("no base list: %+v", fs)
	}
	// A Containerfile that does not parse is an error naming the file.
	if _, err := CheckPackages("RUN \"\x00", "cf.txt", diff, nil); err == nil || !strings.Contains(err.Error(), "cf.txt") {
		t.Errorf("bad content: %v", err)
	}
}

// The built image's copy of the base layers may be other blobs (a registry's
// base, a locally built image): the same diff IDs let the base's indexes
// serve both, and an alias in the user's layer still resolves into them.
func TestRecompressedBaseLayers(t *testing.T) {
	baseTar := func(level int) v1.Layer {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		body := "[Unit]\n"
		tw.WriteHeader(&tar.Header{Name: sysd + "a.service", Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(body))})
		io.WriteString(tw, body)
		tw.Close()
		b := buf.Bytes()
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
			tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(level))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	b := ociImage(t, nil, hist{"base", baseTar(9)})
	bt := ociImage(t, ociImage(t, nil, hist{"base", baseTar(1)}),
		hist{"user", layerOf(t, symlink("etc/systemd/system/b.service", "/usr/lib/systemd/system/a.service"))})
	base, built := open(t, writeLayout(t, b)), open(t, writeLayout(t, bt))
	if base.Layers[0].Digest == built.Layers[0].Digest {
		t.Fatal("test setup: the base layer blobs should differ")
	}
	if n := sharedDiffIDs(context.Background(), Input{Base: base, Built: built}); n != 1 {
		t.Fatalf("shared diff IDs %d, want 1", n)
	}
	fs, err := Run(context.Background(), Input{Base: base, Built: built, MachineConfig: machineConfig(t, enable("a.service"), enable("b.service"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Rule != RuleUnitNotInBase || !strings.HasPrefix(fs[0].Message, "b.service ") || !strings.Contains(fs[0].Message, "/usr/lib/systemd/system/a.service") {
		t.Fatalf("findings %+v", fs)
	}
}

// legacyTar is a one-file tar whose header has the pre-POSIX type '\x00'
// (old tar writers), which archive/tar's Writer no longer emits: written
// as a regular file, then the type byte and checksum patched.
func legacyTar(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(tw, body)
	tw.Close()
	b := buf.Bytes()
	b[156] = 0 // typeflag
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// A legacy '\x00' entry is a regular file with its content kept: the tar
// reader normalises the type, so the tree needs no case of its own.
func TestLegacyRegularFileType(t *testing.T) {
	raw := legacyTar(t, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
	if h, err := tar.NewReader(bytes.NewReader(raw)).Next(); err != nil || h.Typeflag != tar.TypeReg {
		t.Fatalf("the patched header reads as %v, %v", h, err)
	}
	tr, err := TreeFromTars(context.Background(), []io.Reader{bytes.NewReader(raw)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := tr.Nodes["etc/passwd"]
	if n == nil || !n.IsReg() || string(n.Data) != "root:x:0:0:root:/root:/bin/bash\n" {
		t.Fatalf("etc/passwd: %+v", n)
	}
}
