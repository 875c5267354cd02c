package sigpolicy

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/containers/image/v5/signature"
)

// DefaultPath is where podman and skopeo read their signature policy.
const DefaultPath = "/etc/containers/policy.json"

// InsecureAcceptAnything accepts every image: what a machine without a
// policy.json gets, since the cluster's build pod does not verify
// signatures either. The content is the policy.json containers-common
// ships; the docker-daemon entry changes nothing over the default but keeps
// the file identical to what podman users already have.
const InsecureAcceptAnything = `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}}` + "\n"

// Path returns the signature policy to use: explicit if given (it must
// exist), else DefaultPath if present, else InsecureAcceptAnything written
// 0600 as policy.json under tmp, which the caller owns and removes.
func Path(explicit, tmp string) (string, error) {
	return pathWithDefault(explicit, DefaultPath, tmp)
}

// pathWithDefault is Path with the system location as a parameter, so the
// fallback can be tested on machines that do have /etc/containers/policy.json.
func pathWithDefault(explicit, system, tmp string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("signature policy: %w", err)
		}
		return explicit, nil
	}
	if _, err := os.Stat(system); err == nil {
		return system, nil
	}
	p := filepath.Join(tmp, "policy.json")
	if err := os.WriteFile(p, []byte(InsecureAcceptAnything), 0o600); err != nil {
		return "", fmt.Errorf("signature policy: %w", err)
	}
	return p, nil
}

// Context loads the policy file at path (one Path returned) into the policy
// context copy.Image checks images against; the caller destroys it.
func Context(path string) (*signature.PolicyContext, error) {
	pol, err := signature.NewPolicyFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("signature policy %s: %w", path, err)
	}
	pc, err := signature.NewPolicyContext(pol)
	if err != nil {
		return nil, fmt.Errorf("signature policy %s: %w", path, err)
	}
	return pc, nil
}
