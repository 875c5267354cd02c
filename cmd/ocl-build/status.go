package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
)

func init() { registerCommand("status", newStatusCmd) }

// exitInProgress is status's answer when the build or rollout is not
// finished yet (without --watch).
const exitInProgress = oclerr.ExitInProgress

func newStatusCmd(g *globalOptions) *cobra.Command {
	var cf clusterFlags
	var pool string
	var watch bool
	var timeout, resync time.Duration
	var so cluster.StatusOptions
	cmd := &cobra.Command{
		Use:   "status --pool P [--watch]",
		Short: "Follow a pool's On-Cluster Layering build and rollout",
		Long: `status shows where a pool's On-Cluster Layering stands: the MachineOSBuild (the
name ocl-build predicts with the name rule of the cluster's OpenShift version,
from the pool's rendered config, the MachineOSConfig and the osimageurl ConfigMap
(4.19-4.21) or the rendered MachineConfig's images (4.22+), and the one the
operator names), the build Job's pod
phase and, when the build failed, the last lines of its log; the pool's
conditions (ImageBuildDegraded, Degraded, Updated, Updating) and machine counts;
each node's desired and current image.

Exit status: 0 when every machine of the pool runs the built image, 1 when the
build failed or the pool is degraded, 3 while in progress (without --watch), 2 on
input or API errors. --watch prints a new block at every change until done or
failed (or --timeout).`,
		Example: `  ocl-build status --pool worker-automount
  ocl-build status --pool worker-automount --watch --timeout 2h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pool == "" {
				return inputError(fmt.Errorf("give the pool with --pool NAME"))
			}
			c, err := cf.connect(cmd.ErrOrStderr(), g.quiet)
			if err != nil {
				return inputError(err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if !watch {
				st, err := c.PoolStatus(ctx, pool, so)
				if err != nil {
					return inputError(err)
				}
				printStatus(out, st, g.quiet)
				return statusExit(st)
			}
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			var last *cluster.Status
			prev := ""
			err = c.Watch(ctx, pool, so, resync, func(st *cluster.Status) bool {
				last = st
				var b strings.Builder
				printStatus(&b, st, g.quiet)
				if b.String() != prev {
					prev = b.String()
					if !g.quiet {
						fmt.Fprintf(out, "--- %s\n", time.Now().UTC().Format(time.RFC3339))
					}
					fmt.Fprint(out, b.String())
				}
				return st.Verdict != cluster.VerdictInProgress
			})
			if err != nil && last == nil {
				return inputError(err)
			}
			if err != nil && ctx.Err() != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "ocl-build: stopped watching pool %s: still in progress\n", pool)
				return oclerr.Reported(exitInProgress)
			}
			if err != nil {
				return inputError(err)
			}
			return statusExit(last)
		},
	}
	cf.register(cmd, "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f := cmd.Flags()
	f.StringVar(&pool, "pool", "", "MachineConfigPool to follow")
	f.BoolVarP(&watch, "watch", "w", false, "follow changes until the pool runs the image or the build fails")
	f.DurationVar(&timeout, "timeout", 0, "with --watch, give up after this long (exit 3; 0: never)")
	f.DurationVar(&resync, "resync", 10*time.Second, "with --watch, re-read at least this often")
	addOpenShiftVersionFlag(cmd, &so.OpenShiftVersion, "OpenShift version X.Y whose MachineOSBuild name rule applies", "the cluster's ClusterVersion, else the osimageurl ConfigMap's releaseVersion")
	return cmd
}

func statusExit(st *cluster.Status) error {
	switch st.Verdict {
	case cluster.VerdictDone:
		return nil
	case cluster.VerdictFailed:
		return findingsExit()
	}
	return oclerr.Reported(exitInProgress)
}

func printStatus(w io.Writer, st *cluster.Status, quiet bool) {
	if quiet {
		fmt.Fprintf(w, "%s\n", st.Verdict)
		return
	}
	fmt.Fprintf(w, "pool %s (MachineOSConfig %s): %s\n", st.Pool, st.MOSC, st.Verdict)
	for _, r := range st.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	pred := st.PredictedBuild
	if pred == "" {
		pred = "(unknown: " + orDash(st.PredictNote) + ")"
	}
	fmt.Fprintf(w, "build: predicted %s", pred)
	switch {
	case st.ClusterBuild == "":
		fmt.Fprintf(w, ", none on the cluster yet\n")
	case st.ClusterBuild == st.PredictedBuild:
		fmt.Fprintf(w, ", cluster's is the same\n")
	default:
		fmt.Fprintf(w, ", cluster's %s (differs: the cluster's inputs are not the ones ocl-build hashed)\n", st.ClusterBuild)
	}
	fmt.Fprintf(w, "  name rule of %s\n", st.Version)
	for _, warn := range st.VersionWarnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if b := st.Build; b != nil {
		fmt.Fprintf(w, "  MachineOSBuild %s: %s", b.Name, orDash(b.Phase))
		if b.Message != "" {
			fmt.Fprintf(w, " (%s)", b.Message)
		}
		fmt.Fprintln(w)
		if b.Job != "" {
			fmt.Fprintf(w, "  job %s, pod %s\n", b.Job, orDash(b.PodPhase))
		}
		if b.Image != "" {
			fmt.Fprintf(w, "  image %s\n", b.Image)
		}
		for _, l := range b.LogTail {
			fmt.Fprintf(w, "  | %s\n", l)
		}
	}
	if st.CurrentImage != "" {
		fmt.Fprintf(w, "MachineOSConfig current image: %s\n", st.CurrentImage)
	}
	fmt.Fprintf(w, "machines: %d, updated %d, ready %d, degraded %d\n", st.Machines, st.Updated, st.Ready, st.Degraded)
	for _, c := range st.Conditions {
		if c.Status == "True" || c.Type == "ImageBuildDegraded" {
			fmt.Fprintf(w, "  %s=%s", c.Type, c.Status)
			if c.Message != "" {
				fmt.Fprintf(w, ": %s", c.Message)
			}
			fmt.Fprintln(w)
		}
	}
	for _, n := range st.Nodes {
		fmt.Fprintf(w, "node %s: desired %s, current %s", n.Name, orDash(n.DesiredImage), orDash(n.CurrentImage))
		if n.State != "" {
			fmt.Fprintf(w, " (%s)", n.State)
		}
		fmt.Fprintln(w)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
