package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// --additional-trust-bundle takes the user-ca-bundle ConfigMap as oc prints
// it: the build context gets the PEM of data["ca-bundle.crt"], byte for
// byte; a file that is neither is refused naming the file.
func TestRenderTrustBundleFromConfigMap(t *testing.T) {
	bundle, err := os.ReadFile(filepath.Join(renderTD, "bundle.crt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "user-ca-bundle", Namespace: "openshift-config", ResourceVersion: "1"},
		Data:       map[string]string{"ca-bundle.crt": string(bundle)},
	}
	y, _ := yaml.Marshal(cm)
	cmFile := filepath.Join(dir, "user-ca-bundle.yaml")
	if err := os.WriteFile(cmFile, y, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := filepath.Join(dir, "ctx")
	code, _, errOut := runCLI(t, "", "render", "--containerfile", filepath.Join(renderTD, "user.Containerfile"),
		"--base-image", "quay.io/example/rhcos@sha256:"+strings.Repeat("a", 64), "--additional-trust-bundle", cmFile, "--context", ctx)
	if code != 0 {
		t.Fatalf("render with the ConfigMap: %d %s", code, errOut)
	}
	got, err := os.ReadFile(filepath.Join(ctx, "openshift-config-user-ca-bundle.crt"))
	if err != nil || string(got) != string(bundle) {
		t.Fatalf("the context's CA bundle is not the ConfigMap's PEM (%v):\n%s", err, got)
	}

	notes := filepath.Join(dir, "notes.txt")
	_ = os.WriteFile(notes, []byte("our CA is at https://pki.example.com\n"), 0o644)
	code, _, errOut = runCLI(t, "", "render", "--containerfile", filepath.Join(renderTD, "user.Containerfile"),
		"--base-image", "quay.io/example/rhcos@sha256:"+strings.Repeat("a", 64), "--additional-trust-bundle", notes)
	if code != exitInput || !strings.Contains(errOut, "--additional-trust-bundle "+notes+": neither PEM certificates nor a ConfigMap") {
		t.Errorf("a text file as the bundle: %d %s", code, errOut)
	}
}
