package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/testutil"
)

// chkLayout writes an OCI layout holding one image made of layers.
func chkLayout(t *testing.T, layers ...v1.Layer) string {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return testutil.OCILayout(t, img)
}

func chkRoot(t *testing.T) v1.Layer {
	d, f, s := testutil.Dir, testutil.File, testutil.Symlink
	return testutil.TarLayer(t, d("dev"), d("proc"), d("sys"), d("run"), d("tmp"), d("var"), d("boot"), d("sysroot"), d("etc"),
		s("ostree", "sysroot/ostree"), s("var/run", "../run"),
		d("usr/lib/modules/5.14.0"), f("usr/lib/modules/5.14.0/vmlinuz", "k"), f("usr/lib/modules/5.14.0/initramfs.img", "i"),
		f("usr/lib/ostree/prepare-root.conf", "[composefs]\nenabled = true\n"))
}

func TestCheckCommand(t *testing.T) {
	good := chkLayout(t, chkRoot(t))
	code, out, errOut := runCLI(t, "", "check", good)
	if code != 0 || out != "" {
		t.Fatalf("good image: code %d out %q err %q", code, out, errOut)
	}
	bad := chkLayout(t, chkRoot(t), testutil.TarLayer(t, testutil.Dir("usr/etc"), testutil.File("var/log/build.log", "x")))
	code, out, _ = runCLI(t, "", "check", bad)
	if code != exitFindings || !strings.Contains(out, "error OCL406:") || !strings.Contains(out, "warning OCL414:") || !strings.HasPrefix(out, bad+":0:0:") {
		t.Fatalf("bad image: code %d\n%s", code, out)
	}
	// --base: what the base shows is not this build's (the good base has
	// nothing; the bad image as base hides everything).
	code, out, _ = runCLI(t, "", "check", bad, "--base", bad)
	if code != 0 || out != "" {
		t.Fatalf("against itself: code %d %q", code, out)
	}
	// SARIF carries the image rules' metadata.
	code, out, _ = runCLI(t, "", "check", bad, "--format", "sarif", "--fail-level", "none")
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string
						Help struct{ Text string }
					}
				}
			}
			Results []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != 0 || len(log.Runs) != 1 || len(log.Runs[0].Results) != 3 {
		t.Fatalf("sarif: code %d err %v\n%s", code, err, out)
	}
	var ids []string
	for _, r := range log.Runs[0].Results {
		ids = append(ids, r.RuleID)
	}
	// /var/log holds a log file (var-log) and is not from tmpfiles.d (var-tmpfiles).
	if strings.Join(ids, ",") != "OCL406,OCL414,OCL415" {
		t.Errorf("sarif results %v", ids)
	}
	found := false
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		if r.ID == "OCL406" && strings.Contains(r.Help.Text, "/usr/etc") {
			found = true
		}
	}
	if !found {
		t.Error("SARIF rules lack OCL406 with its help")
	}
	// A realtime MachineConfig: on 4.19 the node never gets that kernel.
	dir := t.TempDir()
	mc := `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-rt
  labels: {machineconfiguration.openshift.io/role: worker}
spec:
  kernelType: realtime
`
	os.WriteFile(filepath.Join(dir, "rt.yaml"), []byte(mc), 0o644)
	code, out, errOut = runCLI(t, "", "check", good, "--machineconfigs", dir, "--openshift-version", "4.19", "--format", "json")
	if code != 0 || !strings.Contains(out, `"rule": "OCL423"`) || !strings.Contains(errOut, "OpenShift 4.19") {
		t.Fatalf("4.19 realtime: code %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "check", good, "--machineconfigs", dir, "--openshift-version", "4.20", "--format", "json")
	if code != 0 || strings.Contains(out, "OCL423") {
		t.Fatalf("4.20 realtime: code %d\n%s", code, out)
	}
	// The rules show in lint --list too.
	if _, out, _ := runCLI(t, "", "lint", "--list"); !strings.Contains(out, "OCL418") || !strings.Contains(out, "OCL423") {
		t.Errorf("lint --list lacks the image rules:\n%s", out)
	}
	// Unreadable image: exit 2 naming it.
	code, _, errOut = runCLI(t, "", "check", "oci:"+filepath.Join(dir, "nope"))
	if code != exitInput || !strings.Contains(errOut, "nope") {
		t.Fatalf("missing image: %d %q", code, errOut)
	}
}
