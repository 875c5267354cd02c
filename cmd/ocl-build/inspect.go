package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/containers/image/v5/transports"
	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/oclerr"

	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

func init() { registerCommand("inspect", newInspectCmd) }

func newInspectCmd(g *globalOptions) *cobra.Command {
	var (
		imgFlags rpmdiffImageFlags
		format   string
	)
	cmd := &cobra.Command{
		Use:   "inspect REF",
		Short: "Show an image's labels, layers, os-release and RPM database",
		Long: `inspect describes an image the way an On-Cluster Layering admin needs it: the
Machine Config Operator's labels (machineconfig, machineconfigpool,
baseOSContainerImage), creation time, architecture, layers and sizes, os-release,
and where its RPM database is, in which format, with how many packages.
REF takes the same forms as for rpmdiff; a bare NAME that is not a local path
is an image of the default containers storage, as with podman image inspect.`,
		Example: `  ocl-build inspect docker://image-registry.example.com/mco/os-image:latest --authfile pull-and-push.json
  ocl-build inspect oci-archive:layered.tar -o json | jq .mcoLabels`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(format, inspectFormats, ""); err != nil {
				return inputError(err)
			}
			opts, err := imgFlags.setup(cmd, g)
			if err != nil {
				return inputError(err)
			}
			// Ctrl-C or SIGTERM cancels the read, which removes its
			// spool directory; the exit is 130/143.
			ctx, stop := signalContext(cmd)
			defer stop()
			r := rpmdiff.NewReader(opts)
			done := rpmdiffProgress(cmd, g, r)
			in, err := r.Inspect(ctx, inspectRef(args[0]))
			done()
			if err != nil {
				return inputError(oclerr.Canceled(ctx, err))
			}
			if format == "json" || format == "yaml" {
				return writeStructured(cmd.OutOrStdout(), format, in)
			}
			if g.quiet {
				// Only what a script wants: the image's digest (a directory
				// has none: its package count).
				if in.ManifestDigest != "" {
					fmt.Fprintln(cmd.OutOrStdout(), in.ManifestDigest)
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), in.PackageCount)
				}
				return nil
			}
			return writeInspectText(cmd.OutOrStdout(), in)
		},
	}
	imgFlags.register(cmd)
	addOutputFlag(cmd, &format, "text", inspectFormats, "format")
	return cmd
}

var inspectFormats = []string{"text", "json", "yaml"}

// inspectRef lets a bare NAME mean an image of the default containers
// storage, as podman image inspect and ocl-build push do, unless it is a
// local path (a root filesystem or an rpmdb) or has a transport prefix.
func inspectRef(ref string) string {
	if strings.Contains(ref, "://") || hasTransportPrefix(ref) {
		return ref
	}
	if _, err := os.Stat(ref); err == nil {
		return ref
	}
	return "containers-storage:" + ref
}

func hasTransportPrefix(ref string) bool {
	t, _, ok := strings.Cut(ref, ":")
	return ok && transports.Get(t) != nil
}

func writeInspectText(w io.Writer, in *rpmdiff.Inspection) error {
	var b strings.Builder
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-22s %s\n", k+":", v)
		}
	}
	row("Image", in.Ref)
	row("Kind", string(in.Kind))
	row("Digest", in.ManifestDigest)
	if in.Created != nil {
		row("Created", in.Created.UTC().Format(time.RFC3339))
	}
	if in.Architecture != "" {
		row("Architecture", in.OS+"/"+in.Architecture)
	}
	row("machineconfig", in.MCO.MachineConfig)
	row("machineconfigpool", in.MCO.MachineConfigPool)
	row("baseOSContainerImage", in.MCO.BaseOSContainerImage)
	if in.OSRelease != nil {
		name := in.OSRelease["PRETTY_NAME"]
		if name == "" {
			name = strings.TrimSpace(in.OSRelease["NAME"] + " " + in.OSRelease["VERSION_ID"])
		}
		row("OS", name)
	}
	if in.RPMDB != nil {
		row("RPM database", fmt.Sprintf("%s/%s (%s)", in.RPMDB.Path, in.RPMDB.File, in.RPMDB.Format))
		row("Packages", fmt.Sprint(in.PackageCount))
	} else if in.RPMDBError != "" {
		row("RPM database", "none: "+in.RPMDBError)
	}
	if len(in.Layers) > 0 {
		fmt.Fprintf(&b, "Layers (%d, %s compressed):\n", len(in.Layers), humanBytes(in.TotalSize))
		for i, l := range in.Layers {
			mark := ""
			if in.RPMDB != nil && in.RPMDB.Layer == l.Digest {
				mark = "  <- rpmdb"
			}
			fmt.Fprintf(&b, "  %2d  %-10s %s%s\n", i, humanBytes(l.Size), l.Digest, mark)
		}
	}
	if len(in.Labels) > 0 {
		keys := make([]string, 0, len(in.Labels))
		for k := range in.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("Labels:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s=%s\n", k, in.Labels[k])
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
