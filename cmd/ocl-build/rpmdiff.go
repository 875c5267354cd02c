package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

func init() { registerCommand("rpmdiff", newRpmdiffCmd) }

// rpmdiffImageFlags are the podman/skopeo-style flags for reaching images,
// shared by rpmdiff and inspect.
type rpmdiffImageFlags struct {
	reg          registryFlags
	noCache      bool
	stallTimeout time.Duration
}

func (f *rpmdiffImageFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	f.reg.register(fl, "", registryFlagsHelp{
		authFile: "registry credentials (.dockerconfigjson, legacy .dockercfg or a Secret YAML; default $REGISTRY_AUTH_FILE, then the containers-auth.json defaults)",
		target:   "docker:// registries",
	})
	fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the per-layer cache in the user cache directory")
	fl.DurationVar(&f.stallTimeout, "stall-timeout", regretry.DefaultStallTimeout, "give up a registry request that received no data for this long, then retry (0: wait forever)")
}

// setup applies --log-level to the libraries (containers/image logs every
// request at debug) and returns the image options, with retry notices on
// stderr unless --quiet.
func (f *rpmdiffImageFlags) setup(cmd *cobra.Command, g *globalOptions) (image.Options, error) {
	stderr := cmd.ErrOrStderr()
	if err := setLibraryLogging(g.logLevel, stderr); err != nil {
		return image.Options{}, err
	}
	if f.stallTimeout < 0 {
		return image.Options{}, fmt.Errorf("--stall-timeout %s: want a positive duration, or 0 for none", f.stallTimeout)
	}
	if err := f.reg.check(); err != nil {
		return image.Options{}, err
	}
	o := f.options(stderr)
	o.Registry.StallTimeout = f.stallTimeout
	if o.Registry.StallTimeout == 0 {
		o.Registry.StallTimeout = -1 // the library reads 0 as "default"; the flag's 0 means none
	}
	if !g.quiet {
		o.OnRetry = func(what string, err error, wait time.Duration, n, of int) {
			fmt.Fprintf(stderr, "%s: %v; retrying in %s (%d/%d)\n", what, err, wait, n, of)
		}
	}
	return o, nil
}

func (f *rpmdiffImageFlags) options(warn io.Writer) image.Options {
	o := image.Options{Registry: f.reg.options(warn)}
	if f.noCache {
		o.CacheDir = "-"
	}
	return o
}

func newRpmdiffCmd(g *globalOptions) *cobra.Command {
	var (
		imgFlags rpmdiffImageFlags
		format   string
		exitCode bool
	)
	cmd := &cobra.Command{
		Use:   "rpmdiff BASE TARGET",
		Short: "Diff the RPM databases of two images (added, removed, up- and downgraded packages)",
		Long: `rpmdiff reads the effective RPM database of two images and prints what a node
would see change, like "rpm-ostree db diff" after a rollout.

An image is any containers/image reference (docker://, containers-storage:, oci:,
oci-archive:, docker-archive:) or a local path: a root filesystem directory, an
rpmdb directory, or an rpmdb file. Only the layers from the top down to the one
holding the database are read, and what was read is cached per layer digest.
Packages are matched by name and architecture and ordered with rpmvercmp.

Exit status: 0 whatever the diff (1 with --exit-code when something changed),
2 when an image or its database cannot be read.`,
		Example: `  # What did my layered build change against the RHCOS base?
  ocl-build rpmdiff docker://quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:… \
      docker://image-registry.example.com/mco/os-image:latest --authfile pull-and-push.json

  # In CI: a markdown table for the pull request, fail if anything changed
  ocl-build rpmdiff oci-archive:base.tar oci-archive:layered.tar -o markdown --exit-code

  # Two rpmdb directories or unpacked root filesystems
  ocl-build rpmdiff ./base-rootfs ./new-rootfs/usr/share/rpm -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validRpmdiffFormat(format) {
				return inputError(checkOutput(format, rpmdiffFormats, ""))
			}
			opts, err := imgFlags.setup(cmd, g)
			if err != nil {
				return inputError(err)
			}
			// Ctrl-C or SIGTERM cancels the reads, which then remove
			// their spool directories; the exit is 130/143.
			ctx, stop := signalContext(cmd)
			defer stop()
			r := rpmdiff.NewReader(opts)
			done := rpmdiffProgress(cmd, g, r)
			base, err := r.Read(ctx, args[0])
			if err != nil {
				done()
				return inputError(oclerr.Canceled(ctx, err))
			}
			target, err := r.Read(ctx, args[1])
			done()
			if err != nil {
				return inputError(oclerr.Canceled(ctx, err))
			}
			rep := rpmdiff.Report{Base: base, Target: target, Result: rpmdiff.Diff(base.Packages, target.Packages)}
			if g.quiet && format == "text" {
				fmt.Fprintln(cmd.OutOrStdout(), rep.Result.Summary())
			} else if format == "yaml" {
				if err := jsonToYAML(cmd.OutOrStdout(), rep.WriteJSON); err != nil {
					return err
				}
			} else if err := rep.Write(cmd.OutOrStdout(), format); err != nil {
				return err
			}
			if exitCode && !rep.Result.Empty() {
				return findingsExit()
			}
			return nil
		},
	}
	imgFlags.register(cmd)
	addOutputFlag(cmd, &format, "text", rpmdiffFormats, "format")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when the diff is not empty, like git diff --exit-code")
	return cmd
}

// rpmdiffFormats are rpmdiff's -o values: the library's and yaml.
var rpmdiffFormats = append(append([]string{}, rpmdiff.Formats...), "yaml")

func validRpmdiffFormat(f string) bool { return checkOutput(f, rpmdiffFormats, "") == nil }
