package build

import (
	"errors"

	nettypes "github.com/containers/common/libnetwork/types"
)

// hostNetwork satisfies buildah's network interface without netavark or CNI
// plugins: every RUN shares the host's network namespace (as the cluster's
// build pod does for dnf), so no network is ever set up. Any attempt to set
// one up is a bug and says so.
type hostNetwork struct{}

var errNoNetwork = errors.New("ocl-build runs every RUN in the host network; private networks are not supported")

func (hostNetwork) NetworkCreate(nettypes.Network, *nettypes.NetworkCreateOptions) (nettypes.Network, error) {
	return nettypes.Network{}, errNoNetwork
}
func (hostNetwork) NetworkUpdate(string, nettypes.NetworkUpdateOptions) error { return errNoNetwork }
func (hostNetwork) NetworkRemove(string) error                                { return errNoNetwork }
func (hostNetwork) NetworkList(...nettypes.FilterFunc) ([]nettypes.Network, error) {
	return nil, nil
}
func (hostNetwork) NetworkInspect(string) (nettypes.Network, error) {
	return nettypes.Network{}, errNoNetwork
}
func (hostNetwork) Setup(string, nettypes.SetupOptions) (map[string]nettypes.StatusBlock, error) {
	return nil, errNoNetwork
}
func (hostNetwork) Teardown(string, nettypes.TeardownOptions) error { return nil }
func (hostNetwork) RunInRootlessNetns(func() error) error           { return errNoNetwork }
func (hostNetwork) RootlessNetnsInfo() (*nettypes.RootlessNetnsInfo, error) {
	return nil, errNoNetwork
}
func (hostNetwork) Drivers() []string          { return nil }
func (hostNetwork) DefaultNetworkName() string { return "host" }
func (hostNetwork) NetworkInfo() nettypes.NetworkInfo {
	return nettypes.NetworkInfo{Backend: "host"}
}
