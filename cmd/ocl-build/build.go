package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ocl-build/ocl-build/pkg/baseimage"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

func init() { registerCommand("build", newBuildCmd) }

// buildFlags are the build's own flags beyond the shared inputs.
type buildFlags struct {
	store          build.StoreOptions
	reg            build.RegistryOptions
	tlsVerify      bool
	tag            string
	output         string
	noCache        bool
	pull           string
	entitlementDir string
	yumReposDir    string
	rpmGPGDir      string
	httpProxy      string
	httpsProxy     string
	noProxy        string
	keepContext    string
}

func newBuildCmd(g *globalOptions) *cobra.Command {
	var in inputOptions
	var f buildFlags
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
size and the time taken (--quiet: only the image ID). A failing step exits 1
with the step, its command and its last output lines; input, credential and
registry problems exit 2. Ctrl-C stops the build and removes its containers.`,
		Example: `  # The seed article's build, against the cluster's base image and pull secret
  ocl-build build --mosc mosc.yaml --machineconfigs ./machineconfigs \
    --osimageurl machine-config-osimageurl.yaml --authfile merged-pull-secret.json

  # Resolve RHCOS from a release payload, add a Satellite repo, write an archive
  ocl-build build --containerfile Containerfile --pool infra \
    --release quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64 \
    --authfile pull-secret.json --yum-repos-dir ./yum.repos.d \
    --output oci-archive:infra.tar

  # Exactly the cluster's storage driver, no cache, only the image ID printed
  ocl-build build --containerfile Containerfile --base-image REF \
    --storage-driver vfs --no-cache --quiet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBuild(cmd, g, &in, &f)
		},
	}
	addInputFlags(cmd, &in)
	fl := cmd.Flags()
	fl.StringVar(&f.store.Driver, "storage-driver", build.DriverOverlay, "containers storage driver: overlay (fast) or vfs (what the cluster uses)")
	fl.StringVar(&f.store.Root, "root", "", "containers storage root (default: podman's, /var/lib/containers/storage as root)")
	fl.StringVar(&f.store.RunRoot, "runroot", "", "containers storage run root (default: podman's, /run/containers/storage as root)")
	fl.StringVar(&f.reg.AuthFile, "authfile", "", "pull secret for the base image (.dockerconfigjson; default $REGISTRY_AUTH_FILE, then podman's)")
	fl.StringVar(&f.reg.CertDir, "cert-dir", "", "directory of CA certificates (*.crt) for the registries")
	fl.BoolVar(&f.tlsVerify, "tls-verify", true, "require HTTPS and verify registry certificates")
	fl.StringVar(&f.reg.RegistriesConf, "registries-conf", "", "registries.conf to use instead of /etc/containers/registries.conf")
	fl.StringVar(&f.reg.SignaturePolicy, "signature-policy", "", "policy.json to use (default /etc/containers/policy.json, else accept anything as the cluster's build does)")
	fl.StringVar(&f.tag, "tag", "", "name of the built image (default localhost/ocl-build/POOL:latest)")
	fl.StringVar(&f.output, "output", "", "also write the image elsewhere: oci-archive:FILE")
	fl.BoolVar(&f.noCache, "no-cache", false, "build every step afresh (the layer cache is on by default)")
	fl.StringVar(&f.pull, "pull", build.PullMissing, "pull FROM images: missing, always, never or newer")
	fl.StringVar(&f.entitlementDir, "entitlement-dir", "", "RHEL entitlement certificates, mounted at /etc/pki/entitlement in every RUN (the etc-pki-entitlement secret)")
	fl.StringVar(&f.yumReposDir, "yum-repos-dir", "", "*.repo files, mounted at /etc/yum.repos.d in every RUN (the etc-yum-repos-d ConfigMap)")
	fl.StringVar(&f.rpmGPGDir, "rpm-gpg-dir", "", "RPM GPG keys, mounted at /etc/pki/rpm-gpg in every RUN (the etc-pki-rpm-gpg secret)")
	fl.StringVar(&f.httpProxy, "http-proxy", proxyEnv("HTTP_PROXY"), "HTTP_PROXY build arg (default from the environment, as the cluster's proxy config)")
	fl.StringVar(&f.httpsProxy, "https-proxy", proxyEnv("HTTPS_PROXY"), "HTTPS_PROXY build arg (default from the environment)")
	fl.StringVar(&f.noProxy, "no-proxy", proxyEnv("NO_PROXY"), "NO_PROXY build arg (default from the environment)")
	fl.StringVar(&f.keepContext, "context", "", "also write the build context to this directory")
	return cmd
}

func proxyEnv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv(strings.ToLower(name))
}

func runBuild(cmd *cobra.Command, g *globalOptions, in *inputOptions, f *buildFlags) error {
	stderr, stdout := cmd.ErrOrStderr(), cmd.OutOrStdout()
	if err := setLibraryLogging(g.logLevel, stderr); err != nil {
		return inputError(err)
	}
	var archive string
	if f.output != "" {
		p, ok := strings.CutPrefix(f.output, "oci-archive:")
		if !ok || p == "" {
			return inputError(fmt.Errorf("--output %q: want oci-archive:FILE", f.output))
		}
		archive = p
	}
	f.reg.InsecureSkipTLSVerify = !f.tlsVerify
	li, err := in.load(cmd.InOrStdin())
	if err != nil {
		return inputError(err)
	}
	sys, err := f.reg.SystemContext()
	if err != nil {
		return inputError(err)
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Piped into head or less that quits early: keep building (and clean
	// up) instead of dying on SIGPIPE halfway through with mounts held.
	// Notify, not Ignore: an ignored signal would stay ignored in every RUN.
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)

	base, err := baseimage.Resolve(ctx, baseimage.Options{
		BaseImage: in.baseImage, ExtensionsImage: in.extensionsImage,
		Release: in.release, OSImageURLFile: in.osImageURL,
	}, sys)
	if err != nil {
		return inputError(err)
	}
	li.Render.BaseImage, li.Render.ExtensionsImage = base.BaseImage, base.ExtensionsImage
	if li.Render.ReleaseVersion == "" {
		li.Render.ReleaseVersion = base.ReleaseVersion
	}
	// Ask the registry now: a wrong password or an unreachable registry is
	// reported before any work, naming the image.
	baseDigest, err := baseimage.Digest(ctx, base.BaseImage, sys)
	if err != nil {
		return inputError(fmt.Errorf("base image: %w", err))
	}
	if !g.quiet {
		fmt.Fprintf(stderr, "base image: %s (from %s)\n  digest: %s\n", base.BaseImage, base.Source, baseDigest)
		if base.ExtensionsImage != "" {
			fmt.Fprintf(stderr, "extensions image: %s\n", base.ExtensionsImage)
		}
	}

	r, err := mco.Render(li.Render)
	if err != nil {
		return inputError(err)
	}
	if !g.quiet {
		for _, w := range append(li.Warnings, r.Warnings...) {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
	}
	ctxDir := f.keepContext
	if ctxDir == "" {
		tmp, err := os.MkdirTemp("", "ocl-build-context-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		ctxDir = tmp
	}
	if err := mco.WriteContext(ctxDir, r); err != nil {
		return inputError(err)
	}

	pool := li.Render.PoolName
	if pool == "" {
		pool = mco.DefaultPoolName
	}
	tag := f.tag
	if tag == "" {
		tag = "localhost/ocl-build/" + pool + ":latest"
	}
	opts := build.Options{
		ContextDir: ctxDir,
		Store:      f.store,
		Registry:   f.reg,
		Tag:        tag,
		NoCache:    f.noCache,
		Pull:       f.pull,

		EntitlementDir: f.entitlementDir,
		YumReposDir:    f.yumReposDir,
		RPMGPGDir:      f.rpmGPGDir,
		HTTPProxy:      f.httpProxy,
		HTTPSProxy:     f.httpsProxy,
		NoProxy:        f.noProxy,
		OCIArchive:     archive,
		BaseImage:      base.BaseImage,
		Logs:           stderr,
	}
	if !g.quiet {
		opts.Out, opts.Progress = stderr, stderr
	}
	res, err := build.Build(ctx, opts)
	if err != nil {
		var se *build.StepError
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(stderr, "ocl-build: build interrupted; build containers removed")
			return &exitError{code: exitInput, silent: true}
		case errors.As(err, &se) && !se.IsPull():
			fmt.Fprintf(stderr, "ocl-build: build failed at %v\n", err)
			return findingsExit()
		}
		return inputError(err)
	}
	if g.quiet {
		fmt.Fprintln(stdout, res.ImageID)
		return nil
	}
	if res.BaseDigest != "" && res.BaseDigest != baseDigest {
		fmt.Fprintf(stderr, "note: the store's copy of the base image is %s; the registry now serves %s (use --pull newer)\n", res.BaseDigest, baseDigest)
	}
	if archive != "" {
		fmt.Fprintf(stderr, "wrote %s\n", archive)
	}
	fmt.Fprintf(stdout, "built %s: image %s, %s, %s\n", res.Tag, shortID(res.ImageID), humanSize(res.Size), res.Elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(stderr, "  %s\n", res.Reference)
	return nil
}

// setLibraryLogging puts buildah's and containers/*'s logrus output behind
// --log-level.
func setLibraryLogging(level string, w io.Writer) error {
	lv, err := logrus.ParseLevel(level)
	if err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	logrus.SetLevel(lv)
	logrus.SetOutput(w)
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func humanSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
