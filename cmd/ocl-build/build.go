package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/internal/redact"
	"github.com/ocl-build/ocl-build/pkg/preflight"
)

func init() { registerCommand("build", newBuildCmd) }

func newBuildCmd(g *globalOptions) *cobra.Command {
	var in inputOptions
	var f buildFlags
	var cf clusterFlags
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the MachineOSConfig's image locally, exactly as the cluster would",
		Long: `build renders the on-cluster Containerfile and build context (see render) and
builds them with the buildah library the way the Machine Config Operator 4.19's
build pod does: chroot isolation, the host network, the pull secret for the base
image, the entitlement / yum.repos.d / rpm-gpg directories copied and mounted
into every RUN, proxies as build args.

The image lands in containers storage (podman's by default, so it shows in
"podman images"), tagged localhost/ocl-build/POOL:latest unless --tag says
otherwise. Steps stream to stderr; the last stdout line names the image, its
size and the time taken (--quiet: only the image ID; -o json or yaml: the
image and its base as data). --iidfile writes the image ID to a file, as
podman build does. A failing step exits 1
with the step, its command and its last output lines; input, credential and
registry problems exit 2. Ctrl-C stops the build and removes its containers.`,
		Example: `  # The seed article's build, against the cluster's base image and pull secret
  ocl-build build --mosc mosc.yaml --machineconfigs ./machineconfigs \
    --osimageurl machine-config-osimageurl.yaml --authfile merged-pull-secret.json

  # Resolve RHCOS from a release payload, add a Satellite repo, write an archive
  ocl-build build --containerfile Containerfile --pool infra \
    --release quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64 \
    --authfile pull-secret.json --yum-repos-dir ./yum.repos.d \
    --oci-archive infra.tar

  # Exactly the cluster's storage driver, no cache, only the image ID printed
  ocl-build build --containerfile Containerfile --base-image REF \
    --storage-driver vfs --no-cache --quiet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, cleanup, err := clusterInputs(cmd.Context(), cmd, g, &cf, &in, &f, nil)
			if err != nil {
				return inputError(err)
			}
			defer cleanup()
			return runBuild(cmd, g, &in, &f)
		},
	}
	addInputFlags(cmd, &in)
	f.register(cmd, "pull")
	addOutputFlag(cmd, &f.output, "text", buildFormats, "")
	cmd.Flags().StringVar(&f.ociArchive, "oci-archive", "", "also write the image to this oci-archive file (atomic)")
	cmd.Flags().StringVar(&f.iidFile, "iidfile", "", "write the image ID to this file (atomic), as podman build --iidfile")
	cf.registerInputs(cmd)
	return cmd
}

func runBuild(cmd *cobra.Command, g *globalOptions, in *inputOptions, f *buildFlags) error {
	stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
	if err := setLibraryLogging(g.logLevel, stderr); err != nil {
		return inputError(err)
	}
	if err := f.check(); err != nil {
		return inputError(err)
	}
	archive := f.ociArchive
	if p, ok := strings.CutPrefix(f.output, "oci-archive:"); ok && p != "" && archive == "" {
		// The old spelling of --oci-archive; unambiguous, so still taken.
		fmt.Fprintf(stderr, "warning: --output oci-archive:FILE is now --oci-archive FILE (-o/--output is the output format)\n")
		archive, f.output = p, "text"
	}
	if strings.Contains(f.output, ":") {
		return inputError(fmt.Errorf("-o/--output %q: -o is the output format now (%s); an archive is written with --oci-archive FILE", f.output, strings.Join(buildFormats, ", ")))
	}
	if err := checkOutput(f.output, buildFormats, "--oci-archive"); err != nil {
		return inputError(err)
	}
	li, err := in.load(cmd.InOrStdin())
	if err != nil {
		return inputError(err)
	}
	// Every temporary file of the run, buildah's included, in one owned
	// directory that a later run or prune reclaims if this one is killed.
	restoreTmp, err := ownedtemp.PrivateTMPDIR()
	if err != nil {
		return inputError(fmt.Errorf("temporary directory: %w", err))
	}
	defer restoreTmp()
	notes := stderr
	if g.quiet {
		notes = io.Discard
	}
	cleanRegistries, err := f.useClusterRegistries(li.Render, notes)
	if err != nil {
		return inputError(err)
	}
	defer cleanRegistries()
	o := preflight.Options{
		Only:             preflight.BuildSteps,
		Render:           li.Render,
		Base:             in.baseOptions(li),
		OpenShiftVersion: in.versionCandidates(),
		Build:            f.options(f.keepContext, f.tag, stderr),
	}
	o.Build.OCIArchive = archive
	if !g.quiet {
		o.Build.Out, o.Build.Progress = stderr, progressWriter(stderr)
		o.Build.Registry.Notice = func(msg string) { fmt.Fprintln(stderr, msg) }
		o.Done = func(step string, r *preflight.Report) {
			switch step {
			case preflight.StepBase:
				if v := r.OpenShift; v != nil {
					fmt.Fprintln(stderr, v.Describe())
				}
				fmt.Fprintf(stderr, "base image: %s (from %s)\n  digest: %s\n", r.Base.Image, r.Base.Source, r.Base.Digest)
				if r.Base.ExtensionsImage != "" {
					fmt.Fprintf(stderr, "extensions image: %s\n", r.Base.ExtensionsImage)
				}
			case preflight.StepRender:
				for _, w := range append(li.Warnings, r.Warnings...) {
					fmt.Fprintf(stderr, "warning: %s\n", w)
				}
			}
		}
	}

	ctx, stop := signalContext(cmd)
	defer stop()
	rep, err := preflight.Run(ctx, o)
	if err != nil {
		return err
	}
	res := rep.Build
	if f.iidFile != "" {
		if err := atomicfile.WriteFile(f.iidFile, []byte("sha256:"+res.ImageID), 0o644); err != nil {
			return inputError(fmt.Errorf("--iidfile: %w", err))
		}
	}
	if f.output != "text" {
		return writeStructured(stdout, f.output, struct {
			Base  *preflight.BaseReport  `json:"base"`
			Image *preflight.BuildReport `json:"image"`
		}{rep.Base, res})
	}
	if g.quiet {
		fmt.Fprintln(stdout, res.ImageID)
		return nil
	}
	if res.StoreBaseDigest != "" && res.StoreBaseDigest != rep.Base.Digest {
		fmt.Fprintf(stderr, "note: the store's copy of the base image is %s; the registry now serves %s (use --pull newer)\n", res.StoreBaseDigest, rep.Base.Digest)
	}
	if archive != "" {
		fmt.Fprintf(stderr, "wrote %s\n", archive)
	}
	elapsed := time.Duration(res.Seconds * float64(time.Second))
	fmt.Fprintf(stdout, "built %s: image %s, %s, %s\n", res.Tag, shortID(res.ImageID), humanSize(res.Size), elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(stderr, "  %s\n", res.Reference)
	return nil
}

// logLevels are --log-level's values.
var logLevels = []string{"debug", "info", "warn", "error"}

// setLibraryLogging puts buildah's and containers/*'s logrus output behind
// --log-level: none at all unless it is given (a library's "level=error …
// layer not known" after Ctrl-C is noise to the user, who gets our own
// message).
func setLibraryLogging(level string, w io.Writer) error {
	if level == "" {
		logrus.SetOutput(io.Discard)
		return nil
	}
	lv, err := logrus.ParseLevel(level)
	if err != nil || !slices.Contains(logLevels, level) {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	logrus.SetLevel(lv)
	logrus.SetOutput(w)
	redactLogs.Do(func() { logrus.AddHook(redact.Hook{}) })
	return nil
}

// redactLogs installs the credential redaction for library logs once.
var redactLogs sync.Once

// buildFormats are build's -o values.
var buildFormats = []string{"text", "json", "yaml"}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
