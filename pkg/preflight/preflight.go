// Package preflight runs the tool's whole job in one go, the way the
// cluster would, before anything reaches the cluster: lint the
// Containerfile, render the on-cluster Containerfile, build it, diff its
// rpm database against the base, run the image checks (OCL4xx), push it,
// and write the MachineOSConfig (plus optionally the pool, the Secrets and
// the out-of-cluster fallback MachineConfig). It returns a typed Report;
// printing is the caller's business.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/imagecheck"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// Options describe one preflight run.
type Options struct {
	// Render holds the loaded inputs (user Containerfile, pool,
	// MachineConfigs, trust bundle). BaseImage/ExtensionsImage may be empty:
	// Base says how to find them.
	Render mco.RenderOptions
	Base   baseimage.Options
	// ContainerfileFile names the user's Containerfile in findings.
	ContainerfileFile string
	// LintSource, when set, is the file the user wrote (a MachineOSConfig
	// YAML): lint reads it so findings carry the YAML file's own lines.
	LintSource []byte
	// Config is the .ocl-build.yaml in effect: ignored rules and severity
	// overrides apply to lint and image check findings alike, and its
	// failure-threshold (default error) decides what counts as an error.
	Config findings.Config
	// MOSC is the MachineOSConfig the user gave (--mosc), written back
	// unchanged after validation; nil: one is generated.
	MOSC *mcfgv1.MachineOSConfig

	// Build: Store, Registry (pull credentials: the base image's), Tag,
	// cache, mounts and proxies. ContextDir is made (and removed) when empty.
	Build build.Options

	// Push, when Dest is set, pushes the built image; Src is filled in.
	// Its AuthFile holds the push credentials.
	Push push.Options

	// ManifestsDir receives the files; empty writes nothing.
	ManifestsDir string
	// PushSpec is the MachineOSConfig's renderedImagePushSpec; default
	// Push.Dest.
	PushSpec string
	// PushSecretName / BasePullSecretName name the Secrets in the
	// MachineOSConfig (defaults "push-secret" and none).
	PushSecretName, BasePullSecretName string
	WithPool                           bool
	// WithSecrets also writes secrets.yaml (mode 0600) from Push.AuthFile
	// (and Build.Registry's auth file when BasePullSecretName is set).
	WithSecrets bool
	// Fallback writes the out-of-cluster layering MachineConfig
	// (spec.osImageURL = the pushed digested pullspec); needs Push.Dest.
	Fallback bool
	// Force builds despite lint errors and writes manifests despite error
	// findings.
	Force bool

	// Progress receives one line per step ("==> build"); nil: nothing.
	Progress io.Writer
}

// DefaultPushSecretName is the seed article's push Secret name.
const DefaultPushSecretName = "push-secret"

// Validate checks the options before any work; its errors are input errors.
func (o *Options) Validate() error {
	if o.Fallback && o.Push.Dest == "" {
		return errors.New("--fallback needs --push: the fallback MachineConfig names the pushed image by digest")
	}
	if o.ManifestsDir != "" && o.MOSC == nil && o.pushSpec() == "" {
		return errors.New("writing a MachineOSConfig needs a push spec: give --push DEST (or --push-spec, or --mosc)")
	}
	if o.WithSecrets && o.ManifestsDir == "" {
		return errors.New("--with-secrets needs --manifests-dir")
	}
	if o.WithSecrets && o.Push.AuthFile == "" {
		return errors.New("--with-secrets needs the push credentials file (--push-authfile)")
	}
	return nil
}

func (o *Options) pushSpec() string {
	if o.PushSpec != "" {
		return o.PushSpec
	}
	return strings.TrimPrefix(o.Push.Dest, "docker://")
}

func (o *Options) step(format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "==> "+format+"\n", a...)
	}
}

// Run executes the steps in order and returns the report. A returned error
// is a *StepError: the step that could not run (input, credentials,
// registry, build failure); the report says how far it got. Findings are
// not errors: see Report.Status.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	rep := &Report{SchemaVersion: SchemaVersion, Pool: o.Render.PoolName, Lint: []findings.Finding{}, Checks: []findings.Finding{}, Files: []string{}}
	if rep.Pool == "" {
		rep.Pool = mco.DefaultPoolName
	}
	defer func() { rep.Seconds = time.Since(start).Seconds() }()
	fail := func(step string, err error) (*Report, error) {
		rep.Status = StatusError
		rep.Error = &ReportError{Step: step, Message: err.Error()}
		rep.mark(step, StepFailed, 0)
		return rep, &StepError{Step: step, Err: err}
	}
	if err := o.Validate(); err != nil {
		return fail(StepInputs, err)
	}
	var err error

	// 1. lint
	o.step("lint %s", o.ContainerfileFile)
	t := time.Now()
	threshold := findings.SeverityError
	if o.Config.FailureThreshold != nil {
		threshold = *o.Config.FailureThreshold
	}
	lopts := containerfile.Options{Enable: o.Config.Enabled()}
	var lint []findings.Finding
	if o.LintSource != nil {
		lint, err = containerfile.LintFile(o.ContainerfileFile, o.LintSource, lopts)
	} else {
		lint, err = containerfile.LintContent(o.ContainerfileFile, o.Render.Containerfile, lopts)
	}
	if err != nil {
		return fail(StepLint, err)
	}
	lint = o.Config.Apply(lint)
	rep.Lint = append(rep.Lint, lint...)
	rep.mark(StepLint, StepOK, time.Since(t))
	if findings.AtOrAbove(lint, threshold) && !o.Force {
		rep.Status = StatusFindings
		rep.Stopped = "lint errors (use --force to build anyway)"
		return rep, nil
	}

	// 2. base image
	sys, err := o.Build.Registry.SystemContext()
	if err != nil {
		return fail(StepBase, err)
	}
	t = time.Now()
	base, err := baseimage.Resolve(ctx, o.Base, sys)
	if err != nil {
		return fail(StepBase, err)
	}
	o.Render.BaseImage, o.Render.ExtensionsImage = base.BaseImage, base.ExtensionsImage
	if o.Render.ReleaseVersion == "" {
		o.Render.ReleaseVersion = base.ReleaseVersion
	}
	baseDigest, err := baseimage.Digest(ctx, base.BaseImage, sys)
	if err != nil {
		return fail(StepBase, err)
	}
	rep.Base = &BaseReport{Image: base.BaseImage, Digest: baseDigest.String(), Source: base.Source, ExtensionsImage: base.ExtensionsImage, ReleaseVersion: base.ReleaseVersion}
	rep.mark(StepBase, StepOK, time.Since(t))
	o.step("base image %s (%s)", base.BaseImage, baseDigest)

	// 3. render
	t = time.Now()
	r, err := mco.Render(o.Render)
	if err != nil {
		return fail(StepRender, err)
	}
	rep.Warnings = append(rep.Warnings, r.Warnings...)
	rep.RenderedMachineConfig = r.MachineConfig.Name
	ctxDir := o.Build.ContextDir
	if ctxDir == "" {
		tmp, err := os.MkdirTemp("", "ocl-build-context-")
		if err != nil {
			return fail(StepRender, err)
		}
		defer os.RemoveAll(tmp)
		ctxDir = tmp
	}
	if err := mco.WriteContext(ctxDir, r); err != nil {
		return fail(StepRender, err)
	}
	rep.mark(StepRender, StepOK, time.Since(t))

	// 4. build
	o.step("build")
	bo := o.Build
	bo.ContextDir, bo.Containerfile, bo.BaseImage = ctxDir, "", base.BaseImage
	if bo.Tag == "" {
		bo.Tag = "localhost/ocl-build/" + rep.Pool + ":latest"
	}
	t = time.Now()
	res, err := build.Build(ctx, bo)
	if err != nil {
		return fail(StepBuild, err)
	}
	rep.Build = &BuildReport{ImageID: res.ImageID, Tag: res.Tag, Reference: res.Reference, Size: res.Size, Seconds: res.Elapsed.Seconds()}
	rep.mark(StepBuild, StepOK, time.Since(t))

	// 5. rpm diff
	o.step("rpm diff")
	t = time.Now()
	imgOpts := image.Options{AuthFile: o.Build.Registry.AuthFilePath(), CertDir: o.Build.Registry.CertDir, RegistriesConf: o.Build.Registry.RegistriesConf}
	if o.Build.Registry.InsecureSkipTLSVerify {
		f := false
		imgOpts.TLSVerify = &f
	}
	baseRef := "docker://" + base.BaseImage
	reader := rpmdiff.NewReader(imgOpts)
	baseDB, err := reader.Read(ctx, baseRef)
	if err != nil {
		return fail(StepRPMDiff, err)
	}
	builtDB, err := reader.Read(ctx, res.Reference)
	if err != nil {
		return fail(StepRPMDiff, err)
	}
	diff := rpmdiff.Diff(baseDB.Packages, builtDB.Packages)
	rep.RPMDiff = &RPMDiffReport{Summary: diff.Summary(), Result: diff, Lines: diffLines(diff)}
	rep.mark(StepRPMDiff, StepOK, time.Since(t))

	// 6. image checks
	o.step("image checks")
	t = time.Now()
	checks, err := runChecks(ctx, baseRef, res.Reference, imgOpts, r.MachineConfig, o.Render.Containerfile, o.ContainerfileFile, diff, baseDB.Packages)
	if err != nil {
		return fail(StepChecks, err)
	}
	rep.Checks = append(rep.Checks, o.Config.Apply(checks)...)
	rep.mark(StepChecks, StepOK, time.Since(t))
	errorsFound := findings.AtOrAbove(rep.Lint, threshold) || findings.AtOrAbove(rep.Checks, threshold)

	// 7. push
	var pushed *push.Result
	if o.Push.Dest != "" {
		o.step("push %s", o.Push.Dest)
		po := o.Push
		po.Src = res.Reference
		t = time.Now()
		pushed, err = push.Push(ctx, po)
		if err != nil {
			return fail(StepPush, err)
		}
		rep.Push = &PushReport{Dest: pushed.Dest, Digest: pushed.Digest.String(), PullSpec: pushed.PullSpec,
			BlobsCopied: pushed.BlobsCopied, BlobsReused: pushed.BlobsReused, BytesUploaded: pushed.BytesUploaded, Seconds: pushed.Duration.Seconds()}
		rep.mark(StepPush, StepOK, time.Since(t))
	}

	// 8. manifests: prepared and validated in full, then written file by
	// file, each atomically, only now that everything they depend on passed.
	if o.ManifestsDir != "" {
		if errorsFound && !o.Force {
			rep.Status = StatusFindings
			rep.Stopped = "error findings: manifests not written (use --force to write them anyway)"
			return rep, nil
		}
		o.step("manifests into %s", o.ManifestsDir)
		t = time.Now()
		files, err := prepareManifests(o, rep.Pool, pushed)
		if err != nil {
			return fail(StepManifests, err)
		}
		if err := os.MkdirAll(o.ManifestsDir, 0o755); err != nil {
			return fail(StepManifests, err)
		}
		for _, f := range files {
			p := filepath.Join(o.ManifestsDir, f.name)
			if err := atomicfile.WriteFile(p, f.data, f.perm); err != nil {
				return fail(StepManifests, err)
			}
			rep.Files = append(rep.Files, p)
		}
		rep.mark(StepManifests, StepOK, time.Since(t))
	}
	rep.Status = StatusOK
	if errorsFound {
		rep.Status = StatusFindings
	}
	return rep, nil
}

func runChecks(ctx context.Context, baseRef, builtRef string, opts image.Options, mc *mcfgv1.MachineConfig, content, file string, diff rpmdiff.Result, basePkgs []rpmdiff.Package) ([]findings.Finding, error) {
	baseImg, err := image.Open(ctx, baseRef, opts)
	if err != nil {
		return nil, err
	}
	defer baseImg.Close()
	builtImg, err := image.Open(ctx, builtRef, opts)
	if err != nil {
		return nil, err
	}
	defer builtImg.Close()
	return imagecheck.Run(ctx, imagecheck.Input{Base: baseImg, Built: builtImg, Options: opts, MachineConfig: mc,
		MachineConfigFile: "MachineConfig/" + mc.Name, Containerfile: content, File: file, Diff: &diff, BasePackages: basePkgs})
}

type outFile struct {
	name string
	data []byte
	perm os.FileMode
}

// File names in the manifests directory.
const (
	FileMachineOSConfig   = "machineosconfig.yaml"
	FileMachineConfigPool = "machineconfigpool.yaml"
	FileSecrets           = "secrets.yaml"
)

// FallbackName is the out-of-cluster layering MachineConfig's name.
func FallbackName(pool string) string { return "99-" + pool + "-osimageurl" }

// NewFallbackMachineConfig is the out-of-cluster layering MachineConfig:
// the pool's role label and spec.osImageURL set to the pushed image by
// digest, for clusters (or moments) where on-cluster layering is not used.
// A custom pool's role is its own name, as the seed's pool selects it.
func NewFallbackMachineConfig(pool, pullSpec string) *mcfgv1.MachineConfig {
	return &mcfgv1.MachineConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: manifests.MachineConfigGroupVersion, Kind: manifests.KindMachineConfig},
		ObjectMeta: metav1.ObjectMeta{Name: FallbackName(pool),
			Labels: map[string]string{mcfgv1.MachineConfigRoleLabelKey: pool}},
		Spec: mcfgv1.MachineConfigSpec{OSImageURL: pullSpec},
	}
}

func prepareManifests(o Options, pool string, pushed *push.Result) ([]outFile, error) {
	mosc := o.MOSC
	if mosc == nil {
		secret := o.PushSecretName
		if secret == "" {
			secret = DefaultPushSecretName
		}
		mosc = manifests.NewMachineOSConfig(manifests.MachineOSConfigOptions{
			Pool: pool, PushSpec: o.pushSpec(), PushSecret: secret, BasePullSecret: o.BasePullSecretName,
			Containerfile: manifests.TrimContainerfile(o.Render.Containerfile),
		})
	} else {
		mosc = mosc.DeepCopy()
		mosc.APIVersion, mosc.Kind = manifests.MachineConfigGroupVersion, manifests.KindMachineOSConfig
	}
	objs := []any{mosc}
	var files []outFile
	add := func(name string, perm os.FileMode, objs ...any) error {
		b, err := manifests.Marshal(objs...)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files = append(files, outFile{name, b, perm})
		return nil
	}
	if err := add(FileMachineOSConfig, 0o644, mosc); err != nil {
		return nil, err
	}
	if o.WithPool {
		mcp := manifests.NewMachineConfigPool(pool)
		objs = append(objs, mcp)
		if err := add(FileMachineConfigPool, 0o644, mcp); err != nil {
			return nil, err
		}
	}
	if o.WithSecrets {
		var secrets []any
		c, err := pullsecret.ReadFile(o.Push.AuthFile)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, c.Secret(mosc.Spec.RenderedImagePushSecret.Name, pullsecret.DefaultNamespace))
		if bp := mosc.Spec.BaseImagePullSecret; bp != nil && bp.Name != "" && bp.Name != mosc.Spec.RenderedImagePushSecret.Name && o.Build.Registry.AuthFilePath() != "" {
			c, err := pullsecret.ReadFile(o.Build.Registry.AuthFilePath())
			if err != nil {
				return nil, err
			}
			secrets = append(secrets, c.Secret(bp.Name, pullsecret.DefaultNamespace))
		}
		objs = append(objs, secrets...)
		if err := add(FileSecrets, 0o600, secrets...); err != nil {
			return nil, err
		}
	}
	if o.Fallback && pushed != nil {
		mc := NewFallbackMachineConfig(pool, pushed.PullSpec)
		objs = append(objs, mc)
		if err := add(FallbackName(pool)+".yaml", 0o644, mc); err != nil {
			return nil, err
		}
	}
	// Validate all of it together, as `validate` would read the files.
	all, err := manifests.Marshal(objs...)
	if err != nil {
		return nil, err
	}
	docs, err := manifests.ReadDocuments("<manifests>", all)
	if err != nil {
		return nil, fmt.Errorf("internal: generated manifests do not read back: %w", err)
	}
	fs, err := manifests.Check(docs, manifests.CheckOptions{BaseImage: o.Render.BaseImage})
	if err != nil {
		return nil, err
	}
	var refused []string
	for _, f := range fs {
		// Without the pool or Secrets among the files, the cross-object
		// checks cannot see them; they may exist on the cluster already.
		if (f.Rule == containerfile.RulePoolSelector && !o.WithPool) || ((f.Rule == containerfile.RulePushCred || f.Rule == containerfile.RulePullCred) && !o.WithSecrets) {
			continue
		}
		if f.Severity >= findings.SeverityError {
			refused = append(refused, f.Rule+": "+f.Message)
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("refusing to write invalid manifests:\n  %s", strings.Join(refused, "\n  "))
	}
	return files, nil
}
