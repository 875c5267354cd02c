package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// findingsOf runs a findings command with -o json and returns its findings.
func findingsOf(t *testing.T, args ...string) (int, []findings.Finding) {
	t.Helper()
	code, out, errOut := runCLI(t, "", append(args, "-o", "json")...)
	var res struct {
		Findings []findings.Finding `json:"findings"`
	}
	if code == exitInput {
		return code, nil
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %v\n%s\n%s", args, err, out, errOut)
	}
	return code, res.Findings
}

// lint, render and validate read MachineOSConfig files through one reader:
// the same findings at the same positions (lint's are a subset of
// validate's, which adds the checks between objects), the same kinds (a
// typed MachineOSConfigList), the same refusal of a duplicate key.
func TestLintRenderValidateAgree(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.yaml")
	if err := os.WriteFile(list, []byte(`apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfigList
items:
- metadata:
    name: worker
  spec:
    machineConfigPool:
      name: worker
    imageBuilder:
      imageBuilderType: Job
    renderedImagePushSecret:
      name: push-secret
    renderedImagePushSpec: quay.io/acme/os-image:v1
    containerFile:
    - content: "FROM configs AS final\nRUN dnf install -y usbguard && dnf clean all && ostree container commit"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{
		repoFile("testdata/containerfiles/mosc/worker.yaml"), // OCL211 inside a double-quoted scalar
		manifestsDir + "lint-embedded.yaml",                  // literal block
		manifestsDir + "bad-content-too-long.yaml",           // schema error and content findings
		list,
	}
	for _, f := range files {
		lcode, lint := findingsOf(t, "lint", f)
		vcode, val := findingsOf(t, "validate", f)
		if lcode == exitInput || vcode == exitInput || len(lint) == 0 {
			t.Fatalf("%s: lint %d (%d findings), validate %d", f, lcode, len(lint), vcode)
		}
		for _, l := range lint {
			found := false
			for _, v := range val {
				found = found || v == l
			}
			if !found {
				t.Errorf("%s: lint reports %+v, validate does not:\n%+v", f, l, val)
			}
		}
	}
	// The positions inside embedded content, pinned: a double-quoted
	// one-line scalar (worker.yaml) and a typed List item.
	_, lint := findingsOf(t, "lint", files[0])
	_, inList := findingsOf(t, "lint", list)
	want := map[string]bool{"OCL211 31:59": false, "OCL211 15:59 list": false}
	for _, f := range lint {
		if f.Rule == "OCL211" && f.Line == 31 && f.Column == 59 {
			want["OCL211 31:59"] = true
		}
	}
	for _, f := range inList {
		if f.Rule == "OCL211" && f.Line == 15 && f.Column == 59 {
			want["OCL211 15:59 list"] = true
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("missing %s: %+v %+v", k, lint, inList)
		}
	}
	// render reads the same List (the item's kind comes from the list).
	if code, out, errOut := runCLI(t, "", "render", "--mosc", list, "--base-image", "registry.example/rhcos@sha256:aa"); code != 0 || !strings.Contains(out, "RUN dnf install -y usbguard") {
		t.Errorf("render of a MachineOSConfigList: %d %s", code, errOut)
	}

	// A duplicate key: the same input error from all three, naming the line.
	dup := filepath.Join(dir, "dup.yaml")
	src, _ := os.ReadFile(manifestsDir + "lint-embedded.yaml")
	if err := os.WriteFile(dup, []byte(strings.Replace(string(src), "  name: worker\n", "  name: worker\n  name: other\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	want1 := dup + `:7: malformed YAML: line 7: key "name" already set in map`
	for _, args := range [][]string{{"lint", dup}, {"validate", dup}, {"render", "--mosc", dup, "--base-image", "b"}} {
		code, _, errOut := runCLI(t, "", args...)
		if code != exitInput || !strings.Contains(errOut, want1) {
			t.Errorf("%v: %d %q, want exit 2 with %q", args, code, errOut, want1)
		}
	}
}

// validate picks the CRD of --openshift-version: the name == pool CEL rule
// is in the 4.21+ CRD only (the operator's vendored CRD of release-4.21;
// absent on release-4.19/4.20).
func TestValidateCRDPerVersion(t *testing.T) {
	dir := t.TempDir()
	mosc := filepath.Join(dir, "mosc.yaml")
	if err := os.WriteFile(mosc, []byte(`apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata:
  name: layered
spec:
  machineConfigPool:
    name: worker
  imageBuilder:
    imageBuilderType: Job
  renderedImagePushSecret:
    name: push-secret
  renderedImagePushSpec: quay.io/acme/os-image:v1
  containerFile:
  - content: "RUN true"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"4.19", "4.20"} {
		code, fs := findingsOf(t, "validate", "--openshift-version", v, mosc)
		for _, f := range fs {
			if f.Severity >= findings.SeverityError {
				t.Errorf("%s: %+v", v, f)
			}
		}
		if code != 0 {
			t.Errorf("%s: exit %d", v, code)
		}
	}
	for _, v := range []string{"4.21", "5.0", ""} {
		args := []string{"validate", mosc}
		if v != "" {
			args = append(args, "--openshift-version", v)
		}
		code, fs := findingsOf(t, args...)
		ok := false
		for _, f := range fs {
			ok = ok || (f.Rule == "OCL301" && f.Severity == findings.SeverityError && f.Line == 1 && strings.Contains(f.Message, "name must match the referenced MachineConfigPool"))
		}
		if code != exitFindings || !ok {
			t.Errorf("%q: exit %d, %+v", v, code, fs)
		}
	}
	// lint checks the same CRD of the same version (the pre-commit hook).
	if code, fs := findingsOf(t, "lint", "--openshift-version", "4.20", mosc); code != 0 || len(fs) != 0 {
		t.Errorf("lint 4.20: %d %+v", code, fs)
	}
	if code, _ := findingsOf(t, "lint", "--openshift-version", "4.21", mosc); code != exitFindings {
		t.Errorf("lint 4.21: %d", code)
	}
	if code, _, errOut := runCLI(t, "", "validate", "--openshift-version", "4.18", mosc); code != exitInput || !strings.Contains(errOut, "v1alpha1") {
		t.Errorf("4.18: %d %q", code, errOut)
	}
}
