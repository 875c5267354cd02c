package mco

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	ign3types "github.com/coreos/ignition/v2/config/v3_5/types"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func mc(name, role, ign string, mut ...func(*mcfgv1.MachineConfigSpec)) *mcfgv1.MachineConfig {
	c := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{roleLabel: role}}}
	if ign != "" {
		c.Spec.Config = runtime.RawExtension{Raw: []byte(ign)}
	}
	for _, f := range mut {
		f(&c.Spec)
	}
	return c
}

func names(cs []*mcfgv1.MachineConfig) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func mergedIgn(t *testing.T, m *mcfgv1.MachineConfig) ign3types.Config {
	t.Helper()
	var c ign3types.Config
	if err := json.Unmarshal(m.Spec.Config.Raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMergeOrderWorkerFirstThenOthersByName(t *testing.T) {
	in := []*mcfgv1.MachineConfig{
		mc("99-worker-z", "worker", ""), mc("00-infra", "infra", ""),
		mc("50-worker-m", "worker", ""), mc("01-infra-b", "infra", ""), mc("00-worker-a", "worker", ""),
	}
	got := names(MergeOrder(in))
	want := []string{"00-worker-a", "50-worker-m", "99-worker-z", "00-infra", "01-infra-b"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if in[0].Name != "99-worker-z" {
		t.Fatal("MergeOrder reordered its input")
	}
}

func TestMergeLaterConfigWinsForSamePath(t *testing.T) {
	m := mustLoad(t, "machineconfigs")
	sel, err := SelectMachineConfigs("worker-automount", FindPool("worker-automount", m.MachineConfigPools), m.MachineConfigs)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := MergeMachineConfigs(sel, "base", "ext")
	if err != nil {
		t.Fatal(err)
	}
	ign := mergedIgn(t, merged)
	files := map[string]ign3types.File{}
	for _, f := range ign.Storage.Files {
		files[f.Path] = f
	}
	if len(ign.Storage.Files) != 2 {
		t.Fatalf("files: %d (same path must merge into one entry; master's file must be absent)", len(ign.Storage.Files))
	}
	// 10-automount is merged after 99-worker-override: custom pool wins.
	if src := *files["/etc/ocl-build/motd"].Contents.Source; src != "data:,from%2010-automount%0A" {
		t.Fatalf("motd source %q", src)
	}
	if ow := files["/etc/ocl-build/motd"].Overwrite; ow == nil || !*ow {
		t.Fatal("overwrite must default to true")
	}
	if ow := files["/etc/ocl-build/only-base"].Overwrite; ow == nil || *ow {
		t.Fatal("an explicit overwrite: false must stay")
	}
	if want := []string{"quiet", "nosmt", "autofs.debug=0"}; !reflect.DeepEqual(merged.Spec.KernelArguments, want) {
		t.Fatalf("kernel args %v, want %v", merged.Spec.KernelArguments, want)
	}
	if len(ign.Systemd.Units) != 3 || ign.Ignition.Version != "3.5.0" {
		t.Fatalf("units %d version %s", len(ign.Systemd.Units), ign.Ignition.Version)
	}
	if merged.Spec.OSImageURL != "base" || merged.Spec.BaseOSExtensionsContainerImage != "ext" || merged.Spec.KernelType != "default" {
		t.Fatalf("spec %+v", merged.Spec)
	}
}

func TestMergeSpecFields(t *testing.T) {
	v := `{"ignition":{"version":"3.5.0"}}`
	cases := []struct {
		name  string
		in    []*mcfgv1.MachineConfig
		check func(*mcfgv1.MachineConfigSpec) bool
		err   string
	}{
		{"fips from any", []*mcfgv1.MachineConfig{mc("a", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.FIPS = true }), mc("b", "worker", v)},
			func(s *mcfgv1.MachineConfigSpec) bool { return s.FIPS }, ""},
		{"realtime wins over default", []*mcfgv1.MachineConfig{mc("a", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "realtime" }), mc("b", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "default" })},
			func(s *mcfgv1.MachineConfigSpec) bool { return s.KernelType == "realtime" }, ""},
		{"last non-default kernel wins", []*mcfgv1.MachineConfig{mc("a", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "realtime" }), mc("b", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "64k-pages" })},
			func(s *mcfgv1.MachineConfigSpec) bool { return s.KernelType == "64k-pages" }, ""},
		{"extensions concatenated in order", []*mcfgv1.MachineConfig{mc("b", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.Extensions = []string{"sysstat"} }), mc("a", "worker", v, func(s *mcfgv1.MachineConfigSpec) { s.Extensions = []string{"usbguard"} })},
			func(s *mcfgv1.MachineConfigSpec) bool {
				return reflect.DeepEqual(s.Extensions, []string{"usbguard", "sysstat"})
			}, ""},
		{"osImageURL override, last wins", []*mcfgv1.MachineConfig{mc("a", "worker", "", func(s *mcfgv1.MachineConfigSpec) { s.OSImageURL = "x" }), mc("b", "worker", "", func(s *mcfgv1.MachineConfigSpec) { s.OSImageURL = "y" })},
			func(s *mcfgv1.MachineConfigSpec) bool { return s.OSImageURL == "y" }, ""},
		{"kernel-devel needs default kernel", []*mcfgv1.MachineConfig{mc("a", "worker", v, func(s *mcfgv1.MachineConfigSpec) {
			s.KernelType = "realtime"
			s.Extensions = []string{"kernel-devel"}
		})}, nil, "kernel-devel"},
		{"invalid kernelType", []*mcfgv1.MachineConfig{mc("bad", "worker", "", func(s *mcfgv1.MachineConfigSpec) { s.KernelType = "rt" })}, nil, `MachineConfig "bad": spec.kernelType "rt"`},
		{"no labels", []*mcfgv1.MachineConfig{{ObjectMeta: metav1.ObjectMeta{Name: "nolabels"}}}, nil, `"nolabels" has no labels`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := MergeMachineConfigs(c.in, "base", "")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(&m.Spec) {
				t.Fatalf("spec %+v", m.Spec)
			}
		})
	}
}

func TestSelectMachineConfigs(t *testing.T) {
	in := []*mcfgv1.MachineConfig{mc("00-worker", "worker", ""), mc("00-master", "master", ""), mc("10-infra", "infra", ""), mc("10-other", "other", "")}
	cases := []struct {
		pool string
		mcp  *mcfgv1.MachineConfigPool
		want []string
	}{
		{"worker", nil, []string{"00-worker"}},
		{"master", nil, []string{"00-master"}},
		{"infra", nil, []string{"00-worker", "10-infra"}},
		{"infra", &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: "infra"}, Spec: mcfgv1.MachineConfigPoolSpec{
			MachineConfigSelector: &metav1.LabelSelector{MatchLabels: map[string]string{roleLabel: "infra"}}}}, []string{"10-infra"}},
	}
	for _, c := range cases {
		got, err := SelectMachineConfigs(c.pool, c.mcp, in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(got), c.want) {
			t.Errorf("pool %s (mcp %v): %v, want %v", c.pool, c.mcp != nil, names(got), c.want)
		}
	}
	empty := &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: mcfgv1.MachineConfigPoolSpec{MachineConfigSelector: &metav1.LabelSelector{}}}
	if _, err := SelectMachineConfigs("x", empty, in); err == nil || !strings.Contains(err.Error(), "machineConfigSelector is empty") {
		t.Fatalf("empty selector: %v", err)
	}
}

func TestEnabledUnitsWithoutContents(t *testing.T) {
	m := mustLoad(t, "machineconfigs")
	r, err := Render(RenderOptions{PoolName: "worker-automount", MachineConfigs: m.MachineConfigs, MachineConfigPools: m.MachineConfigPools, BaseImage: "b"})
	if err != nil {
		t.Fatal(err)
	}
	// ocl-hello has contents; autofs has none; sssd has only a drop-in.
	if got, want := EnabledUnitsWithoutContents(r.MachineConfig), []string{"autofs.service", "sssd.service"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// A unit file shipped by storage.files counts as contents, also for templates.
	c := mc("x", "worker", `{"ignition":{"version":"3.5.0"},
	  "storage":{"files":[{"path":"/etc/systemd/system/foo@.service","contents":{"source":"data:,x"}}]},
	  "systemd":{"units":[{"name":"foo@bar.service","enabled":true},{"name":"off.service","enabled":false},{"name":"baz.service","enabled":true,"contents":"[Unit]"}]}}`)
	if got := EnabledUnitsWithoutContents(c); len(got) != 0 {
		t.Fatalf("got %v, want none", got)
	}
}
