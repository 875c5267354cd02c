package mco

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

func TestLoadMachineConfigsDirectoryAndLists(t *testing.T) {
	mcs, pools, err := LoadMachineConfigs([]string{filepath.Join(td, "machineconfigs")})
	if err != nil {
		t.Fatal(err)
	}
	// 00-worker-base.yaml holds two documents; 99-worker-override.yaml a List.
	got := names(mcs)
	want := []string{"00-worker-base", "00-master-base", "10-automount", "99-worker-override"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(pools) != 1 || pools[0].Name != "worker-automount" || pools[0].Spec.MachineConfigSelector == nil {
		t.Fatalf("pools: %+v", pools)
	}
}

func TestLoadErrorsNameFileObjectAndReason(t *testing.T) {
	cases := []struct{ file, want string }{
		{"ignition-2.4.yaml", `MachineConfig "50-unknown-spec": spec.config: Ignition spec 2.4.0 is unknown; supported spec versions: 2.2, 3.0`},
		{"setuid-mode.yaml", `MachineConfig "50-setuid": spec.config: storage.files /usr/local/bin/su-helper: mode 04755 has special bits`},
		{"relative-path.yaml", `MachineConfig "50-relative": spec.config: invalid Ignition 3.5.0 config: error at $.storage.files.0.path`},
		{"unknown-extension.yaml", `MachineConfig "50-ext": spec.extensions: unsupported extensions ["emacs"]`},
		{"typo-field.yaml", `MachineConfig "50-typo": error unmarshaling JSON: while decoding JSON: json: unknown field "kernelArgs"`},
		{"bad-kerneltype.yaml", `MachineConfig "50-kernel": spec.kernelType "rt" is invalid`},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p := filepath.Join(td, "invalid", c.file)
			_, _, err := LoadMachineConfigs([]string{p})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), p+":1: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q\nwant prefix %q and %q", err, p+":1: ", c.want)
			}
		})
	}
}

func TestLoadReportsDocumentLineAndBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata:\n  name: a\n  labels: {machineconfiguration.openshift.io/role: worker}\n"
	cases := []struct{ name, body, want string }{
		{"second.yaml", good + "---\n# comment\n---\napiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: b}\nspec:\n  config: {ignition: {version: 9.9.9}}\n",
			`second.yaml:9: MachineConfig "b": spec.config: Ignition spec 9.9.9 is unknown`},
		{"dup.yaml", good + "---\n" + good, `dup.yaml:7: MachineConfig "a" is also defined at`},
		{"yaml.yaml", "kind: [unclosed\n", "yaml.yaml:1: malformed YAML"},
		{"version.yaml", "apiVersion: v1\nkind: MachineConfig\nmetadata: {name: x}\n", `apiVersion is "v1"`},
		{"noname.yaml", "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\n", "MachineConfigPool: metadata.name is empty"},
		{"noversion.yaml", "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: e}\nspec: {config: {}}\n", "ignition.version is missing"},
	}
	for _, c := range cases {
		p := write(c.name, c.body)
		_, _, err := LoadMachineConfigs([]string{p})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, _, err := LoadMachineConfigs([]string{filepath.Join(dir, "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	empty := t.TempDir()
	if _, _, err := LoadMachineConfigs([]string{empty}); err == nil || !strings.Contains(err.Error(), "no *.yaml") {
		t.Errorf("empty dir: %v", err)
	}
	// A pool as a newer cluster prints it: unknown status fields are fine.
	p := write("mcp.yaml", "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: w, uid: 1234}\nspec: {paused: false}\nstatus: {machineCount: 3, fieldFrom2030: {x: 1}}\n")
	if _, pools, err := LoadMachineConfigs([]string{p}); err != nil || len(pools) != 1 || pools[0].UID != "1234" {
		t.Fatalf("pool with future status: %v", err)
	}
	// Other kinds are skipped, not errors.
	p = write("other.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n"+good)
	mcs, _, err := LoadMachineConfigs([]string{p})
	if err != nil || len(mcs) != 1 {
		t.Fatalf("other kinds: %v %d", err, len(mcs))
	}
}

func FuzzLoadManifests(f *testing.F) {
	for _, p := range []string{"machineconfigs/00-worker-base.yaml", "machineconfigs/99-worker-override.yaml", "mosc.yaml", "invalid/setuid-mode.yaml"} {
		b, err := os.ReadFile(filepath.Join(td, p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := kubedoc.Parse("in.yaml", data)
		if err != nil {
			return
		}
		m, err := FromDocuments(docs)
		if err != nil {
			return
		}
		// Whatever loads must render without panicking.
		_, _ = Render(RenderOptions{BaseImage: "b", ExtensionsImage: "e", MachineConfigs: m.MachineConfigs, MachineConfigPools: m.MachineConfigPools})
	})
}
