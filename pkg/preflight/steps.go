package preflight

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/configdiff"
	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

func lintStep(_ context.Context, s *state) error {
	s.progress("lint %s", s.o.ContainerfileFile)
	lopts := containerfile.Options{Enable: s.o.Config.Enabled(), Target: rules.OnCluster} // preflight builds as the cluster does
	if p := s.o.Render.Profile; !p.Version.IsZero() {
		lopts.Profile = &p
	}
	var err error
	var lint = s.rep.Lint
	if s.o.LintDocs != nil {
		lint, err = containerfile.LintDocuments(s.o.ContainerfileFile, s.o.LintDocs, lopts)
	} else {
		lint, err = containerfile.LintContent(s.o.ContainerfileFile, s.o.Render.Containerfile, lopts)
	}
	if err != nil {
		return err
	}
	s.rep.Lint = append(s.rep.Lint, s.o.Config.Apply(lint)...)
	return nil
}

// baseStep finds the base image and asks its registry for the digest now:
// a wrong password or an unreachable registry is reported before any work.
func baseStep(ctx context.Context, s *state) error {
	// Checked before any registry is contacted: a missing or unreadable
	// credentials file is an error naming the file.
	_, done, err := s.o.Build.Registry.SystemContext()
	if err != nil {
		return err
	}
	done()
	base, dg, err := s.be.ResolveBase(ctx, s.o.Base, s.o.Build.Registry)
	if err != nil {
		return err
	}
	s.o.Render.BaseImage, s.o.Render.ExtensionsImage = base.BaseImage, base.ExtensionsImage
	if s.o.Render.ReleaseVersion == "" {
		s.o.Render.ReleaseVersion = base.ReleaseVersion
	}
	s.baseDigest = dg
	s.rep.Base = &BaseReport{Image: base.BaseImage, Digest: dg.String(), Source: base.Source, ExtensionsImage: base.ExtensionsImage, ReleaseVersion: base.ReleaseVersion}
	// The version: --openshift-version, the cluster, else what the base
	// image source says (ConfigMap releaseVersion, payload version).
	d, err := base.ApplyVersion(s.o.OpenShiftVersion, &s.o.Render)
	if err != nil {
		return err
	}
	s.rep.OpenShift = &VersionReport{Version: d.Version.String(), Profile: d.Profile.Version.String(), Source: d.Source}
	s.rep.Warnings = append(s.rep.Warnings, d.Warnings...)
	s.progress("%s", d.Describe())
	if sb := s.o.Render.StreamBaseImage; sb != "" && sb != base.BaseImage && d.Profile.ImagesFromRenderedMachineConfig {
		// From 4.22 the build starts FROM the pool's OS image stream image
		// (on 5.x by default rhel-coreos-10), not rhel-coreos: that is the
		// base whose digest matters.
		_, sdg, err := s.be.ResolveBase(ctx, baseimage.Options{BaseImage: sb, ExtensionsImage: s.o.Render.StreamExtensionsImage}, s.o.Build.Registry)
		if err != nil {
			return err
		}
		s.baseDigest, dg = sdg, sdg
		s.rep.Base.Image, s.rep.Base.Digest, s.rep.Base.ExtensionsImage = sb, sdg.String(), s.o.Render.StreamExtensionsImage
	}
	s.progress("base image %s (%s)", s.rep.Base.Image, dg)
	return nil
}

// renderStep renders the on-cluster Containerfile and writes the build
// context (to --context, else a directory removed at the end).
func renderStep(_ context.Context, s *state) error {
	r, err := mco.Render(s.o.Render)
	if err != nil {
		return err
	}
	s.rendered = r
	s.rep.Warnings = append(s.rep.Warnings, r.Warnings...)
	s.rep.RenderedMachineConfig = r.MachineConfig.Name
	if s.o.PreviousMachineConfigs != nil {
		if s.rep.Rebuild, err = predictRebuild(s.o, r.Profile); err != nil {
			return err
		}
	}
	s.ctxDir = s.o.Build.ContextDir
	if s.ctxDir == "" {
		if s.ctxDir, err = s.tempDir("context"); err != nil {
			return err
		}
	}
	return mco.WriteContext(s.ctxDir, r)
}

// buildOptions are the build's options for this run: the rendered context,
// the resolved base image and the pool's default tag.
func (s *state) buildOptions() build.Options {
	bo := s.o.Build
	// The FROM of the version's template (from 4.22 the rendered
	// MachineConfig's osImageURL).
	bo.ContextDir, bo.Containerfile, bo.BaseImage = s.ctxDir, "", s.rendered.BaseImage
	if bo.Tag == "" {
		bo.Tag = "localhost/ocl-build/" + s.rep.Pool + ":latest"
	}
	// What is pushed has the cluster's layer layout: one layer per stage.
	if s.o.Push.Dest != "" {
		bo.ClusterLayout = true
	}
	return bo
}

func buildStep(ctx context.Context, s *state) error {
	s.progress("build")
	res, err := s.be.Build(ctx, s.buildOptions())
	if err != nil {
		return err
	}
	s.built = res
	s.rep.Build = &BuildReport{ImageID: res.ImageID, Tag: res.Tag, Reference: res.Reference, Size: res.Size,
		Seconds: res.Elapsed.Seconds(), StoreBaseDigest: res.BaseDigest.String()}
	return nil
}

// imageOptions reach the base image's registry as the build's pull did:
// the same registry options, so one TLS decision (registries.conf's,
// unless --tls-verify was given) holds for the pull, rpm diff and checks.
func (s *state) imageOptions() image.Options {
	return image.Options{Registry: s.o.Build.Registry}
}

func rpmdiffStep(ctx context.Context, s *state) error {
	s.progress("rpm diff")
	s.imgOpts = s.imageOptions()
	s.baseRef = "docker://" + s.rendered.BaseImage
	basePkgs, err := s.be.Packages(ctx, s.baseRef, s.imgOpts)
	if err != nil {
		return err
	}
	builtPkgs, err := s.be.Packages(ctx, s.built.Reference, s.imgOpts)
	if err != nil {
		return err
	}
	s.basePkgs, s.builtPkgs = basePkgs, builtPkgs
	s.diff = rpmdiff.Diff(basePkgs, builtPkgs)
	s.rep.RPMDiff = &RPMDiffReport{Summary: s.diff.Summary(), Result: s.diff, Lines: diffLines(s.diff)}
	return nil
}

func checksStep(ctx context.Context, s *state) error {
	s.progress("image checks")
	fs, err := s.be.Checks(ctx, CheckInput{BaseRef: s.baseRef, BuiltRef: s.built.Reference, Options: s.imgOpts,
		MachineConfig: s.rendered.MachineConfig, Containerfile: s.o.Render.Containerfile, File: s.o.ContainerfileFile,
		Diff: s.diff, BasePackages: s.basePkgs, BuiltPackages: s.builtPkgs, BuiltName: s.built.Tag, Profile: &s.rendered.Profile})
	if err != nil {
		return err
	}
	s.rep.Checks = append(s.rep.Checks, s.o.Config.Apply(fs)...)
	return nil
}

func pushStep(ctx context.Context, s *state) error {
	s.progress("push %s", s.o.Push.Dest)
	po := s.o.Push
	po.Src = s.built.Reference
	pushed, err := s.be.Push(ctx, po)
	if err != nil {
		return err
	}
	s.pushed = pushed
	s.rep.Push = &PushReport{Dest: pushed.Dest, Digest: pushed.Digest.String(), PullSpec: pushed.PullSpec,
		BlobsCopied: pushed.BlobsCopied, BlobsReused: pushed.BlobsReused, BytesUploaded: pushed.BytesUploaded, Seconds: pushed.Duration.Seconds()}
	return nil
}

// manifestsStep prepares and validates every file in full, then writes them
// one by one, each atomically.
func manifestsStep(_ context.Context, s *state) error {
	s.progress("manifests into %s", s.o.ManifestsDir)
	files, err := prepareManifests(s.o, s.rep.Pool, s.pushed)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.o.ManifestsDir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(s.o.ManifestsDir, f.name)
		if err := atomicfile.WriteFile(p, f.data, f.perm); err != nil {
			return err
		}
		s.rep.Files = append(s.rep.Files, p)
	}
	return nil
}

// predictRebuild compares the pool's previous MachineConfigs with these
// under the version's rules: does the change rebuild the image, apply
// live, or reboot the nodes.
func predictRebuild(o Options, p ocpversion.Profile) (*configdiff.Prediction, error) {
	if p.Version.IsZero() {
		p = ocpversion.MustLookup("4.19") // the renderer's zero profile
	}
	old, err := configdiff.RenderPool(o.Render.PoolName, o.Render.MachineConfigPools, o.PreviousMachineConfigs)
	if err != nil {
		return nil, fmt.Errorf("previous MachineConfigs: %w", err)
	}
	cur, err := configdiff.RenderPool(o.Render.PoolName, o.Render.MachineConfigPools, o.Render.MachineConfigs)
	if err != nil {
		return nil, err
	}
	return configdiff.Predict(old, cur, p)
}
