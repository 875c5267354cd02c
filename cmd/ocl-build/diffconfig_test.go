package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dcWorker = `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 00-worker
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition: {version: 3.5.0}
`

const dcMirror = `---
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-registries
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition: {version: 3.5.0}
    storage:
      files:
      - path: /etc/containers/registries.conf
        mode: 420
        contents: {source: "data:,unqualified-search-registries%20%3D%20%5B%5D"}
`

// diff-config on files as oc writes them: the registries.conf change is
// live on 4.20 and a rebuild on 4.19; an extension rebuilds everywhere.
func TestDiffConfigCommand(t *testing.T) {
	dir := t.TempDir()
	oldDir := filepath.Join(dir, "old")
	os.Mkdir(oldDir, 0o755)
	os.WriteFile(filepath.Join(oldDir, "00-worker.yaml"), []byte(dcWorker), 0o644)
	newFile := filepath.Join(dir, "new.yaml")
	os.WriteFile(newFile, []byte(dcWorker+dcMirror), 0o644)

	code, out, errOut := runCLI(t, "", "diff-config", oldDir, newFile, "--openshift-version", "4.20")
	if code != 0 || !strings.Contains(out, "file /etc/containers/registries.conf added: no rebuild; applies live: reload crio.service") ||
		!strings.Contains(out, "=> no rebuild; the change applies live") || !strings.Contains(errOut, "OpenShift 4.20 (from --openshift-version)") {
		t.Fatalf("4.20: code %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "diff-config", oldDir, newFile, "--openshift-version", "4.19.3", "-q")
	if code != 0 || strings.TrimSpace(out) != "4.19: this change rebuilds the image, and the nodes reboot into it" {
		t.Fatalf("4.19 quiet: code %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "diff-config", oldDir, newFile, "--all-versions", "--format", "json")
	var res struct {
		Pool        string
		Predictions []struct {
			OpenShiftVersion string `json:"openshiftVersion"`
			Rebuild          bool
			Effect           string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Predictions) < 5 || res.Pool != "worker" {
		t.Fatalf("json: code %d err %v\n%s", code, err, out)
	}
	for _, p := range res.Predictions {
		wantRebuild := p.OpenShiftVersion == "4.19"
		if p.Rebuild != wantRebuild {
			t.Errorf("%s: rebuild %v", p.OpenShiftVersion, p.Rebuild)
		}
	}
	// Unreadable input names the file; an old version is refused with the reason.
	code, _, errOut = runCLI(t, "", "diff-config", oldDir, filepath.Join(dir, "missing.yaml"))
	if code != exitInput || !strings.Contains(errOut, "missing.yaml") {
		t.Fatalf("missing: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "diff-config", oldDir, newFile, "--openshift-version", "4.18")
	if code != exitInput || !strings.Contains(errOut, "v1alpha1") {
		t.Fatalf("4.18: %d %q", code, errOut)
	}
}
