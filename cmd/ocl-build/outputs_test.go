package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A failed run leaves an -o file as it was (no partial write, no temp file
// beside it); a successful one replaces it whole, credentials at 0600.
// build's --output, push's --digestfile and preflight's --report and
// --manifests-dir are proven the same way in test/reliability.
func TestOutputKeptOnFailure(t *testing.T) {
	cf := filepath.Join(t.TempDir(), "Containerfile")
	if err := os.WriteFile(cf, []byte("FROM configs AS final\nRUN echo hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifests := func(out, pushSpec string) []string {
		return []string{"manifests", "--containerfile", cf, "--pool", "infra", "--push-secret", "push",
			"--push-spec", pushSpec, "--output-file", out}
	}
	for _, c := range []struct {
		name     string
		bad, ok  func(out string) []string
		wantMode os.FileMode
		check    func(t *testing.T, b []byte)
	}{
		{name: "manifests -o",
			// An invalid push spec is refused by the CRD's CEL rule.
			bad:      func(out string) []string { return manifests(out, "not a pull spec") },
			ok:       func(out string) []string { return manifests(out, "registry.example/ocl/infra:latest") },
			wantMode: 0o644,
			check: func(t *testing.T, b []byte) {
				var m map[string]any
				if err := yaml.Unmarshal(b, &m); err != nil || m["kind"] != "MachineOSConfig" {
					t.Errorf("not a complete MachineOSConfig (%v):\n%s", err, b)
				}
			}},
		{name: "secret merge -o",
			bad: func(out string) []string {
				return []string{"secret", "merge", "../../testdata/pullsecrets/pull-secret.json", "../../testdata/manifests/bad-malformed.yaml", "--output-file", out}
			},
			ok: func(out string) []string {
				return []string{"secret", "merge", "../../testdata/pullsecrets/pull-secret.json", "../../testdata/pullsecrets/push-secret.json", "--output-file", out}
			},
			wantMode: 0o600,
			check: func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), `"auths"`) {
					t.Errorf("not a merged secret:\n%s", b)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			const old = "previous run's output\n"
			if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, "", c.bad(out)...)
			if code != exitInput {
				t.Fatalf("bad input: exit %d, want %d\n%s", code, exitInput, stderr)
			}
			if b, _ := os.ReadFile(out); string(b) != old {
				t.Errorf("the failed run changed %s:\n%s", out, b)
			}
			onlyEntry(t, dir, "out")

			code, _, stderr = runCLI(t, "", c.ok(out)...)
			if code != exitOK {
				t.Fatalf("good input: exit %d\n%s", code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, b)
			if fi, _ := os.Stat(out); fi.Mode().Perm() != c.wantMode {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), c.wantMode)
			}
			onlyEntry(t, dir, "out")
		})
	}
}

func onlyEntry(t *testing.T, dir, name string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != name {
			t.Errorf("stray file %s beside %s", e.Name(), name)
		}
	}
}
