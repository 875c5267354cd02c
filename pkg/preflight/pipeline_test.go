package preflight

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/registry"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// fakeBackend stands in for registries and buildah so the pipeline's own
// policy (which steps run, what stops it, what gets written, which exit
// status a failure carries) is tested without root or a registry; the real
// back ends are exercised by the cmd and test/reliability suites.
type fakeBackend struct {
	calls   []string
	baseErr error
	// release, when set, is what ResolveBase returns for a --release
	// source (payload tags, version); other sources resolve as given.
	release   *baseimage.Resolved
	buildErr  error
	pushErr   error
	checks    []findings.Finding
	checkIn   CheckInput
	buildOpts build.Options
	// ctxFiles is what the build context held when Build ran.
	ctxFiles []string
	// cancel, when set, is called in Build, as a signal would arrive mid-build.
	cancel func()
}

var (
	baseDigest  = digest.Digest("sha256:" + strings.Repeat("a", 64))
	otherDigest = digest.Digest("sha256:" + strings.Repeat("d", 64))
	builtRef    = "containers-storage:[overlay@/x]" + strings.Repeat("b", 64)
	basePackage = rpmdiff.Package{Name: "bash", Version: "5.1", Release: "8.el9", Arch: "x86_64"}
	autofs      = rpmdiff.Package{Name: "autofs", Version: "5.1.7", Release: "58.el9", Arch: "x86_64"}
)

func (f *fakeBackend) ResolveBase(_ context.Context, o baseimage.Options, _ registry.Options) (*baseimage.Resolved, digest.Digest, error) {
	f.calls = append(f.calls, "base")
	if f.baseErr != nil {
		return nil, "", f.baseErr
	}
	if o.Release != "" && f.release != nil {
		return f.release, baseDigest, nil
	}
	if f.release != nil {
		f.calls[len(f.calls)-1] = "base " + o.BaseImage
		return &baseimage.Resolved{BaseImage: o.BaseImage, Source: "--base-image"}, otherDigest, nil
	}
	return &baseimage.Resolved{BaseImage: o.BaseImage, Source: "--base-image"}, baseDigest, nil
}

func (f *fakeBackend) Build(_ context.Context, o build.Options) (*build.Result, error) {
	f.calls = append(f.calls, "build")
	f.buildOpts = o
	ents, _ := os.ReadDir(o.ContextDir)
	for _, e := range ents {
		f.ctxFiles = append(f.ctxFiles, e.Name())
	}
	if f.cancel != nil {
		f.cancel()
		return nil, fmt.Errorf("build interrupted: %w", context.Canceled)
	}
	if f.buildErr != nil {
		return nil, f.buildErr
	}
	return &build.Result{ImageID: strings.Repeat("b", 64), Tag: o.Tag, Reference: builtRef, Size: 42, BaseDigest: baseDigest}, nil
}

func (f *fakeBackend) Packages(_ context.Context, ref string, _ image.Options) ([]rpmdiff.Package, error) {
	f.calls = append(f.calls, "packages "+ref)
	if ref == builtRef {
		return []rpmdiff.Package{basePackage, autofs}, nil
	}
	return []rpmdiff.Package{basePackage}, nil
}

func (f *fakeBackend) Checks(_ context.Context, in CheckInput) ([]findings.Finding, error) {
	f.calls = append(f.calls, "checks")
	f.checkIn = in
	return f.checks, nil
}

func (f *fakeBackend) Push(_ context.Context, o push.Options) (*push.Result, error) {
	f.calls = append(f.calls, "push "+o.Src+" "+o.Dest)
	if f.pushErr != nil {
		return nil, f.pushErr
	}
	return &push.Result{Dest: o.Dest, Digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", PullSpec: pullSpec}, nil
}

const okContainerfile = "FROM configs AS final\nRUN dnf install -y autofs && ostree container commit\n"

func pipelineOptions(t *testing.T, be Backend) Options {
	return Options{
		Render:            mco.RenderOptions{Containerfile: okContainerfile, PoolName: "worker-automount"},
		Base:              baseimage.Options{BaseImage: "registry.example.com/rhcos@sha256:" + strings.Repeat("c", 64)},
		ContainerfileFile: "Containerfile",
		Push:              push.Options{Dest: "registry.example.com/ocl/worker-automount:v1"},
		ManifestsDir:      filepath.Join(t.TempDir(), "out"),
		WithPool:          true,
		Backend:           be,
	}
}

func stepNames(r *Report) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return out
}

// Every step runs in order over one state: what base resolves reaches the
// build, the build's image reaches rpm diff, checks and push, and the push's
// digest reaches the manifests.
func TestPipelineRunsEveryStep(t *testing.T) {
	be := &fakeBackend{}
	o := pipelineOptions(t, be)
	var done []string
	o.Done = func(step string, r *Report) { done = append(done, step) }
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lint=ok", "base=ok", "render=ok", "build=ok", "rpmdiff=ok", "checks=ok", "push=ok", "manifests=ok"}
	if got := stepNames(rep); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	if !slices.Equal(done, Steps()) || !slices.Equal(Steps(), []string{"lint", "base", "render", "build", "rpmdiff", "checks", "push", "manifests"}) {
		t.Errorf("Done called for %v; Steps() %v", done, Steps())
	}
	if rep.Status != StatusOK || rep.Base.Digest != baseDigest.String() || rep.Build.Tag != "localhost/ocl-build/worker-automount:latest" || rep.Push.PullSpec != pullSpec {
		t.Errorf("report %+v", rep)
	}
	if !slices.Equal(rep.RPMDiff.Lines, []string{"Added: autofs-5.1.7-58.el9.x86_64"}) {
		t.Errorf("rpm diff %v", rep.RPMDiff.Lines)
	}
	wantCalls := []string{"base", "build", "packages docker://" + o.Base.BaseImage, "packages " + builtRef, "checks", "push " + builtRef + " " + o.Push.Dest}
	if !slices.Equal(be.calls, wantCalls) {
		t.Errorf("calls %v, want %v", be.calls, wantCalls)
	}
	if be.buildOpts.BaseImage != o.Base.BaseImage || !slices.Equal(be.ctxFiles, []string{"Containerfile", "machineconfig", "openshift-config-user-ca-bundle.crt"}) {
		t.Errorf("build got base %q, context %v", be.buildOpts.BaseImage, be.ctxFiles)
	}
	if be.checkIn.BuiltRef != builtRef || be.checkIn.MachineConfig == nil || be.checkIn.File != "Containerfile" || len(be.checkIn.Diff.Added) != 1 || len(be.checkIn.BasePackages) != 1 {
		t.Errorf("checks input %+v", be.checkIn)
	}
	if _, err := os.Stat(be.buildOpts.ContextDir); !os.IsNotExist(err) {
		t.Errorf("temporary build context %s left behind: %v", be.buildOpts.ContextDir, err)
	}
	// What is pushed is built in the cluster's layout; the image lints see
	// the built packages and name the image by its tag.
	if !be.buildOpts.ClusterLayout || len(be.checkIn.BuiltPackages) != 2 || be.checkIn.BuiltName != "localhost/ocl-build/worker-automount:latest" {
		t.Errorf("cluster layout %v, built packages %v, name %q", be.buildOpts.ClusterLayout, be.checkIn.BuiltPackages, be.checkIn.BuiltName)
	}
	if len(rep.Files) != 2 {
		t.Fatalf("files %v", rep.Files)
	}
	mosc, _ := os.ReadFile(rep.Files[0])
	if !strings.Contains(string(mosc), "renderedImagePushSpec: "+o.Push.Dest) {
		t.Errorf("MachineOSConfig:\n%s", mosc)
	}
}

// `build` runs base, render and build only, and keeps --context.
func TestPipelineBuildSteps(t *testing.T) {
	be := &fakeBackend{}
	o := pipelineOptions(t, be)
	o.Only = BuildSteps
	o.Push, o.ManifestsDir = push.Options{}, ""
	o.Build.ContextDir = filepath.Join(t.TempDir(), "ctx")
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := stepNames(rep); !slices.Equal(got, []string{"base=ok", "render=ok", "build=ok"}) {
		t.Errorf("steps %v", got)
	}
	if !slices.Equal(be.calls, []string{"base", "build"}) {
		t.Errorf("calls %v", be.calls)
	}
	if be.buildOpts.ClusterLayout {
		t.Error("the local edit loop (build, no push) keeps the layer cache")
	}
	if _, err := os.Stat(filepath.Join(o.Build.ContextDir, "Containerfile")); err != nil {
		t.Errorf("--context not kept: %v", err)
	}
	if rep.Build.StoreBaseDigest != baseDigest.String() {
		t.Errorf("store base digest %q", rep.Build.StoreBaseDigest)
	}
}

// The findings policy: an error finding from the image checks still pushes
// (the image is fine to look at) but writes no manifests unless --force;
// the status is findings either way.
func TestPipelineFindingsPolicy(t *testing.T) {
	errFinding := findings.Finding{File: "MachineConfig/x", Rule: "OCL401", Severity: findings.SeverityError, Message: "unit only in the built image"}
	warnFinding := findings.Finding{File: "MachineConfig/x", Rule: "OCL402", Severity: findings.SeverityWarning, Message: "w"}
	warning := findings.SeverityWarning
	for _, c := range []struct {
		name        string
		checks      []findings.Finding
		force       bool
		threshold   *findings.Severity
		wantStatus  string
		wantWritten bool
		wantStopped string
		wantPush    bool
	}{
		{"clean", nil, false, nil, StatusOK, true, "", true},
		{"warning below threshold", []findings.Finding{warnFinding}, false, nil, StatusOK, true, "", true},
		{"error refuses manifests", []findings.Finding{errFinding}, false, nil, StatusFindings, false, "manifests not written", true},
		{"--force writes them", []findings.Finding{errFinding}, true, nil, StatusFindings, true, "", true},
		// The Containerfile's own lint warnings now
		// counts: the run stops before the build.
		{"failure-threshold warning", []findings.Finding{warnFinding}, false, &warning, StatusFindings, false, "lint errors", false},
		{"failure-threshold warning, --force", []findings.Finding{warnFinding}, true, &warning, StatusFindings, true, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			be := &fakeBackend{checks: c.checks}
			o := pipelineOptions(t, be)
			o.Force, o.Config.FailureThreshold = c.force, c.threshold
			rep, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != c.wantStatus || (rep.Push != nil) != c.wantPush || !strings.Contains(rep.Stopped, c.wantStopped) || (c.wantStopped == "") != (rep.Stopped == "") {
				t.Errorf("status %q stopped %q push %v", rep.Status, rep.Stopped, rep.Push)
			}
			_, statErr := os.Stat(filepath.Join(o.ManifestsDir, FileMachineOSConfig))
			if written := statErr == nil; written != c.wantWritten || written != (len(rep.Files) > 0) {
				t.Errorf("manifests written %v (files %v), want %v", written, rep.Files, c.wantWritten)
			}
		})
	}
}

// Lint errors stop before any registry is contacted unless --force.
func TestPipelineLintGate(t *testing.T) {
	bad := "FROM configs AS final\nCOPY ./x /x\n"
	for _, force := range []bool{false, true} {
		be := &fakeBackend{}
		o := pipelineOptions(t, be)
		o.Render.Containerfile, o.Force = bad, force
		rep, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if !force && (len(be.calls) != 0 || rep.Status != StatusFindings || !strings.Contains(rep.Stopped, "lint errors")) {
			t.Errorf("lint errors did not stop: calls %v, %+v", be.calls, rep)
		}
		if force && (len(be.calls) != 6 || rep.Status != StatusFindings || rep.Stopped != "" || len(rep.Files) != 2) {
			t.Errorf("--force: calls %v, status %s, stopped %q, files %v", be.calls, rep.Status, rep.Stopped, rep.Files)
		}
	}
}

// Each failure is a step error with the exit status it deserves, recorded
// in the report; nothing after it runs and no manifests are written.
func TestPipelineFailures(t *testing.T) {
	runStep := &build.StepError{Step: "[2/2] STEP 5/7", Instruction: "RUN dnf install -y nope", Err: errors.New("exit status 1")}
	pullStep := &build.StepError{Step: "[1/2] STEP 1/4", Instruction: "FROM registry.example.com/rhcos", Err: errors.New("unauthorized"), Pull: true}
	diskFull := &build.NoSpaceError{Step: "[2/2] STEP 5/7", Usage: []string{"/var/lib/containers/storage: 0 B free of 40.0 GiB"},
		Err: &build.StepError{Step: "[2/2] STEP 5/7", Instruction: "RUN dnf install -y big", Err: errors.New("committing container for step {…}: no space left on device exit status 1")}}
	untrusted := fmt.Errorf("pinging registry.example.com: %w", x509.UnknownAuthorityError{})
	for _, c := range []struct {
		name     string
		be       *fakeBackend
		step     string
		code     int
		contains string
	}{
		{"RUN fails", &fakeBackend{buildErr: runStep}, StepBuild, 1, "build failed at [2/2] STEP 5/7: RUN dnf install -y nope"},
		{"FROM pull fails", &fakeBackend{buildErr: pullStep}, StepBuild, 2, "unauthorized"},
		{"disk full at commit", &fakeBackend{buildErr: diskFull}, StepBuild, 2, "build: no space left on device while committing [2/2] STEP 5/7 (container store: /var/lib/containers/storage: 0 B free of 40.0 GiB)"},
		{"untrusted certificate", &fakeBackend{baseErr: untrusted}, StepBase, 2, "--cert-dir"},
		{"push refused", &fakeBackend{pushErr: errors.New("registry.example.com: unauthorized")}, StepPush, 2, "push: registry.example.com: unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := pipelineOptions(t, c.be)
			rep, err := Run(context.Background(), o)
			var se *oclerr.StepError
			if !errors.As(err, &se) || se.Step != c.step || oclerr.ExitCode(err) != c.code || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("err %v (exit %d), want step %s exit %d containing %q", err, oclerr.ExitCode(err), c.step, c.code, c.contains)
			}
			if rep.Status != StatusError || rep.Error.Step != c.step || rep.Error.Message != err.Error() || rep.Steps[len(rep.Steps)-1].Status != StepFailed {
				t.Errorf("report %+v %+v", rep, rep.Error)
			}
			if _, err := os.Stat(o.ManifestsDir); !os.IsNotExist(err) {
				t.Errorf("manifests dir touched: %v", err)
			}
		})
	}
}

// A signal during the build: exit 128+n, named in the report.
func TestPipelineInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	be := &fakeBackend{cancel: func() { cancel(&oclerr.Interrupted{Signal: syscall.SIGTERM}) }}
	rep, err := Run(ctx, pipelineOptions(t, be))
	if oclerr.ExitCode(err) != 143 || rep.Error == nil || rep.Error.Message != "build: interrupted by SIGTERM" {
		t.Fatalf("err %v (exit %d), report error %+v", err, oclerr.ExitCode(err), rep.Error)
	}
	if slices.Contains(be.calls, "checks") {
		t.Errorf("steps ran after the interrupt: %v", be.calls)
	}
}

// A 5.x release payload: the pool's default stream is rhel-10, so the build
// starts FROM the payload's rhel-coreos-10 image (4.22+ take the rendered
// MachineConfig's osImageURL), and that image's digest is the report's
// base; 4.23 keeps rhel-coreos and asks once.
func TestPipelineBaseFollowsDefaultStream(t *testing.T) {
	rhcos := "quay.io/ocp/rhcos@sha256:" + strings.Repeat("1", 64)
	rhel10 := "quay.io/ocp/rhel10@sha256:" + strings.Repeat("2", 64)
	for _, c := range []struct{ version, from string }{{"5.0.1", rhel10}, {"4.23.4", rhcos}} {
		be := &fakeBackend{release: &baseimage.Resolved{BaseImage: rhcos, Source: "release R", ReleaseVersion: c.version,
			Tags: map[string]string{"rhel-coreos": rhcos, "rhel-coreos-10": rhel10}}}
		o := pipelineOptions(t, be)
		o.Base = baseimage.Options{Release: "quay.io/ocp/release:" + c.version}
		rep, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("%s: %v", c.version, err)
		}
		if be.buildOpts.BaseImage != c.from || rep.Base.Image != c.from {
			t.Errorf("%s: build FROM %q, report base %q, want %s", c.version, be.buildOpts.BaseImage, rep.Base.Image, c.from)
		}
		redigested := slices.Contains(be.calls, "base "+rhel10)
		if redigested != (c.from == rhel10) || redigested && rep.Base.Digest != otherDigest.String() {
			t.Errorf("%s: calls %v, base digest %s", c.version, be.calls, rep.Base.Digest)
		}
	}
}

// With LintDocs (preflight --mosc: the file read and parsed once by the
// caller), lint checks those documents, not Render.Containerfile, and its
// findings carry the YAML file's own lines.
func TestPipelineLintsGivenDocuments(t *testing.T) {
	y := testutil.MachineOSConfigYAML("worker-automount", "registry.example.com/ocl/worker-automount:latest", "FROM configs AS final\nCOPY ./x /x\n")
	docs, err := kubedoc.Parse("mosc.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	be := &fakeBackend{}
	o := pipelineOptions(t, be)
	o.ContainerfileFile, o.LintDocs = "mosc.yaml", docs
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Lint {
		if f.Severity == findings.SeverityError {
			got = append(got, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule))
		}
	}
	if want := fmt.Sprintf("mosc.yaml:%d OCL104", testutil.MOSCContentLine+1); !slices.Contains(got, want) || len(be.calls) != 0 || rep.Status != StatusFindings {
		t.Errorf("lint of the given documents: errors %v, calls %v, status %s", got, be.calls, rep.Status)
	}
}
