package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/testutil"
)

// pshLayout writes a small OCI image (2 gzip layers) as an OCI layout and
// returns its oci: reference.
func pshLayout(t *testing.T) string {
	t.Helper()
	return testutil.OCILayout(t, testutil.RandomOCIImage(t, 100<<10, 2))
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
	got := testutil.RegistryDigest(t, dest, w.CAFile, w.PushUser, w.PushPassword)
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
	// Argument and flag errors (one argument, a non-registry destination,
	// --retry, --retry-delay, a missing --authfile):
	// TestFlagErrorsBeforeAnyWork, without a registry.
}

func assertNoPushSecrets(t *testing.T, w *fixture.World, s string) {
	t.Helper()
	for _, sec := range w.Secrets() {
		if strings.Contains(s, sec) {
			t.Fatal("output contains a credential")
		}
	}
}

// push and inspect from an overlay containers-storage store under a temp
// root shut the store down when done: no mount of the driver's home is left
// under the root (it would outlive the process and block removing it).
func TestPushFromContainersStorageLeavesNoMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("an overlay containers-storage store needs root")
	}
	w := fixture.Start(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	src := "containers-storage:[overlay@" + root + "+" + filepath.Join(dir, "runroot") + "]localhost/ocl/stored:latest"
	testutil.CopyImage(t, src, pshLayout(t))
	if m := testutil.MountsUnder(t, root); len(m) != 0 {
		t.Fatalf("mounts left by seeding the store: %v", m)
	}
	t.Cleanup(func() { // a failing run must not leave the mount to later tests
		for _, m := range testutil.MountsUnder(t, root) {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	})

	dest := w.PushRegistry + "/ocl/from-storage-cli:v1"
	code, out, errOut := runCLI(t, "", "push", src, dest, "--authfile", w.PushSecretFile, "--cert-dir", w.CertDir, "--quiet")
	if code != exitOK || !strings.HasPrefix(out, w.PushRegistry+"/ocl/from-storage-cli@sha256:") {
		t.Fatalf("push: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if m := testutil.MountsUnder(t, root); len(m) != 0 {
		t.Fatalf("push left mounts under the store root: %v", m)
	}

	code, out, errOut = runCLI(t, "", "inspect", src, "--format", "json")
	if code != exitOK || !strings.Contains(out, `"layers"`) {
		t.Fatalf("inspect: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if m := testutil.MountsUnder(t, root); len(m) != 0 {
		t.Fatalf("inspect left mounts under the store root: %v", m)
	}
}
