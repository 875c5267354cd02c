package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

// Environment variables podman, buildah and skopeo read, with the same
// meaning here: an explicit option wins over them.
const (
	EnvAuthFile       = "REGISTRY_AUTH_FILE"
	EnvRegistriesConf = "CONTAINERS_REGISTRIES_CONF"
)

// DefaultPolicyPath is where podman and skopeo read their signature policy.
const DefaultPolicyPath = sigpolicy.DefaultPath

// DefaultMinRate is the slowest transfer that still counts as progress: a
// registry that sends less than 1 KiB/s over a whole stall window is
// treated as stalled (a trickle of one byte every ten seconds would
// otherwise keep a pull alive for days).
const DefaultMinRate = 1024

// Options are the registry settings every command that reaches a registry
// takes, with podman's meanings. The zero value is podman's default:
// credentials from $REGISTRY_AUTH_FILE or the containers-auth.json
// defaults, certificates from /etc/containers/certs.d, TLS as
// registries.conf says, three retries, a 60 s stall timeout.
type Options struct {
	// AuthFile is a credentials file: a .dockerconfigjson / auth.json
	// ({"auths": …}), a legacy .dockercfg ({host: …}), or a Secret
	// manifest carrying either (`oc get secret -o yaml`). Empty means
	// $REGISTRY_AUTH_FILE, then the containers-auth.json defaults.
	AuthFile string
	// Creds is --creds USER:PASSWORD, used for every registry instead of
	// the auth file.
	Creds string
	// CertDir holds *.crt CA files (and client cert/key pairs) for every
	// registry; empty means /etc/containers/certs.d/HOST.
	CertDir string
	// TLSVerify is podman's three-way --tls-verify: undefined lets
	// registries.conf decide (a registry marked insecure = true is reached
	// without verification, and over plain HTTP when it speaks no TLS);
	// true verifies always; false skips verification, and allows plain
	// HTTP, for every registry.
	TLSVerify types.OptionalBool
	// RegistriesConf overrides /etc/containers/registries.conf; empty
	// means $CONTAINERS_REGISTRIES_CONF, then the system file.
	RegistriesConf string
	// RegistriesConfDir overrides /etc/containers/registries.conf.d (an
	// empty directory: no drop-ins, as with the cluster's file alone).
	RegistriesConfDir string
	// SignaturePolicy overrides /etc/containers/policy.json; with
	// neither, an accept-anything policy is used, as the cluster's build
	// pod does.
	SignaturePolicy string
	// BlobInfoCacheDir is where containers/image remembers which
	// repositories hold which blobs; empty is the default podman and
	// skopeo share.
	BlobInfoCacheDir string

	// Retry paces retries of a transient failure (5xx, 429, reset,
	// truncation, stall); the zero value is regretry's default.
	Retry regretry.Policy
	// StallTimeout ends an attempt that received (or sent) nothing for
	// this long: 0 means regretry.DefaultStallTimeout, negative never.
	StallTimeout time.Duration
	// MinRate in bytes per second: an attempt that moves less than this
	// over a whole stall window is stalled too. 0 means DefaultMinRate,
	// negative no floor.
	MinRate int64

	// Notice hears of each retry about to happen of the reads that have no
	// report writer of their own (the digest lookup, the release payload
	// read): "WHERE: CAUSE; retrying in 2s (2/3)". Nil: nobody is told.
	Notice func(msg string)

	// Warn hears of what the user should know but that does not stop the
	// work: a credentials file others can read, credentials about to go
	// to a registry over plain HTTP. Nil: nobody is told.
	Warn func(msg string)
}

// AuthFilePath is the credentials file in effect: the explicit one, else
// $REGISTRY_AUTH_FILE, else "" for the containers/image defaults.
func (o Options) AuthFilePath() string {
	if o.AuthFile != "" {
		return o.AuthFile
	}
	return os.Getenv(EnvAuthFile)
}

// RegistriesConfPath is the registries.conf in effect: the explicit one,
// else $CONTAINERS_REGISTRIES_CONF, else "" for the system file.
func (o Options) RegistriesConfPath() string {
	if o.RegistriesConf != "" {
		return o.RegistriesConf
	}
	return os.Getenv(EnvRegistriesConf)
}

// Stall is the stall timeout in effect (0: none).
func (o Options) Stall() time.Duration { return regretry.StallTimeout(o.StallTimeout) }

// Rate is the rate floor in effect (0: none).
func (o Options) Rate() int64 {
	switch {
	case o.MinRate == 0:
		return DefaultMinRate
	case o.MinRate < 0:
		return 0
	}
	return o.MinRate
}

func (o Options) warn(format string, a ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, a...))
	}
}

// RetryNotice formats retries of the operation where for o.Notice (nil
// when nobody listens).
func (o Options) RetryNotice(where string) regretry.Notice {
	if o.Notice == nil {
		return nil
	}
	return func(err error, wait time.Duration, n, of int) {
		o.Notice(fmt.Sprintf("%s: %v; retrying in %s (%d/%d)", where, Speak(err), wait, n, of))
	}
}

// SystemContext is the one place these options become containers/image's
// configuration. It checks that every named file exists, reads the
// credentials file (any of its three forms; the forms containers/image
// cannot read are handed to it as a private 0600 copy in the
// canonical form), and warns when others can read that file. Call done
// when the SystemContext is no longer used: it removes the copy.
func (o Options) SystemContext() (sys *types.SystemContext, done func(), err error) {
	done = func() {}
	sys = &types.SystemContext{
		DockerCertPath:              o.CertDir,
		SystemRegistriesConfPath:    o.RegistriesConfPath(),
		SystemRegistriesConfDirPath: o.RegistriesConfDir,
		SignaturePolicyPath:         o.SignaturePolicy,
		BlobInfoCacheDir:            o.BlobInfoCacheDir,
		DockerRegistryUserAgent:     "ocl-build",
	}
	// Undefined stays undefined: registries.conf then decides per
	// registry, as in podman. Only an explicit choice overrides it.
	switch o.TLSVerify {
	case types.OptionalBoolFalse:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
		sys.DockerDaemonInsecureSkipTLSVerify = true
	case types.OptionalBoolTrue:
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolFalse
	}
	if o.CertDir != "" {
		fi, err := os.Stat(o.CertDir)
		if err != nil {
			return nil, done, fmt.Errorf("cert-dir: %w", err)
		}
		if !fi.IsDir() {
			return nil, done, fmt.Errorf("cert-dir: %s is not a directory", o.CertDir)
		}
	}
	if p := sys.SystemRegistriesConfPath; p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, done, fmt.Errorf("registries.conf: %w", err)
		}
	}
	if o.SignaturePolicy != "" {
		if _, err := os.Stat(o.SignaturePolicy); err != nil {
			return nil, done, fmt.Errorf("signature policy: %w", err)
		}
	}
	if o.Creds != "" {
		user, pass, ok := strings.Cut(o.Creds, ":")
		if !ok || user == "" || pass == "" {
			// Never echo the value: it is (part of) a password.
			return nil, done, errors.New("--creds: want USERNAME:PASSWORD")
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
		return sys, done, nil
	}
	auth := o.AuthFilePath()
	if auth == "" {
		return sys, done, nil
	}
	fi, err := os.Stat(auth)
	if err != nil {
		return nil, done, fmt.Errorf("authfile: %w", err)
	}
	if fi.Mode().Perm()&0o044 != 0 {
		o.warn("%s can be read by other users (mode %04o): it holds registry credentials; chmod 600 it", auth, fi.Mode().Perm())
	}
	cfg, err := pullsecret.ReadFile(auth)
	if err != nil {
		return nil, done, fmt.Errorf("authfile: %w (want a .dockerconfigjson {\"auths\": …}, a legacy .dockercfg, or a Secret from `oc get secret -o yaml`)", err)
	}
	if cfg.Format == pullsecret.FormatDockerConfigJSON {
		sys.AuthFilePath = auth
		return sys, done, nil
	}
	// An owned temp dir: what a killed run leaves, prune reclaims.
	dir, err := ownedtemp.Dir("", "auth")
	if err != nil {
		return nil, done, fmt.Errorf("authfile: %w", err)
	}
	done = func() { _ = os.RemoveAll(dir) }
	p := filepath.Join(dir, "auth.json")
	if err := os.WriteFile(p, cfg.JSON(), 0o600); err != nil {
		done()
		return nil, func() {}, fmt.Errorf("authfile: %w", err)
	}
	sys.AuthFilePath = p
	return sys, done, nil
}
