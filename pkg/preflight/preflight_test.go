package preflight

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

const pullSpec = "registry.example.com/ocl/worker-automount@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// The files are prepared and validated together: MOSC, pool, fallback.
func TestPrepareManifestsValidates(t *testing.T) {
	o := Options{Render: mco.RenderOptions{Containerfile: "FROM configs AS final\nRUN true\n\n"},
		Push: push.Options{Dest: "registry.example.com/ocl/worker-automount:v1"}, WithPool: true, Fallback: true}
	files, err := prepareManifests(o, "worker-automount", &push.Result{PullSpec: pullSpec})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var all []*manifests.Document
	for _, f := range files {
		names = append(names, f.name)
		docs, err := manifests.ReadDocuments(f.name, f.data)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, docs...)
		if f.perm != 0o644 {
			t.Errorf("%s: mode %o", f.name, f.perm)
		}
	}
	if strings.Join(names, ",") != "machineosconfig.yaml,machineconfigpool.yaml,99-worker-automount-osimageurl.yaml" {
		t.Fatalf("files %v", names)
	}
	fs, err := manifests.Check(all, manifests.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity >= findings.SeverityError && f.Rule != "OCL303" {
			t.Errorf("%s: %s", f.Rule, f.Message)
		}
	}
	fb := string(files[2].data)
	for _, want := range []string{"osImageURL: " + pullSpec, "machineconfiguration.openshift.io/role: worker-automount", "kind: MachineConfig\n"} {
		if !strings.Contains(fb, want) {
			t.Errorf("fallback lacks %q:\n%s", want, fb)
		}
	}
	if mosc := string(files[0].data); !strings.Contains(mosc, "renderedImagePushSpec: registry.example.com/ocl/worker-automount:v1") ||
		!strings.Contains(mosc, "name: push-secret") || !strings.Contains(mosc, "RUN true\n") || strings.Contains(mosc, "RUN true\n\n") {
		t.Errorf("MachineOSConfig:\n%s", mosc)
	}

	// A push spec without a tag breaks the CRD: refused, nothing returned.
	o.Push.Dest = "registry.example.com/ocl/worker-automount"
	if _, err := prepareManifests(o, "worker-automount", &push.Result{PullSpec: pullSpec}); err == nil || !strings.Contains(err.Error(), "OCL301") {
		t.Errorf("untagged push spec: %v", err)
	}
}

// --with-secrets: the push Secret from the push credentials, mode 0600,
// named as the MachineOSConfig names it, and accepted by the cross checks.
func TestPrepareManifestsSecrets(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "push.json")
	os.WriteFile(auth, []byte(`{"auths":{"registry.example.com":{"auth":"YnVpbGRlcjpzM2NyM3Q="}}}`), 0o600)
	o := Options{Render: mco.RenderOptions{Containerfile: "FROM configs AS final\n"}, PushSecretName: "builder-push",
		Push: push.Options{Dest: "registry.example.com/ocl/worker:v1", Registry: registry.Options{AuthFile: auth}}, WithSecrets: true, ManifestsDir: "x"}
	files, err := prepareManifests(o, "worker", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[1].name != FileSecrets || files[1].perm != 0o600 {
		t.Fatalf("files %+v", files)
	}
	if s := string(files[1].data); !strings.Contains(s, "name: builder-push") || !strings.Contains(s, "kubernetes.io/dockerconfigjson") {
		t.Errorf("secrets.yaml:\n%s", s)
	}
	// The push secret lacks the push registry: OCL303 refuses.
	o.Push.Dest = "other.example.com/ocl/worker:v1"
	if _, err := prepareManifests(o, "worker", nil); err == nil || !strings.Contains(err.Error(), "OCL303") {
		t.Errorf("uncovered push registry: %v", err)
	}
}

func TestValidateOptions(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Fallback: true}, "--fallback needs --push"},
		{Options{ManifestsDir: "x"}, "needs a push spec"},
		{Options{WithSecrets: true, Push: push.Options{Dest: "r/x:y", Registry: registry.Options{AuthFile: "a"}}}, "--with-secrets needs --manifests-dir"},
		{Options{WithSecrets: true, ManifestsDir: "x", Push: push.Options{Dest: "r/x:y"}}, "--push-authfile"},
	} {
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
		// Run refuses the same, as an inputs step error, before any work.
		rep, err := Run(context.Background(), tc.o)
		var se *oclerr.StepError
		if err == nil || rep.Status != StatusError || rep.Error == nil || rep.Error.Step != StepInputs || !asStep(err, &se) {
			t.Errorf("Run: %v %+v", err, rep)
		}
	}
}

func asStep(err error, se **oclerr.StepError) bool {
	e, ok := err.(*oclerr.StepError)
	*se = e
	return ok
}

// Lint errors stop the run before the base image is looked at, and nothing
// is written even with a manifests directory.
func TestLintErrorsStop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	rep, err := Run(context.Background(), Options{
		Render:            mco.RenderOptions{Containerfile: "FROM configs AS final\nCOPY ./x /x\n"},
		ContainerfileFile: "Containerfile", ManifestsDir: dir, PushSpec: "r.example.com/x:y",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != StatusFindings || rep.Base != nil || len(rep.Steps) != 1 || !strings.Contains(rep.Stopped, "--force") {
		t.Fatalf("report %+v", rep)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("manifests dir touched: %v", err)
	}
}

func TestReportFormats(t *testing.T) {
	rep := &Report{SchemaVersion: SchemaVersion, Status: StatusFindings, Pool: "worker",
		Lint:    []findings.Finding{},
		Base:    &BaseReport{Image: "quay.io/x/rhcos@sha256:aa", Digest: "sha256:aa"},
		Build:   &BuildReport{ImageID: strings.Repeat("b", 64), Tag: "localhost/ocl-build/worker:latest", Seconds: 12.34},
		RPMDiff: &RPMDiffReport{Summary: "0 upgraded, 0 downgraded, 0 removed, 1 added", Lines: []string{"Added: autofs-5.1.7-58.el9.x86_64"}, Result: rpmdiff.Result{}},
		Checks:  []findings.Finding{{File: "MachineConfig/rendered-worker-1", Rule: "OCL401", Severity: findings.SeverityError, Message: "autofs.service | only in the built image"}},
		Push:    &PushReport{PullSpec: pullSpec, Digest: "sha256:0123"},
		Files:   []string{"out/machineosconfig.yaml"},
	}
	var txt, md, js bytes.Buffer
	for _, c := range []struct {
		b *bytes.Buffer
		f string
	}{{&txt, "text"}, {&md, "markdown"}, {&js, "json"}} {
		if err := rep.Write(c.b, c.f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"preflight for pool worker: findings", "digest: sha256:aa", "build: localhost/ocl-build/worker:latest (bbbbbbbbbbbb) in 12.3s",
		"  Added: autofs-", "image checks: 1 error(s)", "MachineConfig/rendered-worker-1: error OCL401: autofs.service", "pushed: " + pullSpec, "wrote out/machineosconfig.yaml"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
	if !strings.Contains(md.String(), "| error | OCL401 | `MachineConfig/rendered-worker-1` | autofs.service \\| only") {
		t.Errorf("markdown:\n%s", md.String())
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Checks[0].Severity != findings.SeverityError || back.Push.PullSpec != pullSpec {
		t.Errorf("json round trip: %v %+v", err, back)
	}
	if err := rep.Write(&txt, "yaml"); err == nil {
		t.Error("unknown format accepted")
	}
}
