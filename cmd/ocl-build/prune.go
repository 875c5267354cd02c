package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/build"
)

func init() { registerCommand("prune", newPruneCmd) }

func newPruneCmd(g *globalOptions) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove what killed ocl-build runs left: build containers, their mounts, temporary directories",
		Long: `prune reclaims the leftovers of ocl-build processes that no longer run (killed
with SIGKILL, say, in the middle of a build): their build containers in the
store (unmounted first), and their temporary directories (build contexts,
entitlement copies, partial pulls, spools) under $TMPDIR and /var/tmp.

ocl-build marks its containers and directories with the PID and start time of
the process that made them, so prune never touches those of a build still
running, nor any container of podman or buildah. Every build does the same
before it starts. Each reclaimed item is printed on one line.`,
		Example: `  ocl-build prune
  ocl-build prune --storage-driver vfs --root /srv/containers/storage`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := setLibraryLogging(g.logLevel, cmd.ErrOrStderr()); err != nil {
				return inputError(err)
			}
			r, err := build.Prune(f.storeOptions())
			printReclaimed(cmd.OutOrStdout(), r, "")
			if err != nil {
				return inputError(err)
			}
			if r.Empty() && !g.quiet {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to reclaim")
			}
			return nil
		},
	}
	f.registerStore(cmd)
	return cmd
}

// printReclaimed writes one line per reclaimed item, each after prefix.
func printReclaimed(w io.Writer, r *build.Reclaimed, prefix string) {
	if r == nil {
		return
	}
	for _, c := range r.Containers {
		how := ""
		if c.Unmounted {
			how = ", unmounted"
		}
		fmt.Fprintf(w, "%sreclaimed build container %s (%s%s)\n", prefix, c.Name, shortID(c.ID), how)
	}
	for _, d := range r.TempDirs {
		fmt.Fprintf(w, "%sreclaimed temporary directory %s\n", prefix, d)
	}
}

// reclaimNotice tells on stderr what a build removed before it started.
func reclaimNotice(w io.Writer) func(*build.Reclaimed, error) {
	return func(r *build.Reclaimed, err error) {
		printReclaimed(w, r, "ocl-build: left by a killed run: ")
		if err != nil {
			fmt.Fprintf(w, "warning: reclaiming what a killed run left: %v\n", err)
		}
	}
}
