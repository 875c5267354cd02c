package mco

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteContextWritesTheThreeFiles(t *testing.T) {
	img := mustOSImages(t)
	bundle := []byte(readFile(t, filepath.Join(td, "bundle.crt")))
	for _, withBundle := range []bool{false, true} {
		opts := RenderOptions{BaseImage: img.BaseOSContainerImage, Containerfile: "FROM configs\n"}
		if withBundle {
			opts.AdditionalTrustBundle = bundle
		}
		r, err := Render(opts)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "ctx")
		if err := WriteContext(dir, r); err != nil {
			t.Fatal(err)
		}
		cf := readFile(t, filepath.Join(dir, "Containerfile"))
		gz := readFile(t, filepath.Join(dir, "machineconfig", "machineconfig.json.gz"))
		ca, err := os.ReadFile(filepath.Join(dir, "openshift-config-user-ca-bundle.crt"))
		if err != nil {
			t.Fatal("the CA bundle file must exist even when empty:", err)
		}
		if cf != r.Containerfile || gz != string(r.MachineConfigGz) {
			t.Fatal("context files differ from the render")
		}
		if withBundle && string(ca) != string(bundle) || !withBundle && len(ca) != 0 {
			t.Fatalf("bundle=%v: CA file has %d bytes", withBundle, len(ca))
		}
		if mc, err := DecodeMachineConfig([]byte(gz)); err != nil || mc.Name != r.MachineConfig.Name {
			t.Fatalf("decode context file: %v", err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 3 {
			t.Fatalf("context holds %d entries, want 3 (no temp files left)", len(ents))
		}
		// Writing again over the same context is fine.
		if err := WriteContext(dir, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteContextRefusesForeignFiles(t *testing.T) {
	r, err := Render(RenderOptions{BaseImage: "b"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "local"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = WriteContext(dir, r)
	if err == nil || !strings.Contains(err.Error(), "holds local") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatal("a refused context must not be half written")
	}
}

func TestDecodeMachineConfigRejectsGarbage(t *testing.T) {
	for _, in := range []string{"not base64!", "aGVsbG8=" /* "hello", not gzip */} {
		if _, err := DecodeMachineConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), "machineconfig.json.gz") {
			t.Errorf("%q: %v", in, err)
		}
	}
}
