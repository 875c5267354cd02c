package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/fixture"
)

// pshLayout writes a small OCI image (2 gzip layers) as an OCI layout and
// returns its oci: reference.
func pshLayout(t *testing.T) string {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i := 0; i < 2; i++ {
		l, err := random.Layer(100<<10, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

// pshRegistryDigest reads the tag's digest back with go-containerregistry.
func pshRegistryDigest(t *testing.T, w *fixture.World, ref string) string {
	t.Helper()
	pem, err := os.ReadFile(w.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r, remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: w.PushUser, Password: w.PushPassword}))
	if err != nil {
		t.Fatalf("HEAD %s: %v", ref, err)
	}
	return d.Digest.String()
}

func TestPushCommandAgainstFixture(t *testing.T) {
	w := fixture.Start(t)
	src := pshLayout(t)
	dest := w.PushRegistry + "/openshift-machine-config-operator/os-image:worker"
	digestFile := filepath.Join(t.TempDir(), "digest.txt")

	code, out, errOut := runCLI(t, "", "push", src, dest, "--authfile", w.PushSecretFile, "--cert-dir", w.CertDir, "--digestfile", digestFile)
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	got := pshRegistryDigest(t, w, dest)
	want := w.PushRegistry + "/openshift-machine-config-operator/os-image@" + got + "\n"
	if out != want {
		t.Fatalf("stdout %q, want the digested pullspec %q", out, want)
	}
	if b, _ := os.ReadFile(digestFile); string(b) != got {
		t.Fatalf("digest file %q, want %q", b, got)
	}
	// Not a terminal: plain progress lines, and a summary.
	for _, s := range []string{"Copying blob", "Writing manifest", "pushed " + dest, "3 blobs sent"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	assertNoPushSecrets(t, w, out+errOut)

	// --quiet, and the same image again: only the pullspec, nothing sent.
	code, out, errOut = runCLI(t, "", "push", src, "docker://"+dest, "--authfile", w.PushSecretFile, "--cert-dir", w.CertDir, "--quiet")
	if code != exitOK || out != want || errOut != "" {
		t.Fatalf("--quiet: exit %d, stdout %q (want %q), stderr %q", code, out, want, errOut)
	}
	code, _, errOut = runCLI(t, "", "push", src, dest, "--authfile", w.PushSecretFile, "--cert-dir", w.CertDir)
	if code != exitOK || !strings.Contains(errOut, "0 blobs sent") {
		t.Fatalf("re-push: exit %d, stderr %s", code, errOut)
	}
}

func TestPushCommandFailures(t *testing.T) {
	w := fixture.Start(t)
	src := pshLayout(t)
	dest := w.PushRegistry + "/ocl/denied:v1"
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	auth := `{"auths":{"` + w.PushRegistry + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte(w.PushUser+":wrong-password")) + `"}}}`
	if err := os.WriteFile(bad, []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	digestFile := filepath.Join(dir, "digest.txt")
	if err := os.WriteFile(digestFile, []byte("sha256:old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "push", src, dest, "--authfile", bad, "--cert-dir", w.CertDir, "--digestfile", digestFile)
	if code != exitInput || out != "" {
		t.Fatalf("wrong password: exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "push to "+dest) || !strings.Contains(errOut, "unauthorized") {
		t.Fatalf("stderr should name the registry and say unauthorized: %s", errOut)
	}
	if b, _ := os.ReadFile(digestFile); string(b) != "sha256:old" {
		t.Fatalf("digest file changed to %q", b)
	}
	assertNoPushSecrets(t, w, errOut+out)
	if strings.Contains(errOut, "wrong-password") {
		t.Fatal("stderr shows the password")
	}

	// Without the CA the certificate is refused (TLS verification is on).
	code, _, errOut = runCLI(t, "", "push", src, dest, "--authfile", w.PushSecretFile, "--retry", "0")
	if code != exitInput || !strings.Contains(errOut, "certificate") {
		t.Fatalf("no --cert-dir: exit %d, stderr %s", code, errOut)
	}

	for _, args := range [][]string{
		{"push", src},
		{"push", src, "oci:" + dir + "/out"},
		{"push", src, dest, "--retry", "-1"},
		{"push", src, dest, "--retry-delay", "0s"},
		{"push", src, dest, "--authfile", filepath.Join(dir, "missing.json")},
	} {
		code, out, errOut := runCLI(t, "", args...)
		if code != exitInput || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and a message", args, code, out, errOut)
		}
	}
}

func assertNoPushSecrets(t *testing.T, w *fixture.World, s string) {
	t.Helper()
	for _, sec := range w.Secrets() {
		if strings.Contains(s, sec) {
			t.Fatal("output contains a credential")
		}
	}
}
