package imagecheck

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// goodRoot is an OS image root that passes every image lint: the API
// directories, an empty /boot, /sysroot and /ostree, one kernel with its
// initramfs, composefs on, /var/run and /opt, /usr/local as RHCOS has them,
// every /var directory from tmpfiles.d and every user from sysusers.d.
func goodRoot() []testutil.TarEntry {
	return []testutil.TarEntry{
		dir("dev"), dir("proc"), dir("sys"), dir("run"), dir("tmp"), dir("var"), dir("boot"), dir("sysroot"), dir("etc"),
		symlink("ostree", "sysroot/ostree"),
		dir("usr"), dir("usr/lib"), dir("usr/lib/modules"), dir("usr/lib/modules/5.14.0-1.el9.x86_64"),
		file("usr/lib/modules/5.14.0-1.el9.x86_64/vmlinuz", "kernel"),
		file("usr/lib/modules/5.14.0-1.el9.x86_64/initramfs.img", "initramfs"),
		file("usr/lib/ostree/prepare-root.conf", "[composefs]\nenabled = true\n"),
		symlink("var/run", "../run"), symlink("opt", "var/opt"), symlink("usr/local", "../var/usrlocal"),
		dir("var/opt"), dir("var/usrlocal"), dir("var/tmp"), dir("var/lib"),
		file("usr/lib/tmpfiles.d/base.conf", "d /var/opt 0755 - - -\nd /var/usrlocal 0755 - - -\nq /var/tmp 1777 root root 30d\nd /var/lib 0755\n"),
		file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000::/var/home/core:/bin/bash\n"),
		file("etc/group", "root:x:0:\ncore:x:1000:\nwheel:x:10:core\n"),
		file("usr/lib/sysusers.d/base.conf", "u root 0 \"root\" /root\nu core 1000\ng wheel 10\n"),
		file("etc/hostname", "node\n"),
		dir("usr/lib/bootc/kargs.d"), file("usr/lib/bootc/kargs.d/10-console.toml", "kargs = [\"console=ttyS0\"]\nmatch-architectures = [\"x86_64\"]\n"),
	}
}

// rawLayer writes entries with full control over the header (names that
// are not UTF-8 need the GNU format).
func rawLayer(t *testing.T, hs ...*tar.Header) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		h.Format = tar.FormatGNU
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func lintRules(fs []findings.Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	sort.Strings(ids)
	return ids
}

// runLint builds base (goodRoot) + the extra layers as an OCI layout and
// runs the image lints, optionally against the base image.
func runLint(t *testing.T, withBase bool, in Input, extra ...v1.Layer) []findings.Finding {
	t.Helper()
	b := ociImage(t, nil, hist{"base", layerOf(t, goodRoot()...)})
	var hs []hist
	for _, l := range extra {
		hs = append(hs, hist{"RUN", l})
	}
	bt := ociImage(t, b, hs...)
	in.Built, in.Lint, in.ImageFile = open(t, writeLayout(t, bt)), true, "image"
	if withBase {
		in.Base = open(t, writeLayout(t, b))
	}
	fs, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLintPassingImage(t *testing.T) {
	fs := runLint(t, false, Input{}, layerOf(t, file("usr/bin/tool", "#!/bin/sh\n")))
	if len(fs) != 0 {
		t.Fatalf("a good image has findings: %+v", fs)
	}
}

// One image per check, built to break exactly that check (and nothing else).
func TestLintEachCheck(t *testing.T) {
	cases := []struct {
		rule, bootc string
		layer       v1.Layer
		in          Input
		want        string
		sev         findings.Severity
	}{
		{RuleVarRun, "var-run", layerOf(t, dir("var/run"), file("var/run/x.pid", "1")), Input{}, "/var/run (not a symlink)", sevE},
		{RuleEtcUsrEtc, "etc-usretc", layerOf(t, dir("usr/etc"), file("usr/etc/motd", "hi")), Input{}, "/usr/etc", sevE},
		{RuleBootcKargs, "bootc-kargs", layerOf(t, file("usr/lib/bootc/kargs.d/20-bad.toml", "kargs = [\"a\"]\nkernel = \"x\"\n")), Input{}, `20-bad.toml: unknown field "kernel"`, sevE},
		{RuleKernels, "kernel", layerOf(t, dir("usr/lib/modules/5.14.0-2.el9.x86_64"), file("usr/lib/modules/5.14.0-2.el9.x86_64/vmlinuz", "k2"), file("usr/lib/modules/5.14.0-2.el9.x86_64/initramfs.img", "i2")),
			Input{}, "5.14.0-1.el9.x86_64, 5.14.0-2.el9.x86_64", sevE},
		{RuleNonUTF8, "utf8", rawLayer(t, &tar.Header{Name: "etc/caf\xe9.conf", Typeflag: tar.TypeReg}), Input{}, `"/etc/caf\xe9.conf"`, sevE},
		{RuleAPIDirs, "api-base-directories", layerOf(t, testutil.TarEntry{Name: ".wh.sys"}), Input{}, "/sys missing", sevE},
		{RuleBaseimageRoot, "baseimage-root", layerOf(t, testutil.TarEntry{Name: ".wh.ostree"}, file("ostree", "not a link")), Input{}, "/ostree not a symlink", sevE},
		{RuleComposefs, "baseimage-composefs", layerOf(t, file("usr/lib/ostree/prepare-root.conf", "[composefs]\nenabled = no\n")), Input{}, "disables composefs", sevW},
		{RuleBuildahInject, "buildah-injected", layerOf(t, file("etc/resolv.conf", "")), Input{}, "/etc/resolv.conf", sevW},
		{RuleVarLog, "var-log", layerOf(t, dir("var/log"), file("var/log/dnf.log", "installed"), file("var/log/empty.log", "")), Input{}, "log files /var/log/dnf.log", sevW},
		{RuleVarTmpfiles, "var-tmpfiles", layerOf(t, dir("var/lib/myapp")), Input{}, "paths /var/lib/myapp", sevW},
		{RuleSysusers, "sysusers", layerOf(t, file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000::/var/home/core:/bin/bash\napp:x:990:990::/:/sbin/nologin\n")), Input{}, "entries user app", sevW},
		{RuleNonemptyBoot, "nonempty-boot", layerOf(t, file("boot/vmlinuz-5.14", "k")), Input{}, "/boot/vmlinuz-5.14", sevW},
		{RuleNonemptyRunTmp, "nonempty-run-tmp", layerOf(t, dir("tmp/build"), dir("run/systemd"), dir("run/systemd/resolve"), file("run/systemd/resolve/stub-resolv.conf", "")), Input{}, "paths /tmp/build (bootc", sevW},
		{RuleInitramfs, "", layerOf(t, file("usr/lib/modules/5.14.0-1.el9.x86_64/vmlinuz", "hotfix kernel")), Input{}, "vmlinuz from layer 2, initramfs.img from older layer 1 (not regenerated)", sevE},
		{RuleOptUsrLocal, "", layerOf(t, dir("var/opt/vendor"), file("var/opt/vendor/agent", "bin")), Input{}, "/opt/vendor/agent (stored at /var/opt/vendor/agent)", sevW},
		{RulePkgConflict, "", layerOf(t, file("usr/bin/x", "x")), Input{Packages: pkgs("kernel-core-5.14.0-1", "kernel-rt-core-5.14.0-1")}, "two kernel flavours installed: kernel-core and kernel-rt-core", sevE},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			fs := runLint(t, false, c.in, c.layer)
			ids := lintRules(fs)
			// A directory added under /var also counts for var-tmpfiles;
			// each case must break its own check, and (save that) only it.
			if len(ids) == 0 || !slices.Contains(ids, c.rule) {
				t.Fatalf("%s did not fire: %+v", c.rule, fs)
			}
			for _, f := range fs {
				if f.Rule != c.rule && !(f.Rule == RuleVarTmpfiles && (c.rule == RuleVarRun || c.rule == RuleVarLog || c.rule == RuleOptUsrLocal)) {
					t.Errorf("%s: unexpected %s: %s", c.rule, f.Rule, f.Message)
				}
				if f.Rule != c.rule {
					continue
				}
				if !strings.Contains(f.Message, c.want) || f.Severity != c.sev || f.File != "image" {
					t.Errorf("%s: %s %s %q, want %s containing %q", c.rule, f.File, f.Severity, f.Message, c.sev, c.want)
				}
				if c.bootc != "" && (BootcName(c.rule) != c.bootc || !strings.Contains(f.Message, "bootc container lint: "+c.bootc)) {
					t.Errorf("%s should name bootc's %s: %q", c.rule, c.bootc, f.Message)
				}
			}
		})
	}
}

// Every image lint is registered in the shared rule list with its page,
// as an image rule; bootc's whole lint list is covered.
func TestLintRuleCatalogue(t *testing.T) {
	bootc := map[string]bool{}
	for _, r := range imageRules {
		reg, ok := rules.ByID(r.ID)
		if !ok || reg != r.Rule || reg.Checker != rules.Image || reg.Doc.Why == "" {
			t.Errorf("%s: not registered as an image rule with a page", r.ID)
		}
		if r.Bootc != "" {
			bootc[r.Bootc] = true
		}
	}
	for _, id := range []string{RuleLayerCount, RuleKernelTypeLost} {
		if _, ok := rules.ByID(id); !ok {
			t.Errorf("%s not registered", id)
		}
	}
	// bootc container lint's list (lib/src/lints.rs): all there.
	for _, name := range []string{"var-run", "buildah-injected", "etc-usretc", "bootc-kargs", "kernel", "utf8", "api-base-directories",
		"baseimage-composefs", "baseimage-root", "var-log", "var-tmpfiles", "sysusers", "nonempty-boot", "nonempty-run-tmp"} {
		if !bootc[name] {
			t.Errorf("bootc lint %s has no rule", name)
		}
	}
}

// With the base image given, what the base already shows is not reported:
// only the build's own additions.
func TestLintSubtractsBase(t *testing.T) {
	// A base that itself has a user without sysusers.d and a log file.
	b := ociImage(t, nil, hist{"base", layerOf(t, append(goodRoot(),
		file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000::/var/home/core:/bin/bash\nbaseuser:x:5:5::/:/sbin/nologin\n"))...)})
	bt := ociImage(t, b, hist{"RUN useradd app", layerOf(t,
		file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\ncore:x:1000:1000::/var/home/core:/bin/bash\nbaseuser:x:5:5::/:/sbin/nologin\napp:x:990:990::/:/sbin/nologin\n"))})
	in := Input{Base: open(t, writeLayout(t, b)), Built: open(t, writeLayout(t, bt)), Lint: true}
	fs, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Rule != RuleSysusers || !strings.Contains(fs[0].Message, "user app") || strings.Contains(fs[0].Message, "baseuser") {
		t.Fatalf("want only the build's user app: %+v", fs)
	}
	// Without the base, both are the image's.
	in.Base = nil
	fs, _ = Run(context.Background(), in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "user app") || !strings.Contains(fs[0].Message, "user baseuser") {
		t.Fatalf("without base: %+v", fs)
	}
}

func TestLayerCount(t *testing.T) {
	if CheckLayerCount(LayerWarnAt-1, "i") != nil {
		t.Error("below the warning mark")
	}
	if f := CheckLayerCount(LayerWarnAt, "i"); len(f) != 1 || f[0].Severity != sevW || !strings.Contains(f[0].Message, "28 short of the ceiling of 128") {
		t.Errorf("at %d: %+v", LayerWarnAt, f)
	}
	if f := CheckLayerCount(LayerCeiling, "i"); len(f) != 1 || f[0].Severity != sevE {
		t.Errorf("at the ceiling: %+v", f)
	}
	// Through a real image: 101 layers.
	var hs []hist
	for i := 0; i < 100; i++ {
		hs = append(hs, hist{"RUN", layerOf(t, file("usr/share/l"+string(rune('a'+i%26))+string(rune('a'+i/26)), "x"))})
	}
	b := ociImage(t, nil, append([]hist{{"base", layerOf(t, goodRoot()...)}}, hs...)...)
	fs, err := Run(context.Background(), Input{Built: open(t, writeLayout(t, b)), Lint: true, ImageFile: "image"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := lintRules(fs); len(ids) != 1 || ids[0] != RuleLayerCount || !strings.Contains(fs[0].Message, "101 layers") {
		t.Fatalf("101 layers: %+v", fs)
	}
}

// kernelType on a layered pool: 4.19 does not apply it (OCL423); 4.20+
// builds it into the image. And the package conflicts that depend on it.
func TestKernelTypeByVersion(t *testing.T) {
	mc := &mcfgv1.MachineConfig{Spec: mcfgv1.MachineConfigSpec{KernelType: "realtime"}}
	if f := CheckKernelType(mc, ocpversion.MustLookup("4.19"), "mc.yaml"); len(f) != 1 || f[0].Rule != RuleKernelTypeLost ||
		!strings.Contains(f[0].Message, "never get the realtime kernel") || f[0].Severity != sevW {
		t.Errorf("4.19: %+v", f)
	}
	for _, v := range []string{"4.20", "4.22", "5.0"} {
		if f := CheckKernelType(mc, ocpversion.MustLookup(v), "mc.yaml"); f != nil {
			t.Errorf("%s applies kernelType: %+v", v, f)
		}
	}
	if f := CheckKernelType(&mcfgv1.MachineConfig{}, ocpversion.MustLookup("4.19"), "mc.yaml"); f != nil {
		t.Errorf("default kernel: %+v", f)
	}

	// On 4.20 a realtime pool whose image still has only kernel-core: the
	// Containerfile undid the template's swap.
	p420 := ocpversion.MustLookup("4.20")
	in := &lintInput{profile: p420, mc: mc, pkgs: pkgs("kernel-core-5.14.0-1", "usbguard-1.0-1")}
	if got := checkPackageConflicts(in); len(got) != 1 || !strings.Contains(got[0], "kernelType realtime, but the image's kernel is kernel-core") {
		t.Errorf("4.20 realtime: %v", got)
	}
	// On 4.19 the same image is what the cluster builds (no kernel step): no conflict.
	in.profile = ocpversion.MustLookup("4.19")
	if got := checkPackageConflicts(in); len(got) != 0 {
		t.Errorf("4.19 realtime: %v", got)
	}
	// An extension whose package the Containerfile removed; kernel-devel for another kernel.
	in = &lintInput{profile: p420, mc: &mcfgv1.MachineConfig{Spec: mcfgv1.MachineConfigSpec{Extensions: []string{"usbguard", "kernel-devel"}}},
		pkgs: pkgs("kernel-core-5.14.0-2", "kernel-devel-5.14.0-1", "kernel-headers-5.14.0-1")}
	got := strings.Join(checkPackageConflicts(in), "\n")
	for _, want := range []string{"extension usbguard: package usbguard missing", "kernel-devel 5.14.0-1 does not match kernel-core 5.14.0-2"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}

// OCL401 is an error where the unit-enable trap exists (4.19) and info
// from 4.20 on; OCL402 stays an error.
func TestUnitSeverityByVersion(t *testing.T) {
	base, built := world(t)
	mc := machineConfig(t, enable("autofs.service"), enable("nowhere.service"))
	for v, want401 := range map[string]findings.Severity{"4.19": findings.SeverityError, "4.20": findings.SeverityInfo, "4.23": findings.SeverityInfo} {
		p := ocpversion.MustLookup(v)
		fs, err := Run(context.Background(), Input{Base: base, Built: built, MachineConfig: mc, Profile: &p})
		if err != nil {
			t.Fatal(err)
		}
		got := byRule(fs)
		if len(got[RuleUnitNotInBase]) != 1 || got[RuleUnitNotInBase][0].Severity != want401 {
			t.Errorf("%s: OCL401 %+v, want %s", v, got[RuleUnitNotInBase], want401)
		}
		if len(got[RuleUnitNotInImage]) != 1 || got[RuleUnitNotInImage][0].Severity != findings.SeverityError {
			t.Errorf("%s: OCL402 %+v", v, got[RuleUnitNotInImage])
		}
	}
}

func TestParseKargs(t *testing.T) {
	for in, ok := range map[string]bool{
		`kargs = ["a=1", "b"]`:                            true,
		"kargs = []\nmatch-architectures = [\"aarch64\"]": true,
		`match-architectures = ["x86_64"]`:                false, // kargs is required
		`kargs = "a"`:                                     false,
		`kargs = ["a"`:                                    false,
	} {
		if _, err := ParseKargs([]byte(in)); (err == nil) != ok {
			t.Errorf("%q: err %v, want ok=%v", in, err, ok)
		}
	}
}

// pkgs makes packages from NAME-VERSION-RELEASE strings.
func pkgs(nvrs ...string) []rpmdiff.Package {
	var out []rpmdiff.Package
	for _, s := range nvrs {
		i := strings.LastIndex(s, "-")
		j := strings.LastIndex(s[:i], "-")
		out = append(out, rpmdiff.Package{Name: s[:j], Version: s[j+1 : i], Release: s[i+1:], Arch: "x86_64"})
	}
	return out
}
