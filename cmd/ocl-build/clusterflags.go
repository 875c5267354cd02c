package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/cluster"
	"github.com/ocl-build/ocl-build/pkg/mco"
)

// clusterFlags say which cluster to read from: --kubeconfig and --context,
// as oc takes them.
type clusterFlags struct {
	kubeconfig, context string
}

func (c *clusterFlags) register(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.StringVar(&c.kubeconfig, "kubeconfig", "", what)
	f.StringVar(&c.context, "context", "", "kubeconfig context (default: the current one; the kubeconfig defaults to $KUBECONFIG, then ~/.kube/config)")
}

// registerInputs is register for render, build, preflight and validate,
// where the cluster is optional. Their --context is --kube-context: build
// and preflight already have a --context (the build context directory).
func (c *clusterFlags) registerInputs(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.kubeconfig, "kubeconfig", "", "read every input not given as a file from this cluster, for --pool (or --mosc NAME): MachineOSConfig, MachineConfigs, osimageurl ConfigMap, pull and push secrets, CA bundle, yum repos, rpm-gpg and entitlement secrets, proxy, mirrors, registry CAs")
	f.StringVar(&c.context, "kube-context", "", "kubeconfig context to read from (implies the cluster: $KUBECONFIG or ~/.kube/config when --kubeconfig is not given)")
}

// wanted reports whether the user asked for the cluster. A $KUBECONFIG in
// the environment alone does not: render and build stay offline unless told.
func (c *clusterFlags) wanted() bool { return c.kubeconfig != "" || c.context != "" }

// connect builds a client; errors are input errors (exit 2).
func (c *clusterFlags) connect(stderr io.Writer, quiet bool) (*cluster.Client, error) {
	return cluster.Connect(cluster.ConnectOptions{
		Kubeconfig: c.kubeconfig,
		Context:    c.context,
		Notice: func(err error, wait time.Duration, n, of int) {
			if !quiet {
				fmt.Fprintf(stderr, "cluster: %v; retry %d of %d in %s\n", err, n, of, regretry.FormatDuration(wait))
			}
		},
	})
}

// clusterInputs reads from the cluster what the command line does not give
// as files, writes it to a private temp snapshot and points the unset flags
// at it, so everything after this works exactly as with files. bf and pf may
// be nil (render). The returned cleanup removes the temp snapshot.
func clusterInputs(ctx context.Context, cmd *cobra.Command, g *globalOptions, cf *clusterFlags, in *inputOptions, bf *buildFlags, pf *preflightFlags) (*cluster.Snapshot, func(), error) {
	nothing := func() {}
	if !cf.wanted() {
		return nil, nothing, nil
	}
	changed := cmd.Flags().Changed
	t := cluster.Target{Pool: in.pool, Skip: map[cluster.Item]bool{}}
	switch {
	case in.containerfile != "":
		t.Skip[cluster.ItemMachineOSConfig] = true
		if t.Pool == "" {
			t.Pool = mco.DefaultPoolName
		}
	case in.mosc != "":
		if _, err := os.Stat(in.mosc); err == nil {
			// A MachineOSConfig file: the cluster gives the rest for its pool.
			// Its secrets are the ones read.
			t.Skip[cluster.ItemMachineOSConfig] = true
			// Read and decoded once: load takes the same result.
			given, err := in.readMOSC(cmd.InOrStdin())
			if err != nil {
				return nil, nothing, err
			}
			if mosc, err := pickMOSC(given.name, given.moscs, in.pool); err == nil {
				t.Given = mosc
				if t.Pool == "" {
					t.Pool = mosc.Spec.MachineConfigPool.Name
				}
			}
		} else {
			t.MOSC = in.mosc // a name on the cluster
		}
	}
	skipGiven(cmd, &t)
	if bf == nil {
		// render needs no credentials, mounts or registry settings.
		for _, it := range []cluster.Item{cluster.ItemPullSecret, cluster.ItemPushSecret, cluster.ItemYumRepos, cluster.ItemRPMGPG,
			cluster.ItemEntitlement, cluster.ItemProxy, cluster.ItemMirrors, cluster.ItemRegistryCAs} {
			t.Skip[it] = true
		}
	}
	if pf == nil || pf.push == "" {
		t.Skip[cluster.ItemPushSecret] = true
	}

	s, l, cleanup, err := readCluster(ctx, cmd, g, cf, t)
	if err != nil {
		return nil, nothing, err
	}

	set := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
		}
	}
	if in.containerfile == "" {
		if l.MOSC == "" && t.MOSC == "" && !t.Skip[cluster.ItemMachineOSConfig] {
			cleanup()
			return nil, nothing, fmt.Errorf("pool %s has no MachineOSConfig on the cluster: give the Containerfile with --containerfile FILE", s.PoolName)
		}
		if !t.Skip[cluster.ItemMachineOSConfig] {
			in.mosc = l.MOSC
		}
	}
	if in.pool == "" && in.containerfile != "" {
		in.pool = s.PoolName
	}
	if !changed("machineconfigs") && l.MachineConfigs != "" {
		in.machineConfigs = []string{l.MachineConfigs}
	}
	if !t.Skip[cluster.ItemOSImageURL] {
		set(&in.osImageURL, l.OSImageURL)
	}
	set(&in.trustBundle, l.TrustBundle)
	in.clusterVersion = s.Version
	if bf != nil {
		set(&bf.reg.authFile, l.AuthFile)
		set(&bf.yumReposDir, l.YumReposDir)
		set(&bf.rpmGPGDir, l.RPMGPGDir)
		set(&bf.entitlementDir, l.EntitlementDir)
		set(&bf.reg.registriesConf, l.RegistriesConf)
		set(&bf.reg.certDir, l.CertDir)
		if !t.Skip[cluster.ItemProxy] && l.Proxy != (cluster.ProxySettings{}) {
			bf.httpProxy, bf.httpsProxy, bf.noProxy = l.Proxy.HTTPProxy, l.Proxy.HTTPSProxy, l.Proxy.NoProxy
			bf.proxyFromCluster = true
		}
	}
	if pf != nil {
		set(&pf.pushReg.authFile, l.PushAuthFile)
	}
	return s, cleanup, nil
}

// givenBy are the flags that give an item as a file instead of the
// cluster's copy (a command has some of them).
var givenBy = map[cluster.Item][]string{
	cluster.ItemMachineConfigs: {"machineconfigs"},
	cluster.ItemOSImageURL:     {"osimageurl", "base-image", "release"},
	cluster.ItemUserCABundle:   {"additional-trust-bundle"},
	cluster.ItemPullSecret:     {"authfile"},
	cluster.ItemPushSecret:     {"push-authfile"},
	cluster.ItemYumRepos:       {"yum-repos-dir"},
	cluster.ItemRPMGPG:         {"rpm-gpg-dir"},
	cluster.ItemEntitlement:    {"entitlement-dir"},
	cluster.ItemProxy:          {"http-proxy", "https-proxy", "no-proxy"},
	cluster.ItemMirrors:        {"registries-conf"},
	cluster.ItemRegistryCAs:    {"cert-dir"},
}

// skipGiven leaves out of t the items the command line gives as files:
// files given win over the cluster's copy.
func skipGiven(cmd *cobra.Command, t *cluster.Target) {
	for it, flags := range givenBy {
		for _, f := range flags {
			if cmd.Flags().Lookup(f) != nil && cmd.Flags().Changed(f) {
				t.Skip[it] = true
			}
		}
	}
}

// onlyItems is a Skip map that reads nothing but the given items (and the
// pool, always read).
func onlyItems(items ...cluster.Item) map[cluster.Item]bool {
	skip := map[cluster.Item]bool{}
	for _, it := range []cluster.Item{cluster.ItemMachineOSConfig, cluster.ItemMachineConfigs, cluster.ItemOSImageURL, cluster.ItemClusterVersion,
		cluster.ItemPullSecret, cluster.ItemPushSecret, cluster.ItemUserCABundle, cluster.ItemYumRepos, cluster.ItemRPMGPG,
		cluster.ItemEntitlement, cluster.ItemProxy, cluster.ItemMirrors, cluster.ItemRegistryCAs} {
		skip[it] = true
	}
	for _, it := range items {
		delete(skip, it)
	}
	return skip
}

// readCluster connects, reads t, writes what it read to a private temp
// snapshot (the offline commands' files) and says what it read: the one
// cluster reader of render, build, preflight, validate and check. cleanup
// removes the temp snapshot.
func readCluster(ctx context.Context, cmd *cobra.Command, g *globalOptions, cf *clusterFlags, t cluster.Target) (*cluster.Snapshot, *cluster.Layout, func(), error) {
	stderr := cmd.ErrOrStderr()
	c, err := cf.connect(stderr, g.quiet)
	if err != nil {
		return nil, nil, nil, err
	}
	debugf(g, stderr, "cluster: reading pool %q (MachineOSConfig %q) from %s, context %q", t.Pool, t.MOSC, c.Server, c.Context)
	s, err := c.Read(ctx, t)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := s.WriteTemp()
	if err != nil {
		return nil, nil, nil, err
	}
	if !g.quiet {
		for _, n := range s.Notes {
			fmt.Fprintf(stderr, "cluster: %s\n", n)
		}
		if s.Version != "" {
			fmt.Fprintf(stderr, "cluster: %s, OpenShift %s, pool %s\n", c.Server, s.Version, s.PoolName)
		}
	}
	for _, src := range s.Sources {
		debugf(g, stderr, "cluster: %s from %s", src.Item, src.From)
	}
	return s, l, func() { os.RemoveAll(l.Dir) }, nil
}
