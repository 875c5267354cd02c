package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate --openshift-version 4.20 accepts a MachineOSConfig named apart
// from its pool (the 4.20 CRD has no such rule); 4.21 rejects it.
func TestValidateOpenShiftVersionNameRule(t *testing.T) {
	seed, err := os.ReadFile(manifestsDir + "seed-machineosconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	renamed := strings.Replace(string(seed), "metadata:\n  name: worker-automount\n", "metadata:\n  name: automount-layering\n", 1)
	if renamed == string(seed) {
		t.Fatal("seed MachineOSConfig changed: the rename did not apply")
	}
	f := filepath.Join(t.TempDir(), "mosc.yaml")
	if err := os.WriteFile(f, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"validate", f, manifestsDir + "seed-machineconfigpool.yaml", manifestsDir + "seed-secrets.yaml"}
	code, out, errOut := runCLI(t, "", append(args, "--openshift-version", "4.20")...) // errOut: for the failure message
	if code != 0 || strings.Contains(out, "must match the referenced MachineConfigPool") {
		t.Errorf("4.20: code=%d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", append(args, "--openshift-version", "4.21")...)
	if code != 1 || !strings.Contains(out, "error OCL301") || !strings.Contains(out, "MachineOSConfig name must match the referenced MachineConfigPool") {
		t.Errorf("4.21: code=%d\n%s", code, out)
	}
	// Without the flag: the newest CRDs, which have the rule.
	if code, _, _ = runCLI(t, "", args...); code != 1 {
		t.Errorf("default: code=%d", code)
	}
}
