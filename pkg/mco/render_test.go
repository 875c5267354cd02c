package mco

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
)

const td = "../../testdata/render"

func mustOSImages(t *testing.T) OSImageURLConfig {
	t.Helper()
	c, err := LoadOSImageURLConfig(filepath.Join(td, "osimageurl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustLoad(t *testing.T, paths ...string) *Manifests {
	t.Helper()
	var full []string
	for _, p := range paths {
		full = append(full, filepath.Join(td, p))
	}
	m, err := LoadManifests(full)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The rendered name is md5(salt ‖ YAML of the spec). empty-spec.yaml is the
// YAML written by hand (ghodss/yaml layout: sorted keys, JSON names), so
// this checks the serialisation, not just our own hashing of our own bytes.
func TestRenderedNameOfEmptyConfigMatchesHandWrittenYAML(t *testing.T) {
	img := mustOSImages(t)
	r, err := Render(RenderOptions{BaseImage: img.BaseOSContainerImage, ExtensionsImage: img.BaseOSExtensionsContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	yml, err := os.ReadFile(filepath.Join(td, "empty-spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("rendered-worker-%x", md5.Sum(append(append([]byte{}, nameSalt...), yml...)))
	if r.MachineConfig.Name != want || r.Labels[LabelMachineConfig] != want {
		t.Fatalf("rendered name %q (label %q), want %q", r.MachineConfig.Name, r.Labels[LabelMachineConfig], want)
	}
	// The minimal rendered config: Ignition 3.5.0, default kernel, the base images.
	s := r.MachineConfig.Spec
	var ign struct {
		Ignition struct{ Version string }
	}
	if err := json.Unmarshal(s.Config.Raw, &ign); err != nil || ign.Ignition.Version != "3.5.0" {
		t.Fatalf("empty config: %s (%v)", s.Config.Raw, err)
	}
	if s.KernelType != KernelTypeDefault || s.OSImageURL != img.BaseOSContainerImage || s.BaseOSExtensionsContainerImage != img.BaseOSExtensionsContainerImage || s.FIPS || len(s.KernelArguments) != 0 || s.KernelArguments == nil {
		t.Fatalf("empty rendered spec: %+v", s)
	}
	if r.HasExtensions || len(r.Sources) != 0 || len(r.Warnings) != 0 {
		t.Fatalf("empty render: %+v", r)
	}
}

func TestMachineConfigGzRoundTrip(t *testing.T) {
	img := mustOSImages(t)
	m := mustLoad(t, "machineconfigs")
	r, err := Render(RenderOptions{PoolName: "worker-automount", MachineConfigs: m.MachineConfigs, MachineConfigPools: m.MachineConfigPools, BaseImage: img.BaseOSContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(r.MachineConfigGz, "\n\r ") {
		t.Fatal("machineconfig.json.gz must be one base64 line, as the ConfigMap holds it")
	}
	got, err := DecodeMachineConfig(r.MachineConfigGz)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r.MachineConfig) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, r.MachineConfig)
	}
	// The extract stage decodes it with `base64 -d | gunzip -`: do exactly that.
	cmd := exec.Command("sh", "-c", "base64 -d | gunzip -")
	cmd.Stdin = bytes.NewReader(r.MachineConfigGz)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("base64 -d | gunzip: %v", err)
	}
	var viaShell mcfgv1.MachineConfig
	if err := json.Unmarshal(out, &viaShell); err != nil {
		t.Fatal(err)
	}
	if viaShell.Name != r.MachineConfig.Name || !bytes.Equal(viaShell.Spec.Config.Raw, r.MachineConfig.Spec.Config.Raw) {
		t.Fatalf("shell-decoded config differs: %s", out)
	}
	// Keys sorted, as the API server returns spec.config.
	if want := `{"contents":{"source":"data:,from%2010-automount%0A","verification":{}},"group":{},"mode":420,"overwrite":true,"path":"/etc/ocl-build/motd","user":{}}`; !bytes.Contains(viaShell.Spec.Config.Raw, []byte(want)) {
		t.Fatalf("spec.config is not canonical JSON: %s", viaShell.Spec.Config.Raw)
	}
	// ignition-apply reads .spec.config: it must be an Ignition 3.5.0 config.
	cfg, err := ParseIgnition(viaShell.Spec.Config.Raw)
	if err != nil || cfg.Ignition.Version != "3.5.0" {
		t.Fatalf("spec.config: %v %q", err, cfg.Ignition.Version)
	}
}

func TestRenderNoArchOnlyAndImageTag(t *testing.T) {
	m := mustLoad(t, "mosc.yaml")
	mosc := m.MachineOSConfigs[0]
	user, ok := UserContainerfile(mosc)
	if !ok || strings.Contains(user, "arm64") || !strings.Contains(user, "openldap-clients") {
		t.Fatalf("NoArch content: %q", user)
	}
	img := mustOSImages(t)
	opts := RenderOptions{Containerfile: user, PoolName: "worker-automount", MOSCName: mosc.Name, BaseImage: img.BaseOSContainerImage, MachineOSConfig: mosc}
	r1, err := Render(opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r1.Containerfile, "arm64") {
		t.Fatal("an arch-specific entry reached the Containerfile")
	}
	if len(r1.ImageTag) != len("worker-automount-")+32 || !strings.HasPrefix(r1.ImageTag, "worker-automount-") {
		t.Fatalf("image tag %q", r1.ImageTag)
	}
	// The tag follows the MachineOSConfig spec: another push spec, another tag.
	mosc2 := mosc.DeepCopy()
	mosc2.Spec.RenderedImagePushSpec = "registry.example/other:latest"
	opts.MachineOSConfig = mosc2
	r2, err := Render(opts)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ImageTag == r1.ImageTag || r2.Containerfile != r1.Containerfile {
		t.Fatalf("tags %q %q", r1.ImageTag, r2.ImageTag)
	}
	// Same inputs, same tag.
	opts.MachineOSConfig = mosc
	r3, _ := Render(opts)
	if r3.ImageTag != r1.ImageTag {
		t.Fatal("image tag is not deterministic")
	}
}

func TestRenderInputErrors(t *testing.T) {
	cases := []struct {
		name string
		opts RenderOptions
		want string
	}{
		{"no base image", RenderOptions{}, "no base image"},
		{"base with newline", RenderOptions{BaseImage: "a\nRUN evil"}, "whitespace"},
		{"extensions image with space", RenderOptions{BaseImage: "a", ExtensionsImage: "b c"}, "whitespace"},
		{"pool name", RenderOptions{BaseImage: "a", PoolName: "Worker Pool"}, `pool name "Worker Pool"`},
		{"mosc name", RenderOptions{BaseImage: "a", MOSCName: "x\ny"}, "MachineOSConfig name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestRenderWarnsAboutExtensionsWithoutImage(t *testing.T) {
	m := mustLoad(t, "extensions")
	r, err := Render(RenderOptions{BaseImage: "b", MachineConfigs: m.MachineConfigs})
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasExtensions || strings.Contains(r.Containerfile, "rpm-ostree install") || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "usbguard") {
		t.Fatalf("has=%v warnings=%q", r.HasExtensions, r.Warnings)
	}
}

func TestRenderWarnsWhenPoolNamesAnotherRenderedConfig(t *testing.T) {
	m := mustLoad(t, "machineconfigs")
	opts := RenderOptions{PoolName: "worker-automount", MachineConfigs: m.MachineConfigs, MachineConfigPools: m.MachineConfigPools, BaseImage: "b"}
	r, err := Render(opts)
	if err != nil || len(r.Warnings) != 0 {
		t.Fatalf("%v %q", err, r.Warnings)
	}
	pool := m.MachineConfigPools[0].DeepCopy()
	pool.Spec.Configuration.Name = r.MachineConfig.Name
	opts.MachineConfigPools = []*mcfgv1.MachineConfigPool{pool}
	if r2, _ := Render(opts); len(r2.Warnings) != 0 {
		t.Fatalf("same name must not warn: %q", r2.Warnings)
	}
	pool.Spec.Configuration.Name = "rendered-worker-automount-0123"
	r3, _ := Render(opts)
	if len(r3.Warnings) != 1 || !strings.Contains(r3.Warnings[0], "uses rendered-worker-automount-0123, but these inputs render "+r.MachineConfig.Name) {
		t.Fatalf("warnings %q", r3.Warnings)
	}
}
