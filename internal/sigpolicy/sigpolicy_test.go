package sigpolicy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/signature"
)

func TestPolicyExplicitMustExist(t *testing.T) {
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "nope.json")
	if _, err := Path(missing, tmp); err == nil || !strings.Contains(err.Error(), "signature policy") {
		t.Fatalf("missing explicit policy: err = %v, want a signature policy error", err)
	}
	own := filepath.Join(tmp, "own.json")
	if err := os.WriteFile(own, []byte(`{"default":[{"type":"reject"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Path(own, tmp)
	if err != nil || got != own {
		t.Fatalf("explicit policy: got %q, %v; want %q", got, err, own)
	}
}

func TestPolicySystemPreferredOverFallback(t *testing.T) {
	tmp := t.TempDir()
	system := filepath.Join(tmp, "system.json")
	if err := os.WriteFile(system, []byte(`{"default":[{"type":"reject"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := pathWithDefault("", system, tmp)
	if err != nil || got != system {
		t.Fatalf("got %q, %v; want the system policy %q", got, err, system)
	}
	if _, err := os.Stat(filepath.Join(tmp, "policy.json")); !os.IsNotExist(err) {
		t.Fatalf("fallback written although a system policy exists: %v", err)
	}
}

func TestPolicyFallbackAcceptsAnything(t *testing.T) {
	tmp := t.TempDir()
	got, err := pathWithDefault("", filepath.Join(tmp, "absent.json"), tmp)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(tmp, "policy.json") {
		t.Fatalf("fallback at %q, want under %s", got, tmp)
	}
	fi, err := os.Stat(got)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("fallback mode %o, want 0600", fi.Mode().Perm())
	}
	// containers/image must accept the file and read it as accept-anything
	// for every transport, docker-daemon included.
	pol, err := signature.NewPolicyFromFile(got)
	if err != nil {
		t.Fatalf("containers/image rejects the fallback policy: %v", err)
	}
	if len(pol.Default) != 1 {
		t.Fatalf("default requirements = %d, want 1", len(pol.Default))
	}
	dd, ok := pol.Transports["docker-daemon"][""]
	if !ok || len(dd) != 1 {
		t.Fatalf("docker-daemon scope missing: %#v", pol.Transports)
	}
	for _, req := range []signature.PolicyRequirement{pol.Default[0], dd[0]} {
		b, err := json.Marshal(req)
		if err != nil || !strings.Contains(string(b), `"insecureAcceptAnything"`) {
			t.Errorf("requirement %s (%v), want insecureAcceptAnything", b, err)
		}
	}
	if _, err := signature.NewPolicyContext(pol); err != nil {
		t.Fatalf("policy context: %v", err)
	}
}
