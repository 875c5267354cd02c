package preflight

import (
	"context"

	"github.com/opencontainers/go-digest"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/imagecheck"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/push"
	"github.com/ocl-build/ocl-build/pkg/registry"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// Backend is what the pipeline asks of registries, buildah and the image
// readers. The real one (nil Options.Backend) calls pkg/baseimage,
// pkg/build, pkg/rpmdiff, pkg/imagecheck and pkg/push; the pipeline's own
// policy (which steps run, what stops it, what is written) is tested
// against an in-process one.
type Backend interface {
	// ResolveBase names the base (and extensions) image and the base
	// image's digest as its registry serves it.
	ResolveBase(ctx context.Context, o baseimage.Options, reg registry.Options) (*baseimage.Resolved, digest.Digest, error)
	Build(ctx context.Context, o build.Options) (*build.Result, error)
	// Packages reads the rpm database of ref.
	Packages(ctx context.Context, ref string, o image.Options) ([]rpmdiff.Package, error)
	// Checks runs the image checks (OCL4xx).
	Checks(ctx context.Context, in CheckInput) ([]findings.Finding, error)
	Push(ctx context.Context, o push.Options) (*push.Result, error)
}

// CheckInput is what the image checks read.
type CheckInput struct {
	BaseRef, BuiltRef   string
	Options             image.Options
	MachineConfig       *mcfgv1.MachineConfig
	Containerfile, File string
	Diff                rpmdiff.Result
	BasePackages        []rpmdiff.Package
	// BuiltName names the built image in image-lint findings (its tag).
	BuiltName string
	// BuiltPackages is the built image's rpm database (OCL422).
	BuiltPackages []rpmdiff.Package
	// Profile is the version rendered for: OCL401's severity depends on it.
	Profile *ocpversion.Profile
}

type realBackend struct {
	// reader is shared by both reads so a layer common to base and build
	// is read once.
	reader *rpmdiff.Reader
}

func (*realBackend) ResolveBase(ctx context.Context, o baseimage.Options, reg registry.Options) (*baseimage.Resolved, digest.Digest, error) {
	base, err := baseimage.Resolve(ctx, o, reg)
	if err != nil {
		return nil, "", err
	}
	dg, err := baseimage.Digest(ctx, base.BaseImage, reg)
	if err != nil {
		return nil, "", err
	}
	return base, dg, nil
}

func (*realBackend) Build(ctx context.Context, o build.Options) (*build.Result, error) {
	return build.Build(ctx, o)
}

func (b *realBackend) Packages(ctx context.Context, ref string, o image.Options) ([]rpmdiff.Package, error) {
	if b.reader == nil {
		b.reader = rpmdiff.NewReader(o)
	}
	db, err := b.reader.Read(ctx, ref)
	if err != nil {
		return nil, err
	}
	return db.Packages, nil
}

func (*realBackend) Checks(ctx context.Context, in CheckInput) ([]findings.Finding, error) {
	baseImg, err := image.Open(ctx, in.BaseRef, in.Options)
	if err != nil {
		return nil, err
	}
	defer baseImg.Close()
	builtImg, err := image.Open(ctx, in.BuiltRef, in.Options)
	if err != nil {
		return nil, err
	}
	defer builtImg.Close()
	return imagecheck.Run(ctx, imagecheck.Input{Base: baseImg, Built: builtImg, Options: in.Options, MachineConfig: in.MachineConfig,
		MachineConfigFile: "MachineConfig/" + in.MachineConfig.Name, Containerfile: in.Containerfile, File: in.File, Diff: &in.Diff, BasePackages: in.BasePackages, Profile: in.Profile,
		// The image lints (bootc container lint's and ours) on the built
		// image, the base's own findings left out.
		Lint: true, Packages: in.BuiltPackages, ImageFile: in.BuiltName})
}

func (*realBackend) Push(ctx context.Context, o push.Options) (*push.Result, error) {
	return push.Push(ctx, o)
}
