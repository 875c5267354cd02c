package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/push"
)

func init() { registerCommand("push", newPushCmd) }

type pushFlags struct {
	o     push.Options
	reg   registryFlags
	retry retryFlags
}

func newPushCmd(g *globalOptions) *cobra.Command {
	var f pushFlags
	cmd := &cobra.Command{
		Use:   "push SRC DEST",
		Short: "Push a built image to a registry and print its digested pullspec",
		Long: `push copies SRC (any containers/image transport; a bare name is an image of
the default containers storage, as with podman push) to the registry named by
DEST (host/repo:tag, with or without docker://), as the cluster's build pod does
with "buildah push --authfile <push secret> --digestfile".

Layers the registry already has are skipped; layers held by another repository
of the same registry are mounted rather than uploaded (containers/image's blob
info cache, shared with build, podman and skopeo, knows where they are).
Transient failures (5xx, 429, connection reset or refused, timeouts) are retried
--retry times, waiting --retry-delay and doubling each time (at most 30 s);
authentication failures are not retried.

stdout gets the digested pullspec, host/repo@sha256:..., the value for
MachineOSConfig status and for "rpm-ostree rebase". Progress goes to stderr:
bars on a terminal, plain lines otherwise, nothing with --quiet. Failures exit 2
and name the registry and the operation; credentials are never printed.`,
		Example: `  # Push the image "ocl-build build" made, with the builder's push secret
  ocl-build push localhost/ocl-build/worker:latest \
    image-registry.example.com/openshift-machine-config-operator/os-image:worker \
    --authfile push-secret.json --digestfile digest.txt

  # From an archive, to a registry with a private CA, only the pullspec printed
  ocl-build push oci-archive:worker.tar docker://registry.lab:5000/ocl/os-image:v2 \
    --authfile push-secret.json --cert-dir ./certs --quiet

  # A flaky registry: more and slower retries
  ocl-build push containers-storage:localhost/ocl-build/infra:latest REG/ocl/infra:latest --retry 6 --retry-delay 5s`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPush(cmd, g, &f, args[0], args[1])
		},
	}
	fl := cmd.Flags()
	f.reg.register(fl, "", registryFlagsHelp{
		authFile: "push credentials (.dockerconfigjson, legacy .dockercfg or a Secret YAML: the builder's push secret; default $REGISTRY_AUTH_FILE, then podman's)",
		target:   "the registry", policy: true,
	})
	fl.StringVar(&f.o.DigestFile, "digestfile", "", "write the manifest digest (sha256:...) to this file after a successful push")
	f.retry.register(fl, "push")
	return cmd
}

func runPush(cmd *cobra.Command, g *globalOptions, f *pushFlags, src, dest string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := setLibraryLogging(g.logLevel, stderr); err != nil {
		return inputError(err)
	}
	if err := f.retry.check(); err != nil {
		return inputError(err)
	}
	if err := f.reg.check(); err != nil {
		return inputError(err)
	}
	o := f.o
	o.Src, o.Dest = src, dest
	o.Registry = f.reg.options(stderr)
	f.retry.apply(&o.Registry)
	if !g.quiet {
		o.Progress = progressWriter(stderr)
	}

	ctx, stop := signalContext(cmd)
	defer stop()
	res, err := push.Push(ctx, o)
	if err != nil {
		return inputError(oclerr.Canceled(ctx, err))
	}
	if !g.quiet {
		fmt.Fprintf(stderr, "pushed %s: %d blobs sent (%s), %d already there or mounted, %s",
			res.Dest, res.BlobsCopied, humanSize(res.BytesUploaded), res.BlobsReused, res.Duration.Round(100*time.Millisecond))
		if res.Attempts > 1 {
			fmt.Fprintf(stderr, ", %d attempts", res.Attempts)
		}
		fmt.Fprintln(stderr)
		if o.DigestFile != "" {
			fmt.Fprintf(stderr, "wrote %s\n", o.DigestFile)
		}
	}
	fmt.Fprintln(stdout, res.PullSpec)
	return nil
}
