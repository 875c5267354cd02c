package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// buildFlags are the build's own flags beyond the shared inputs; preflight
// takes the same ones, so a preflight command line is a build command line
// plus preflight's flags.
type buildFlags struct {
	store          build.StoreOptions
	storageOpts    []string
	reg            registryFlags
	tag            string
	noCache        bool
	pull           string
	entitlementDir string
	yumReposDir    string
	rpmGPGDir      string
	httpProxy      string
	httpsProxy     string
	noProxy        string
	// proxyFromCluster: the three proxy values came from the cluster's
	// Proxy object; the environment does not fill the empty ones.
	proxyFromCluster bool
	keepContext      string
	hostRegistries   bool
	clusterLayout    bool
	retry            retryFlags
	// build's own: -o format, --oci-archive, --iidfile; preflight pushes
	// and reports instead.
	output, ociArchive, iidFile string
}

// register adds the flags; retryWhat says which transfers the retry
// flags govern ("pull", "pull or push").
func (f *buildFlags) register(cmd *cobra.Command, retryWhat string) {
	f.registerStore(cmd)
	fl := cmd.Flags()
	f.reg.register(fl, "", registryFlagsHelp{
		authFile: "pull secret for the base image (.dockerconfigjson, legacy .dockercfg or a Secret YAML; default $REGISTRY_AUTH_FILE, then podman's)",
		target:   "the registries pulled from", policy: true,
	})
	fl.StringVar(&f.tag, "tag", "", "name of the built image (default localhost/ocl-build/POOL:latest)")
	fl.BoolVar(&f.noCache, "no-cache", false, "build every step afresh (the layer cache is on by default)")
	fl.StringVar(&f.pull, "pull", build.PullMissing, "pull FROM images: missing, always, never or newer")
	fl.StringVar(&f.entitlementDir, "entitlement-dir", "", "RHEL entitlement certificates, mounted at /etc/pki/entitlement in every RUN (the etc-pki-entitlement secret)")
	fl.StringVar(&f.yumReposDir, "yum-repos-dir", "", "*.repo files, mounted at /etc/yum.repos.d in every RUN (the etc-yum-repos-d ConfigMap)")
	fl.StringVar(&f.rpmGPGDir, "rpm-gpg-dir", "", "RPM GPG keys, mounted at /etc/pki/rpm-gpg in every RUN (the etc-pki-rpm-gpg secret)")
	// The environment's values are read when the build runs, not made flag
	// defaults: --help would print them, credentials and all.
	fl.StringVar(&f.httpProxy, "http-proxy", "", "HTTP_PROXY build arg (default: $HTTP_PROXY, as the cluster's proxy config)")
	fl.StringVar(&f.httpsProxy, "https-proxy", "", "HTTPS_PROXY build arg (default: $HTTPS_PROXY)")
	fl.StringVar(&f.noProxy, "no-proxy", "", "NO_PROXY build arg (default: $NO_PROXY)")
	fl.StringVar(&f.keepContext, "context", "", "also write the build context to this directory")
	fl.BoolVar(&f.clusterLayout, "cluster-layout", false, "build without the layer cache, one layer per stage, as the cluster's build pod does (preflight does this whenever it pushes)")
	fl.BoolVar(&f.hostRegistries, "host-registries", false, "use this machine's registries.conf and policy.json, not the ones the pool's MachineConfigs carry (which the cluster's build pod mounts)")
	f.retry.register(fl, retryWhat)
}

// registerStore adds the flags that locate the store, podman's.
func (f *buildFlags) registerStore(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.store.Driver, "storage-driver", "", "containers storage driver: overlay (fast) or vfs (what the cluster uses) (default: storage.conf's, else overlay)")
	fl.StringArrayVar(&f.storageOpts, "storage-opt", nil, "storage driver option NAME=VALUE, as podman's (repeatable; replaces storage.conf's options; \"\" for none)")
	fl.StringVar(&f.store.Root, "root", "", "containers storage root (default: storage.conf's; podman's /var/lib/containers/storage as root)")
	fl.StringVar(&f.store.RunRoot, "runroot", "", "containers storage run root (default: storage.conf's; podman's /run/containers/storage as root)")
}

// check rejects flag values that mean nothing, before any work starts
// (--pull and --storage-driver were once checked only after the base image
// was resolved, i.e. after the network).
func (f *buildFlags) check() error {
	if err := f.reg.check(); err != nil {
		return err
	}
	if err := f.retry.check(); err != nil {
		return err
	}
	return f.options("", "", nil).Check()
}

// proxy is a proxy build arg: the flag's value, the cluster's Proxy object
// (with --kubeconfig, which sets all three), else the environment.
func (f *buildFlags) proxy(v, env string) string {
	if v != "" || f.proxyFromCluster {
		return v
	}
	return proxyEnv(env)
}

func proxyEnv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv(strings.ToLower(name))
}

// useClusterRegistries makes the pull (and preflight's push) read the
// registries.conf and policy.json of the pool's rendered MachineConfig, as
// the cluster's build pod mounts them over its own: mirrors, blocked
// registries and signature policy then act here as they would there. An
// explicit --registries-conf or --signature-policy wins for its file;
// --host-registries keeps this machine's. Host drop-ins
// (registries.conf.d) are not read with the cluster's file. The returned
// function removes the written copies.
func (f *buildFlags) useClusterRegistries(render mco.RenderOptions, notes io.Writer) (func(), error) {
	nothing := func() {}
	if f.hostRegistries {
		return nothing, nil
	}
	files, err := mco.PoolRegistryFiles(render)
	if err != nil {
		return nothing, err
	}
	if files.Empty() {
		return nothing, nil
	}
	dir, err := os.MkdirTemp("", "ocl-build-registries-")
	if err != nil {
		return nothing, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	conf, policy, err := files.Write(dir)
	if err != nil {
		cleanup()
		return nothing, err
	}
	if conf != "" && f.reg.registriesConf == "" {
		dropins := filepath.Join(dir, "registries.conf.d")
		if err := os.Mkdir(dropins, 0o700); err != nil {
			cleanup()
			return nothing, err
		}
		f.reg.registriesConf, f.reg.registriesConfDir = conf, dropins
		fmt.Fprintf(notes, "registries.conf: the pool's MachineConfig's %s, as the build pod mounts it (--host-registries: this machine's)\n", mco.RegistriesConfPath)
	}
	if policy != "" && f.reg.policy == "" {
		f.reg.policy = policy
		fmt.Fprintf(notes, "policy.json: the pool's MachineConfig's %s, as the build pod mounts it (--host-registries: this machine's)\n", mco.PolicyJSONPath)
	}
	return cleanup, nil
}

// storeOptions is the store with --storage-opt applied: given at all, its
// values replace storage.conf's options (a lone "" leaves none), as podman's.
func (f *buildFlags) storeOptions() build.StoreOptions {
	s := f.store
	if f.storageOpts != nil {
		s.Options = []string{}
		for _, o := range f.storageOpts {
			if o != "" {
				s.Options = append(s.Options, o)
			}
		}
	}
	return s
}

// registry is the pull's registry options: credentials, TLS, retries;
// warnings go to warn (nil: none).
func (f *buildFlags) registry(warn io.Writer) registry.Options {
	o := f.reg.options(warn)
	f.retry.apply(&o)
	return o
}

// options maps the flags to build.Options for a build of contextDir tagged
// tag; the caller adds what is its own (base image, archive, progress).
func (f *buildFlags) options(contextDir, tag string, logs io.Writer) build.Options {
	return build.Options{
		ContextDir:    contextDir,
		Store:         f.storeOptions(),
		Registry:      f.registry(logs),
		Tag:           tag,
		NoCache:       f.noCache,
		ClusterLayout: f.clusterLayout,
		Pull:          f.pull,

		EntitlementDir: f.entitlementDir,
		YumReposDir:    f.yumReposDir,
		RPMGPGDir:      f.rpmGPGDir,
		HTTPProxy:      f.proxy(f.httpProxy, "HTTP_PROXY"),
		HTTPSProxy:     f.proxy(f.httpsProxy, "HTTPS_PROXY"),
		NoProxy:        f.proxy(f.noProxy, "NO_PROXY"),
		Logs:           logs,
		OnReclaim:      reclaimNotice(logs),
	}
}
