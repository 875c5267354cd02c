package mco

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// LoadOSImageURLConfig reads the openshift-machine-config-operator/
// machine-config-osimageurl ConfigMap (YAML or JSON, as `oc get cm -o yaml`
// prints it). baseOSContainerImage is required; the other keys may be empty.
func LoadOSImageURLConfig(path string) (OSImageURLConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %w", err)
	}
	var cm struct {
		Kind     string                `json:"kind"`
		Metadata struct{ Name string } `json:"metadata"`
		Data     map[string]string     `json:"data"`
	}
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %s: %v", path, err)
	}
	if cm.Kind != "ConfigMap" {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %s: kind is %q, want ConfigMap (machine-config-osimageurl)", path, cm.Kind)
	}
	c := OSImageURLConfig{
		BaseOSContainerImage:           cm.Data["baseOSContainerImage"],
		BaseOSExtensionsContainerImage: cm.Data["baseOSExtensionsContainerImage"],
		OSImageURL:                     cm.Data["osImageURL"],
		ReleaseVersion:                 cm.Data["releaseVersion"],
	}
	if c.BaseOSContainerImage == "" {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %s: data.baseOSContainerImage is missing", path)
	}
	return c, nil
}
