package build

import (
	"fmt"
	"os"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/sigpolicy"
)

// DefaultPolicyPath is where podman and skopeo read their signature policy.
const DefaultPolicyPath = sigpolicy.DefaultPath

// RegistryOptions are the pull/push settings shared with podman's flags.
type RegistryOptions struct {
	// AuthFile is a containers-auth.json / .dockerconfigjson file, usually
	// the merged pull secret; empty means REGISTRY_AUTH_FILE, then the
	// containers/image defaults.
	AuthFile string
	// CertDir holds *.crt CA files (and client cert/key pairs) for every
	// registry; empty means /etc/containers/certs.d/<host>.
	CertDir string
	// InsecureSkipTLSVerify is --tls-verify=false (verification is on by default).
	InsecureSkipTLSVerify bool
	// RegistriesConf overrides /etc/containers/registries.conf.
	RegistriesConf string
	// RegistriesConfDir overrides /etc/containers/registries.conf.d (an
	// empty directory: no drop-ins, as with the cluster's file alone).
	RegistriesConfDir string
	// SignaturePolicy overrides /etc/containers/policy.json.
	SignaturePolicy string
}

// AuthFilePath is the credentials file in effect: the explicit one, else
// $REGISTRY_AUTH_FILE (podman's rule), else "" for the library defaults.
func (r RegistryOptions) AuthFilePath() string {
	if r.AuthFile != "" {
		return r.AuthFile
	}
	return os.Getenv("REGISTRY_AUTH_FILE")
}

// SystemContext is the containers/image view of these options.
func (r RegistryOptions) SystemContext() (*types.SystemContext, error) {
	sc := &types.SystemContext{
		AuthFilePath:                r.AuthFilePath(),
		DockerCertPath:              r.CertDir,
		SystemRegistriesConfPath:    r.RegistriesConf,
		SystemRegistriesConfDirPath: r.RegistriesConfDir,
		SignaturePolicyPath:         r.SignaturePolicy,
		DockerInsecureSkipTLSVerify: types.NewOptionalBool(r.InsecureSkipTLSVerify),
		OCIInsecureSkipTLSVerify:    r.InsecureSkipTLSVerify,
	}
	if sc.AuthFilePath != "" {
		if _, err := os.Stat(sc.AuthFilePath); err != nil {
			return nil, fmt.Errorf("authfile: %w", err)
		}
	}
	if r.CertDir != "" {
		if fi, err := os.Stat(r.CertDir); err != nil {
			return nil, fmt.Errorf("cert-dir: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("cert-dir: %s is not a directory", r.CertDir)
		}
	}
	return sc, nil
}

// policyPath returns the signature policy to use: the explicit one, else the
// system one, else an accept-anything policy written under tmp.
func policyPath(explicit, tmp string) (string, error) {
	return sigpolicy.Path(explicit, tmp)
}
