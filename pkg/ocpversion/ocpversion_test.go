package ocpversion

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Version{
		"4.19": {4, 19}, "4.20.3": {4, 20}, "v4.21.0-rc.1": {4, 21},
		"4.22.0-0.nightly-2026-01-01-000000": {4, 22}, "4.19.0-fixture": {4, 19},
		"5.0": {5, 0}, "4.20.3-x86_64": {4, 20},
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "4", "four.twenty", "4.x", "latest", "4.20 "} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestLookupBounds(t *testing.T) {
	if _, _, err := Lookup(Version{4, 18}); err == nil || !strings.Contains(err.Error(), "v1alpha1") {
		t.Fatalf("4.18: want refusal naming v1alpha1, got %v", err)
	}
	p, warn, err := Lookup(Version{6, 1})
	if err != nil || p.Version != Newest() || !strings.Contains(warn, "newer") {
		t.Fatalf("6.1: got %v %q %v, want newest profile with a warning", p.Version, warn, err)
	}
	for _, v := range Known() {
		p, warn, err := Lookup(v)
		if err != nil || warn != "" || p.Version != v || p.MCOBranch != "release-"+v.String() {
			t.Errorf("Lookup(%v) = %v %q %v", v, p.Version, warn, err)
		}
	}
}

// The facts each profile states, one row per version where they differ
// (read from the operator's branches; see profiles.go). credHelpers: the
// strict pull-secret decoder ignores credHelpers/credsStore (release-4.20,
// 4.21, 4.23+ pkg/secrets/helpers.go dockerConfigJSONDecoder), which
// release-4.22's pkg/secrets/secrets.go decodeDockerConfigBytes refuses.
func TestProfileFacts(t *testing.T) {
	type facts struct {
		tmpl                           Template
		imagesFromMC, validates, trap  bool
		nameMatch, strict, kernelInImg bool
		attempts                       int
		wasm, ovsIPsec, rebuildOnFiles bool
		stream                         OSImageStream
		credHelpers                    bool
		defaultStream                  string
	}
	want := map[string]facts{
		"4.19": {Template419, false, false, true, false, false, false, 3, true, false, true, OSImageStreamNone, false, "rhel-9"},
		"4.20": {Template420, false, false, false, false, true, true, 1, true, false, false, OSImageStreamNone, true, "rhel-9"},
		"4.21": {Template420, false, false, false, true, true, true, 1, true, false, false, OSImageStreamTechPreview, true, "rhel-9"},
		"4.22": {Template420, true, false, false, true, true, true, 1, false, false, false, OSImageStreamTechPreview, false, "rhel-9"},
		"4.23": {Template420, true, true, false, true, true, true, 1, false, true, false, OSImageStreamDefault, true, "rhel-9"},
		"5.0":  {Template420, true, true, false, true, true, true, 1, false, true, false, OSImageStreamDefault, true, "rhel-10"},
		"5.2":  {Template420, true, true, false, true, true, true, 1, false, true, false, OSImageStreamDefault, true, "rhel-10"},
	}
	for v, w := range want {
		p := MustLookup(v)
		_, wasm := p.Extensions["wasm"]
		ipsec, _ := p.ExtensionPackages("ipsec")
		got := facts{p.Template, p.ImagesFromRenderedMachineConfig, p.ValidatesContainerfile, p.UnitEnableTrap,
			p.MOSCNameMustMatchPool, p.StrictPullSecrets, p.LayeredKernelType(), p.BuildAttempts,
			wasm, len(ipsec) == 3, p.Rebuilds("files"), p.OSImageStream, p.PullSecretIgnoresCredHelpers, p.DefaultOSImageStream()}
		if got != w {
			t.Errorf("%s: got %+v\nwant %+v", v, got, w)
		}
	}
	if (Profile{}).DefaultOSImageStream() != StreamRHEL9 {
		t.Error("the zero profile (4.19) defaults to rhel-9")
	}
}

func TestRebuildsAndExtensions(t *testing.T) {
	p := MustLookup("4.20")
	for _, f := range []string{TriggerOSImageURL, TriggerKernelType, TriggerExtensions, TriggerKernelArguments} {
		if !p.Rebuilds(f) {
			t.Errorf("4.20 should rebuild on %s", f)
		}
	}
	if p.Rebuilds("units") || !MustLookup("4.19").Rebuilds("units") {
		t.Error("units: 4.20 applies live, 4.19 rebuilds")
	}
	if ext, ok := p.ExtensionOf("pcs"); !ok || ext != "two-node-ha" {
		t.Errorf("pcs belongs to two-node-ha, got %q %v", ext, ok)
	}
	if _, ok := MustLookup("4.22").ExtensionOf("crun-wasm"); ok {
		t.Error("wasm is gone in 4.22")
	}
	if got := MustLookup("4.20").KernelPackages["realtime"]; !reflect.DeepEqual(got, []string{"kernel-rt-core", "kernel-rt-modules", "kernel-rt-modules-extra", "kernel-rt-kvm"}) {
		t.Errorf("realtime packages %v", got)
	}
}

// A caller that changes the profile it got must not change the table.
func TestProfilesAreCopies(t *testing.T) {
	p := MustLookup("4.19")
	p.Extensions["usbguard"][0] = "changed"
	delete(p.Extensions, "sysstat")
	q := MustLookup("4.19")
	if q.Extensions["usbguard"][0] != "usbguard" || q.Extensions["sysstat"] == nil {
		t.Fatal("Lookup returned the table's own maps")
	}
	// and a later profile's change did not leak into an earlier one
	if _, ok := MustLookup("4.21").Extensions["wasm"]; !ok {
		t.Fatal("4.22's removal of wasm leaked into 4.21")
	}
}

func TestResolve(t *testing.T) {
	d, err := Resolve(Candidate{"", SourceFlag}, Candidate{"4.20.5", SourceConfigMap}, Candidate{"4.21.0", SourceReleasePayload})
	if err != nil || d.Version != (Version{4, 20}) || d.Source != SourceConfigMap || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "4.21") {
		t.Fatalf("got %+v %v", d, err)
	}
	d, err = Resolve(Candidate{"4.22", SourceFlag}, Candidate{"4.22.1", SourceReleasePayload})
	if err != nil || d.Source != SourceFlag || len(d.Warnings) != 0 || d.Describe() != "OpenShift 4.22 (from --openshift-version)" {
		t.Fatalf("got %+v %v", d, err)
	}
	d, err = Resolve()
	if err != nil || d.Source != SourceDefault || d.Version != Newest() || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "--openshift-version") {
		t.Fatalf("default: got %+v %v", d, err)
	}
	if _, err := Resolve(Candidate{"4.18", SourceFlag}); err == nil || !strings.HasPrefix(err.Error(), SourceFlag) {
		t.Fatalf("4.18 refused naming the source, got %v", err)
	}
	if _, err := Resolve(Candidate{"banana", SourceConfigMap}); err == nil || !strings.Contains(err.Error(), "ConfigMap") {
		t.Fatalf("bad value names its source, got %v", err)
	}
	d, _ = Resolve(Candidate{"7.1", SourceFlag})
	if d.Profile.Version != Newest() || !strings.Contains(d.Describe(), "profile") {
		t.Fatalf("7.1: %+v", d)
	}
}

func TestOSImageStreamTags(t *testing.T) {
	for _, c := range []struct {
		v, stream, base string
		err             bool
	}{
		{"4.19", "", "rhel-coreos", false},
		{"4.20", "rhel-10", "", true},
		{"4.21", "rhel-10", "rhel-coreos-10", false},
		{"4.22", "", "rhel-coreos", false},
		{"4.23", "rhel-9", "rhel-coreos", false},
		{"5.0", "", "rhel-coreos-10", false},
		{"4.22", "centos-42", "", true},
	} {
		got, err := MustLookup(c.v).OSImageStreamTags(c.stream)
		if (err != nil) != c.err || got.Base != c.base {
			t.Errorf("%s %q: %+v %v", c.v, c.stream, got, err)
		}
		if err == nil && got.Extensions != got.Base+"-extensions" {
			t.Errorf("%s %q: extensions tag %q", c.v, c.stream, got.Extensions)
		}
	}
}
