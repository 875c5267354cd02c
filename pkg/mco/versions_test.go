package mco

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func mcWith(name string, spec mcfgv1.MachineConfigSpec) *mcfgv1.MachineConfig {
	return &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{roleLabel: workerRole}}, Spec: spec}
}

// 4.23+ parses the rendered Containerfile before building: a syntax error in
// the user's content fails the render; 4.22 renders it (and the build fails
// later, on the cluster, in the build pod).
func TestContainerfileSyntaxCheckFrom423(t *testing.T) {
	bad := "FROM configs AS final\nRUNN dnf install -y tree\n"
	opts := RenderOptions{BaseImage: "b", ExtensionsImage: "e", Containerfile: bad, Profile: ocpversion.MustLookup("4.22")}
	if _, err := Render(opts); err != nil {
		t.Fatalf("4.22 does not check: %v", err)
	}
	opts.Profile = ocpversion.MustLookup("4.23")
	_, err := Render(opts)
	var ve *ContainerfileValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "unknown Dockerfile instruction: runn") || !strings.Contains(err.Error(), "nothing is built") {
		t.Fatalf("4.23: %v", err)
	}
	for _, c := range []struct{ cf, want string }{
		{"FROM configs AS final\nRUN dnf install -y tree\n", ""},
		{"FROM configs\nLABEL a\n", "LABEL must have two arguments"},
		{"FROM configs\nLABEL a=b c\nLABEL d e\n", "line 3: LABEL instruction must use key=value form"},
		{"FROM configs\nLABEL description=two words here\n", ""}, // unquoted spaces: buildah accepts, so does the operator
		{"FROM configs\nWORKDIR\n", "WORKDIR instruction requires a directory path"},
		{"FROM configs\nHEALTHCHECK NONE\n", ""},
		{"FROM configs\nRUN <<EOF\necho hi\nEOF\n", ""},
	} {
		err := ValidateContainerfileSyntax(c.cf)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.cf, err, c.want)
		}
	}
	if err := ValidateContainerfileSyntax("# only a comment\n"); err != nil {
		t.Error(err)
	}
	if err := ValidateContainerfileSyntax("RUN true\n"); err == nil || !strings.Contains(err.Error(), "FROM") {
		t.Errorf("no FROM: %v", err)
	}
}

func TestExtensionsPerVersion(t *testing.T) {
	mcs := []*mcfgv1.MachineConfig{mcWith("50-wasm", mcfgv1.MachineConfigSpec{Extensions: []string{"wasm"}})}
	r, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: mcs, Profile: ocpversion.MustLookup("4.21")})
	if err != nil || !strings.Contains(r.Containerfile, `extensions="crun-wasm"`) {
		t.Fatalf("4.21 installs crun-wasm: %v", err)
	}
	_, err = Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: mcs, Profile: ocpversion.MustLookup("4.22")})
	if err == nil || !strings.Contains(err.Error(), `unsupported extensions ["wasm"] in OpenShift 4.22`) {
		t.Fatalf("4.22 has no wasm: %v", err)
	}
	ipsec := []*mcfgv1.MachineConfig{mcWith("50-ipsec", mcfgv1.MachineConfigSpec{Extensions: []string{"ipsec"}})}
	r, err = Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: ipsec, Profile: ocpversion.MustLookup("5.0")})
	if err != nil || !strings.Contains(r.Containerfile, `extensions="NetworkManager-libreswan libreswan openvswitch3.5-ipsec"`) {
		t.Fatalf("5.0 ipsec: %v", err)
	}
}

// 4.20+ renders the extensions step whenever an extensions image is known,
// even without extensions; 4.19 only with packages.
func TestExtensionsStepWithoutPackages(t *testing.T) {
	for v, want := range map[string]bool{"4.19": false, "4.20": true, "5.2": true} {
		r, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", Profile: ocpversion.MustLookup(v)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(r.Containerfile, "--mount=type=bind,from=e,"); got != want {
			t.Errorf("%s: extensions step %v, want %v", v, got, want)
		}
	}
}

func TestKernelType(t *testing.T) {
	rt := []*mcfgv1.MachineConfig{mcWith("50-rt", mcfgv1.MachineConfigSpec{KernelType: KernelTypeRealtime})}
	r, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: rt})
	if err != nil || r.KernelType != "" || strings.Contains(r.Containerfile, "dnf -y shell") {
		t.Fatalf("4.19 has no kernel step: %v %q", err, r.KernelType)
	}
	r, err = Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: rt, Profile: ocpversion.MustLookup("4.20")})
	if err != nil || r.KernelType != KernelTypeRealtime || !strings.Contains(r.Containerfile, `installKernelPkgs="kernel-rt-core kernel-rt-modules kernel-rt-modules-extra kernel-rt-kvm"`) {
		t.Fatalf("4.20 realtime: %v %q", err, r.KernelType)
	}
	// Without an extensions image the 4.20 template has no place for the
	// swap: the kernel stays (as on such a cluster).
	r, _ = Render(RenderOptions{BaseImage: "b", MachineConfigs: rt, Profile: ocpversion.MustLookup("4.20")})
	if strings.Contains(r.Containerfile, "dnf -y shell") {
		t.Fatal("kernel swap without the extensions step")
	}
	k64 := []*mcfgv1.MachineConfig{mcWith("50-64k", mcfgv1.MachineConfigSpec{KernelType: KernelType64kPages})}
	if _, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: k64, Profile: ocpversion.MustLookup("4.20"), Arch: "amd64"}); err == nil || !strings.Contains(err.Error(), "aarch64") {
		t.Fatalf("64k-pages on amd64: %v", err)
	}
	r, err = Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: k64, Profile: ocpversion.MustLookup("4.20"), Arch: "arm64"})
	if err != nil || !strings.Contains(r.Containerfile, `installKernelPkgs="kernel-64k-core`) {
		t.Fatalf("64k-pages on arm64: %v", err)
	}
}

// An exported pool with spec.osImageStream loads; its stream picks the
// rendered MachineConfig's images (4.21+) and, from 4.22, the FROM.
func TestOSImageStream(t *testing.T) {
	m := mustLoadPaths(t, filepath.Join(goldenDir, "inputs/rhel10"))
	p := FindPool("worker-rhel10", m.MachineConfigPools)
	if PoolOSImageStream(p) != "rhel-10" {
		t.Fatalf("stream %q", PoolOSImageStream(p))
	}
	opts := RenderOptions{PoolName: "worker-rhel10", BaseImage: "b9", ExtensionsImage: "e9", MachineConfigs: m.MachineConfigs, MachineConfigPools: m.MachineConfigPools}
	opts.Profile = ocpversion.MustLookup("4.22")
	if _, err := Render(opts); err == nil || !strings.Contains(err.Error(), "rhel-coreos-10") {
		t.Fatalf("stream images unknown: %v", err)
	}
	opts.StreamBaseImage, opts.StreamExtensionsImage = "b10", "e10"
	for v, from := range map[string]string{"4.21": "b9", "4.22": "b10"} {
		opts.Profile = ocpversion.MustLookup(v)
		r, err := Render(opts)
		if err != nil {
			t.Fatal(err)
		}
		if r.MachineConfig.Spec.OSImageURL != "b10" || r.BaseImage != from || !strings.HasPrefix(r.Containerfile[strings.Index(r.Containerfile, "FROM "):], "FROM "+from+" AS extract") || r.OSImageStream != "rhel-10" {
			t.Errorf("%s: osImageURL %s FROM %s", v, r.MachineConfig.Spec.OSImageURL, r.BaseImage)
		}
	}
	opts.Profile = ocpversion.MustLookup("4.20")
	r, err := Render(opts)
	if err != nil || r.MachineConfig.Spec.OSImageURL != "b9" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no OSImageStream") {
		t.Fatalf("4.20 ignores the stream with a warning: %v %q", err, r.Warnings)
	}
	// A malformed stream reference names the field.
	if _, err := LoadManifests([]string{"testdata/bad-stream-pool.yaml"}); err == nil || !strings.Contains(err.Error(), "spec.osImageStream") {
		t.Fatalf("bad stream: %v", err)
	}
}

// The MachineOSBuild name (the image tag) hashes the ConfigMap up to 4.21 and
// the rendered MachineConfig's images and release annotation from 4.22.
func TestImageTagHashInputsPerVersion(t *testing.T) {
	mosc := &mcfgv1.MachineOSConfig{ObjectMeta: metav1.ObjectMeta{Name: "worker"}}
	mosc.Spec.MachineConfigPool.Name = "worker"
	base := RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineOSConfig: mosc, ReleaseVersion: "4.22.1"}
	tag := func(v, osImageURL string) string {
		o := base
		o.Profile, o.OSImageURL = ocpversion.MustLookup(v), osImageURL
		r, err := Render(o)
		if err != nil {
			t.Fatal(err)
		}
		return r.ImageTag
	}
	// The ConfigMap's osImageURL counts up to 4.21 and not from 4.22 (blanked).
	if tag("4.21", "") == tag("4.21", "x") {
		t.Error("4.21 hashes the ConfigMap's osImageURL")
	}
	if tag("4.22", "") != tag("4.22", "x") {
		t.Error("4.22 leaves OSImageURL blank")
	}
	r, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", ReleaseVersion: "4.22.1", Profile: ocpversion.MustLookup("4.22")})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ImageTag("worker", r.PoolConfiguration, mosc.Spec, OSImageURLConfig{BaseOSContainerImage: "b", BaseOSExtensionsContainerImage: "e", ReleaseVersion: "4.22.1"})
	if got := tag("4.22", "x"); got != want {
		t.Errorf("4.22 tag %s, want %s", got, want)
	}
}

// Ignition spec 2.2 MachineConfigs are converted to 3.5 as the operator
// converts them: the last duplicate file wins, a duplicate unit's new
// drop-ins join the kept unit, core's SSH keys are folded and deduplicated.
func TestIgnition2Converted(t *testing.T) {
	m := mustLoadPaths(t, filepath.Join(td, "ignition2"))
	r, err := Render(RenderOptions{BaseImage: "b", MachineConfigs: m.MachineConfigs, Profile: ocpversion.MustLookup("4.20")})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseIgnition(r.MachineConfig.Spec.Config.Raw)
	if err != nil || cfg.Ignition.Version != "3.5.0" {
		t.Fatalf("rendered config: %v %s", err, cfg.Ignition.Version)
	}
	if len(cfg.Storage.Files) != 1 || *cfg.Storage.Files[0].Mode != 384 || *cfg.Storage.Files[0].Contents.Source != "data:,second" {
		t.Fatalf("files: %+v", cfg.Storage.Files)
	}
	if len(cfg.Systemd.Units) != 1 || len(cfg.Systemd.Units[0].Dropins) != 2 || cfg.Systemd.Units[0].Dropins[0].Name != "20-b.conf" {
		t.Fatalf("units: %+v", cfg.Systemd.Units)
	}
	if len(cfg.Passwd.Users) != 1 || len(cfg.Passwd.Users[0].SSHAuthorizedKeys) != 2 {
		t.Fatalf("users: %+v", cfg.Passwd.Users)
	}
	// Spec 2 allows other users; the operator refuses them.
	raw := []byte(`{"ignition":{"version":"2.2.0"},"passwd":{"users":[{"name":"admin"}]}}`)
	if _, err := ParseIgnition(raw); err == nil || !strings.Contains(err.Error(), `"admin"`) {
		t.Fatalf("non-core user: %v", err)
	}
}

// The kernelType swap per version, on the rendered Containerfile: none on
// 4.19 (release-4.19 template has no kernel step; the daemon skips the
// kernel switch on layered pools), and from 4.20 (release-4.20 … main
// template) a `dnf -y shell` swap to the profile's package set for realtime
// (any arch) and 64k-pages (arm64); never for the default kernel.
func TestKernelStepPerVersion(t *testing.T) {
	swap := `(echo "remove $kernelOldPkgs"; echo "install $installKernelPkgs"; echo run) | dnf -y shell`
	for _, v := range ocpversion.Known() {
		p := ocpversion.MustLookup(v.String())
		wantStep := v.String() != "4.19" // every later branch carries it
		for _, c := range []struct{ kernelType, arch string }{{KernelTypeRealtime, "amd64"}, {KernelType64kPages, "arm64"}, {"", "amd64"}, {KernelTypeDefault, "arm64"}} {
			mcs := []*mcfgv1.MachineConfig{mcWith("50-kernel", mcfgv1.MachineConfigSpec{KernelType: c.kernelType})}
			r, err := Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: mcs, Profile: p, Arch: c.arch})
			if err != nil {
				t.Fatalf("%s %q: %v", v, c.kernelType, err)
			}
			want := wantStep && c.kernelType != "" && c.kernelType != KernelTypeDefault
			if got := strings.Contains(r.Containerfile, swap); got != want {
				t.Errorf("%s %q on %s: kernel swap %v, want %v", v, c.kernelType, c.arch, got, want)
			}
			if !want {
				if r.KernelType != "" || strings.Contains(r.Containerfile, "installKernelPkgs=") {
					t.Errorf("%s %q: KernelType %q or a kernel step without the swap", v, c.kernelType, r.KernelType)
				}
				continue
			}
			if r.KernelType != c.kernelType {
				t.Errorf("%s: KernelType %q, want %q", v, r.KernelType, c.kernelType)
			}
			install := `installKernelPkgs="` + strings.Join(p.KernelPackages[c.kernelType], " ") + `"`
			if len(p.KernelPackages[c.kernelType]) == 0 || !strings.Contains(r.Containerfile, install) {
				t.Errorf("%s %q: no %s", v, c.kernelType, install)
			}
			// Whatever kernel the base has, its packages are the ones removed.
			for kt, pkgs := range p.KernelPackages {
				if old := `kernelOldPkgs="` + strings.Join(pkgs, " ") + `"`; !strings.Contains(r.Containerfile, old) {
					t.Errorf("%s %q: base kernel %s not removable (%s)", v, c.kernelType, kt, old)
				}
			}
		}
	}
}
