package main

import (
	"fmt"
	"io"

	"github.com/containers/image/v5/types"
	"github.com/spf13/pflag"

	"github.com/ocl-build/ocl-build/pkg/registry"
)

// registryFlags is the one group of registry flags, podman's: --authfile,
// --creds, --cert-dir, a three-way --tls-verify, --registries-conf and
// (where images are copied) --signature-policy. A prefix makes a second
// group for another registry: preflight's push flags are --push-authfile,
// --push-creds, … and fall back to the pull group's values when not given.
type registryFlags struct {
	prefix string
	fs     *pflag.FlagSet

	authFile, creds, certDir, registriesConf, policy string
	tlsVerify                                        bool
	// registriesConfDir is set by code, not a flag: the drop-in directory
	// that goes with a registries.conf the command chose itself (the
	// pool's MachineConfig's, see useClusterRegistries).
	registriesConfDir string
	// fallback is the group whose values count where this one's flag was
	// not given (preflight's push group falls back to its pull group).
	fallback *registryFlags
}

// registryFlagsHelp words the group's help for what it is used for.
type registryFlagsHelp struct {
	// authFile is the --authfile help (what the credentials are for).
	authFile string
	// target is what the TLS and certificate flags govern ("the
	// registries", "the push registry").
	target string
	// policy adds --signature-policy (commands that copy images).
	policy bool
}

func (f *registryFlags) register(fl *pflag.FlagSet, prefix string, h registryFlagsHelp) {
	f.prefix, f.fs = prefix, fl
	def := func(name string) string {
		if f.fallback != nil {
			return " (default: --" + name + ")"
		}
		return ""
	}
	fl.StringVar(&f.authFile, prefix+"authfile", "", h.authFile)
	fl.StringVar(&f.creds, prefix+"creds", "", "USERNAME:PASSWORD for "+h.target+", instead of an auth file"+def("creds"))
	fl.StringVar(&f.certDir, prefix+"cert-dir", "", "directory of CA certificates (*.crt) and client certificates (*.cert, *.key) for "+h.target+def("cert-dir"))
	fl.BoolVar(&f.tlsVerify, prefix+"tls-verify", true, "require HTTPS and verify certificates of "+h.target+"; when not given, registries.conf decides (insecure = true allows plain HTTP)"+def("tls-verify"))
	fl.StringVar(&f.registriesConf, prefix+"registries-conf", "", "registries.conf to use (default $"+registry.EnvRegistriesConf+", then /etc/containers/registries.conf)"+def("registries-conf"))
	if h.policy {
		fl.StringVar(&f.policy, prefix+"signature-policy", "", "policy.json to use (default /etc/containers/policy.json, else accept anything as the cluster's build does)"+def("signature-policy"))
	}
}

func (f *registryFlags) changed(name string) bool {
	fl := f.fs.Lookup(f.prefix + name)
	return fl != nil && fl.Changed
}

// pick is this group's value of flag name, or the fallback's when this one
// was not given.
func (f *registryFlags) pick(name, v string) string {
	if v != "" || f.fallback == nil || f.changed(name) {
		return v
	}
	switch name {
	case "cert-dir":
		return f.fallback.certDir
	case "registries-conf":
		return f.fallback.registriesConf
	case "signature-policy":
		return f.fallback.policy
	}
	return v
}

// tls is the three-way --tls-verify: undefined unless given.
func (f *registryFlags) tls() types.OptionalBool {
	switch {
	case f.changed("tls-verify"):
		return types.NewOptionalBool(f.tlsVerify)
	case f.fallback != nil:
		return f.fallback.tls()
	}
	return types.OptionalBoolUndefined
}

// options is the group as registry.Options (retries are retryFlags'),
// with warnings going to warn (nil: none).
func (f *registryFlags) options(warn io.Writer) registry.Options {
	// The credentials fall back as a pair: --push-authfile alone must not
	// be overridden by the pull group's --creds.
	authFile, creds := f.authFile, f.creds
	if f.fallback != nil && authFile == "" && creds == "" {
		authFile, creds = f.fallback.authFile, f.fallback.creds
	}
	o := registry.Options{
		AuthFile:          authFile,
		Creds:             creds,
		CertDir:           f.pick("cert-dir", f.certDir),
		TLSVerify:         f.tls(),
		RegistriesConf:    f.pick("registries-conf", f.registriesConf),
		RegistriesConfDir: f.registriesConfDir,
		SignaturePolicy:   f.pick("signature-policy", f.policy),
	}
	if o.RegistriesConfDir == "" && o.RegistriesConf != "" && f.fallback != nil && o.RegistriesConf == f.fallback.registriesConf {
		o.RegistriesConfDir = f.fallback.registriesConfDir
	}
	if warn != nil {
		o.Warn = func(msg string) { fmt.Fprintf(warn, "warning: %s\n", msg) }
	}
	return o
}

// check rejects flag combinations that mean nothing, naming the flags.
func (f *registryFlags) check() error {
	if f.creds != "" && f.authFile != "" {
		return fmt.Errorf("--%screds and --%sauthfile: give one", f.prefix, f.prefix)
	}
	return nil
}
