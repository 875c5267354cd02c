package baseimage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/regretry"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/containers/image/v5/types"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

func imageStreamJSON(tags map[string]string) string {
	var b strings.Builder
	b.WriteString(`{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"4.19.7"},"spec":{"tags":[`)
	first := true
	for n, ref := range tags {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(`{"name":"` + n + `","from":{"kind":"DockerImage","name":"` + ref + `"}}`)
	}
	b.WriteString("]}}")
	return b.String()
}

const (
	rhcos = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	exts  = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func TestParseImageReferences(t *testing.T) {
	r, err := ParseImageReferences([]byte(imageStreamJSON(map[string]string{TagRHCOS: rhcos, TagRHCOSExtensions: exts, "cli": "x/y@sha256:33"})))
	if err != nil {
		t.Fatal(err)
	}
	if r.RHCOS != rhcos || r.RHCOSExtensions != exts || r.Version != "4.19.7" || len(r.Tags) != 3 {
		t.Errorf("%+v", r)
	}
	for _, tc := range []struct{ in, want string }{
		{imageStreamJSON(map[string]string{"cli": "x"}), `no "rhel-coreos" tag`},
		{`{"kind":"ConfigMap"}`, `kind is "ConfigMap"`},
		{`{"kind":"ImageStream","spec":{"tags":[{"name":"rhel-coreos"}]}}`, "spec.tags[0] (rhel-coreos): from.name is empty"},
		{"kind: [", "image-references"},
	} {
		if _, err := ParseImageReferences([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func insecure() registry.Options {
	return registry.Options{TLSVerify: types.OptionalBoolFalse}
}

// A payload whose upper layer replaces image-references: the upper one wins.
func TestReadReleaseFromRegistry(t *testing.T) {
	reg := buildtest.Start(t)
	lower := buildtest.FileLayer(t, map[string]string{
		imageReferencesPath: imageStreamJSON(map[string]string{TagRHCOS: "old/rhcos@sha256:00"}),
		"usr/bin/cli":       "binary",
	})
	upper := buildtest.FileLayer(t, map[string]string{
		imageReferencesPath: imageStreamJSON(map[string]string{TagRHCOS: rhcos, TagRHCOSExtensions: exts}),
		releaseMetadataPath: `{"kind":"cincinnati-metadata-v0","version":"4.19.9"}`,
	})
	img, err := mutate.AppendLayers(empty.Image, lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Push(t, "openshift-release-dev/ocp-release:4.19.9-x86_64", img)
	res, err := Resolve(context.Background(), Options{Release: ref}, insecure())
	if err != nil {
		t.Fatal(err)
	}
	if res.BaseImage != rhcos || res.ExtensionsImage != exts || res.ReleaseVersion != "4.19.9" {
		t.Errorf("%+v", res)
	}
	if !strings.Contains(res.Source, ref) || !strings.Contains(res.Source, "4.19.9") {
		t.Errorf("source %q", res.Source)
	}

	// Not a payload: says so.
	_, err = ReadRelease(context.Background(), reg.BaseImage, insecure())
	if err == nil || !strings.Contains(err.Error(), "is it a release payload") {
		t.Errorf("base image as a release: %v", err)
	}
	// TLS verification on (the default) against a plain-HTTP registry fails and names it.
	_, err = ReadRelease(context.Background(), ref, registry.Options{})
	if err == nil || !strings.Contains(err.Error(), reg.Host) {
		t.Errorf("want an error naming %s, got %v", reg.Host, err)
	}
}

func TestDigest(t *testing.T) {
	reg := buildtest.Start(t)
	want := reg.Digest(t, reg.BaseImage)
	got, err := Digest(context.Background(), reg.BaseImage, insecure())
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("digest %s, registry %s", got, want)
	}
	byDigest := reg.Host + "/ocl-test/base@" + want.String()
	if got, err := Digest(context.Background(), byDigest, registry.Options{}); err != nil || got.String() != want.String() {
		t.Errorf("digest ref: %s %v", got, err)
	}
	if _, err := Digest(context.Background(), reg.Host+"/ocl-test/missing:latest", insecure()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing image: %v", err)
	}
}

func TestResolveLocal(t *testing.T) {
	ctx := context.Background()
	r, err := Resolve(ctx, Options{BaseImage: rhcos, ExtensionsImage: exts}, registry.Options{})
	if err != nil || r.BaseImage != rhcos || r.ExtensionsImage != exts || r.Source != "--base-image" {
		t.Errorf("%+v %v", r, err)
	}
	cm := filepath.Join(t.TempDir(), "osimageurl.yaml")
	os.WriteFile(cm, []byte(`apiVersion: v1
kind: ConfigMap
metadata:
  name: machine-config-osimageurl
  namespace: openshift-machine-config-operator
data:
  baseOSContainerImage: `+rhcos+`
  baseOSExtensionsContainerImage: `+exts+`
  osImageURL: ""
  releaseVersion: 4.19.7
`), 0o644)
	r, err = Resolve(ctx, Options{OSImageURLFile: cm}, registry.Options{})
	if err != nil || r.BaseImage != rhcos || r.ExtensionsImage != exts || r.ReleaseVersion != "4.19.7" || !strings.Contains(r.Source, cm) {
		t.Errorf("%+v %v", r, err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "no base image"},
		{Options{BaseImage: "a", Release: "b"}, "one of"},
		{Options{Release: "b", ExtensionsImage: "c"}, "goes with --base-image"},
		{Options{OSImageURLFile: filepath.Join(t.TempDir(), "none.yaml")}, "no such file"},
	} {
		if _, err := Resolve(ctx, tc.o, registry.Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

// A pool on the rhel-10 stream takes the payload's rhel-coreos-10 tags
// (4.21+); rhel-9 is the rhel-coreos images; pre-4.21 versions have no
// streams; a ConfigMap cannot name another stream's images. From 5.0 a pool
// without a stream gets rhel-10 (GetBuiltinDefaultStreamName,
// pkg/osimagestream/streams.go, release-5.0).
func TestStreamImagesAndVersionCandidates(t *testing.T) {
	rel, err := ParseImageReferences([]byte(imageStreamJSON(map[string]string{TagRHCOS: rhcos, TagRHCOSExtensions: exts,
		"rhel-coreos-10": "x/rhel10@sha256:10", "rhel-coreos-10-extensions": "x/rhel10-ext@sha256:11"})))
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolved{BaseImage: rhcos, ExtensionsImage: exts, Source: "release R", Tags: rel.Tags, ReleaseVersion: "4.21.3"}
	for _, c := range []struct{ v, stream, base, ext string }{
		{"4.21", "rhel-10", "x/rhel10@sha256:10", "x/rhel10-ext@sha256:11"},
		{"4.21", "", rhcos, exts},
		{"4.21", "rhel-9", rhcos, exts},
		{"4.23", "", rhcos, exts},
		{"4.20", "rhel-10", "", ""}, // no streams: the render warns
		{"4.19", "", "", ""},
		{"5.0", "", "x/rhel10@sha256:10", "x/rhel10-ext@sha256:11"},
		{"5.2", "", "x/rhel10@sha256:10", "x/rhel10-ext@sha256:11"},
		{"5.0", "rhel-9", rhcos, exts},
	} {
		b, e, err := r.StreamImages(ocpversion.MustLookup(c.v), c.stream)
		if err != nil || b != c.base || e != c.ext {
			t.Errorf("%s %q: %q %q %v, want %q %q", c.v, c.stream, b, e, err, c.base, c.ext)
		}
	}
	cm := &Resolved{BaseImage: rhcos, Source: "ConfigMap cm.yaml", ReleaseVersion: "4.22.0", FromConfigMap: true}
	if _, _, err := cm.StreamImages(ocpversion.MustLookup("4.22"), "rhel-10"); err == nil || !strings.Contains(err.Error(), "--release") {
		t.Fatalf("ConfigMap: %v", err)
	}
	if b, _, err := cm.StreamImages(ocpversion.MustLookup("5.0"), "rhel-9"); err != nil || b != rhcos {
		t.Fatalf("ConfigMap, rhel-9 pool on 5.0: %q %v", b, err)
	}
	if c := cm.VersionCandidates(); len(c) != 1 || c[0].Source != ocpversion.SourceConfigMap || c[0].Value != "4.22.0" {
		t.Fatalf("ConfigMap candidates %+v", c)
	}
	if c := r.VersionCandidates(); len(c) != 1 || c[0].Source != ocpversion.SourceReleasePayload {
		t.Fatalf("payload candidates %+v", c)
	}
}

// With --release the build's FROM follows the version's default stream:
// rhel-coreos up to 4.23, rhel-coreos-10 from 5.0 (with a warning that an
// upgraded cluster keeps rhel-9). A ConfigMap, which names only the
// rhel-coreos images, keeps them on 5.x with a warning.
func TestApplyVersionDefaultStreamPerVersion(t *testing.T) {
	rel, err := ParseImageReferences([]byte(imageStreamJSON(map[string]string{TagRHCOS: rhcos, TagRHCOSExtensions: exts,
		"rhel-coreos-10": "x/rhel10@sha256:10", "rhel-coreos-10-extensions": "x/rhel10-ext@sha256:11"})))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version, from, ext string
		warn               bool
	}{
		{"4.19", rhcos, exts, false},
		{"4.20", rhcos, exts, false},
		{"4.22", rhcos, exts, false},
		{"4.23", rhcos, exts, false},
		{"5.0", "x/rhel10@sha256:10", "x/rhel10-ext@sha256:11", true},
		{"5.2", "x/rhel10@sha256:10", "x/rhel10-ext@sha256:11", true},
	} {
		r := &Resolved{BaseImage: rhcos, ExtensionsImage: exts, Source: "release R", Tags: rel.Tags, ReleaseVersion: c.version + ".1"}
		ro := mco.RenderOptions{BaseImage: rhcos, ExtensionsImage: exts}
		d, err := r.ApplyVersion(nil, &ro)
		if err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		warned := false
		for _, w := range d.Warnings {
			warned = warned || strings.Contains(w, "keeps rhel-9")
		}
		if warned != c.warn {
			t.Errorf("%s: warnings %q", c.version, d.Warnings)
		}
		rendered, err := mco.Render(ro)
		if err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		if rendered.BaseImage != c.from || rendered.MachineConfig.Spec.OSImageURL != c.from || !strings.Contains(rendered.Containerfile, "FROM "+c.from+" AS extract") {
			t.Errorf("%s: FROM %s, osImageURL %s; want %s", c.version, rendered.BaseImage, rendered.MachineConfig.Spec.OSImageURL, c.from)
		}
		if rendered.ExtensionsImage != c.ext {
			t.Errorf("%s: extensions image %s, want %s", c.version, rendered.ExtensionsImage, c.ext)
		}
	}
	cm := &Resolved{BaseImage: rhcos, ExtensionsImage: exts, Source: "ConfigMap cm.yaml", ReleaseVersion: "5.0.2", FromConfigMap: true}
	ro := mco.RenderOptions{BaseImage: rhcos, ExtensionsImage: exts}
	d, err := cm.ApplyVersion(nil, &ro)
	if err != nil || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "names only the rhel-coreos (rhel-9) images") || ro.StreamBaseImage != "" {
		t.Fatalf("ConfigMap on 5.0: %v %q %q", err, d.Warnings, ro.StreamBaseImage)
	}
	if rendered, err := mco.Render(ro); err != nil || rendered.BaseImage != rhcos {
		t.Fatalf("ConfigMap on 5.0 builds from its image: %v", err)
	}
}

// A short --base-image is resolved as podman resolves it: each
// unqualified-search-registries entry of registries.conf in turn, the
// first that has it wins ($CONTAINERS_REGISTRIES_CONF names the file).
func TestShortNameResolved(t *testing.T) {
	reg := buildtest.Start(t)
	conf := filepath.Join(t.TempDir(), "registries.conf")
	body := "unqualified-search-registries = [\"127.0.0.1:1\", \"" + reg.Host + "\"]\nshort-name-mode = \"permissive\"\n" +
		"[[registry]]\nlocation = \"" + reg.Host + "\"\ninsecure = true\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(registry.EnvRegistriesConf, conf)
	short := strings.TrimPrefix(reg.BaseImage, reg.Host+"/")
	res, err := Resolve(context.Background(), Options{BaseImage: short}, registry.Options{Retry: regretry.Policy{Retries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.BaseImage != reg.BaseImage {
		t.Errorf("%s resolved to %s, want %s", short, res.BaseImage, reg.BaseImage)
	}
	// Not found anywhere: the error names every registry tried.
	_, err = Resolve(context.Background(), Options{BaseImage: "ocl-test/none:latest"}, registry.Options{})
	if err == nil || !strings.Contains(err.Error(), reg.Host) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("unresolvable short name: %v", err)
	}
	// A qualified name is left alone, without the network.
	if got, err := Qualify(context.Background(), "127.0.0.1:1/x/y:z", registry.Options{}); err != nil || got != "127.0.0.1:1/x/y:z" {
		t.Errorf("qualified name: %q %v", got, err)
	}
}
