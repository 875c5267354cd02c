package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/build"
)

// regMachineConfig is a worker MachineConfig that writes the given
// /etc/containers files, as an ImageDigestMirrorSet or image.config does.
func regMachineConfig(t *testing.T, dir, name string, files map[string]string) string {
	t.Helper()
	var fs []any
	for p, c := range files {
		fs = append(fs, map[string]any{"path": p, "mode": 420, "overwrite": true,
			"contents": map[string]any{"source": "data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(c))}})
	}
	raw, _ := json.Marshal(map[string]any{"ignition": map[string]any{"version": "3.5.0"}, "storage": map[string]any{"files": fs}})
	return bldWriteFile(t, dir, name+".yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: `+name+`
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config: `+string(raw)+"\n")
}

// The build uses the registries.conf and policy.json of the pool's
// rendered MachineConfig, as the build pod mounts them: a disconnected
// cluster's mirror serves the base when the primary is unreachable, a
// blocked registry and a rejecting policy fail here as there.
func TestBuildWithClusterRegistries(t *testing.T) {
	w := e2eWorld(t)
	dir := t.TempDir()
	cf := bldWriteFile(t, dir, "Containerfile", "FROM configs AS final\nRUN echo layered > /etc/ocl-build-mirror-test\n")
	// The base by digest on a registry that does not resolve (quay.invalid),
	// mirrored to the fixture's release registry, as an IDMS renders it.
	unreachable := "quay.invalid/" + fixture.ArtRepo + "@" + w.BaseDigest
	mirror := regMachineConfig(t, dir, "99-worker-generated-registries", map[string]string{
		"/etc/containers/registries.conf": "unqualified-search-registries = []\n\n[[registry]]\n  prefix = \"\"\n  location = \"quay.invalid/" + fixture.ArtRepo + "\"\n  mirror-by-digest-only = true\n\n  [[registry.mirror]]\n    location = \"" + w.ReleaseRegistry + "/" + fixture.ArtRepo + "\"\n",
	})
	common := func(store []string, extra ...string) []string {
		a := append([]string{"build", "--containerfile", cf, "--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir}, store...)
		return append(a, extra...)
	}

	// With this machine's registries.conf the primary is all there is: exit 2, named.
	_, store := bldStoreFlags(t, build.DriverOverlay)
	code, _, errOut := runCLI(t, "", common(store, "--base-image", unreachable, "--machineconfigs", mirror, "--host-registries")...)
	if code != exitInput || !strings.Contains(errOut, "quay.invalid") {
		t.Fatalf("--host-registries: code %d, want 2 naming quay.invalid\n%s", code, errOut)
	}
	// With the cluster's: pulled through the mirror, built.
	so, store := bldStoreFlags(t, build.DriverOverlay)
	code, out, errOut := runCLI(t, "", common(store, "--base-image", unreachable, "--machineconfigs", mirror)...)
	if code != 0 || !strings.Contains(errOut, "registries.conf: the pool's MachineConfig's /etc/containers/registries.conf") {
		t.Fatalf("mirror: code %d\n%s\n%s", code, out, errOut)
	}
	st, err := build.OpenStore(so)
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.Lookup("localhost/ocl-build/worker:latest")
	st.Shutdown(false)
	if err != nil {
		t.Fatal(err)
	}
	img := bldOpenImage(t, so, id)
	if b, err := os.ReadFile(filepath.Join(img.root, "etc/ocl-build-mirror-test")); err != nil || string(b) != "layered\n" || img.labels["baseOSContainerImage"] != unreachable {
		t.Errorf("mirror build: %q %v, labels %v", b, err, img.labels)
	}

	// A registry the cluster blocks: refused here too, before any build step.
	blocked := regMachineConfig(t, dir, "99-worker-blocked", map[string]string{
		"/etc/containers/registries.conf": "[[registry]]\n  location = \"" + w.ReleaseRegistry + "\"\n  blocked = true\n",
	})
	_, store = bldStoreFlags(t, build.DriverOverlay)
	code, _, errOut = runCLI(t, "", common(store, "--base-image", w.BaseImageDigest, "--machineconfigs", blocked)...)
	if code != exitInput || !strings.Contains(errOut, "blocked") || !strings.Contains(errOut, w.ReleaseRegistry) {
		t.Fatalf("blocked: code %d\n%s", code, errOut)
	}
	// A signature policy that rejects the registry: refused as on the cluster.
	reject := regMachineConfig(t, dir, "99-worker-policy", map[string]string{
		"/etc/containers/policy.json": `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"` + w.ReleaseRegistry + `":[{"type":"reject"}]}}}`,
	})
	_, store = bldStoreFlags(t, build.DriverOverlay)
	code, _, errOut = runCLI(t, "", common(store, "--base-image", w.BaseImageDigest, "--machineconfigs", reject)...)
	if code != exitInput || !strings.Contains(errOut, "reject") || !strings.Contains(errOut, "policy.json: the pool's MachineConfig's") {
		t.Fatalf("policy: code %d\n%s", code, errOut)
	}
}
