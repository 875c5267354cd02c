package mco

import (
	"fmt"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

// OSImageURLConfigMapName is the ConfigMap (in
// openshift-machine-config-operator) that names the base images.
const OSImageURLConfigMapName = "machine-config-osimageurl"

// LoadOSImageURLConfig reads the openshift-machine-config-operator/
// machine-config-osimageurl ConfigMap (YAML or JSON, as `oc get cm -o yaml`
// prints it, also inside a List or a dump of several objects).
// baseOSContainerImage is required; the other keys may be empty. Callers
// that read standard input use a kubedoc.Reader and OSImageURLFromDocuments.
func LoadOSImageURLConfig(path string) (OSImageURLConfig, error) {
	docs, err := kubedoc.ReadAll(nil, path)
	if err != nil {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %w", err)
	}
	return OSImageURLFromDocuments(docs)
}

// OSImageURLFromDocuments picks the machine-config-osimageurl ConfigMap
// among docs: the one of that name, else the only ConfigMap.
func OSImageURLFromDocuments(docs []*kubedoc.Document) (OSImageURLConfig, error) {
	var cms []*kubedoc.Document
	var pick *kubedoc.Document
	for _, d := range docs {
		if d.Kind == "ConfigMap" && d.APIVersion == "v1" {
			cms = append(cms, d)
			if d.Name == OSImageURLConfigMapName {
				pick = d
			}
		}
	}
	if pick == nil && len(cms) == 1 {
		pick = cms[0]
	}
	if pick == nil {
		d := docs[0]
		if len(cms) > 1 {
			return OSImageURLConfig{}, fmt.Errorf("osimageurl: %s: %d ConfigMaps and none is named %s", d.File, len(cms), OSImageURLConfigMapName)
		}
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %s: kind is %q, want ConfigMap (%s)", d.Where(), d.Kind, OSImageURLConfigMapName)
	}
	data, err := pick.Data()
	if err != nil {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %w", err)
	}
	c := OSImageURLConfig{
		BaseOSContainerImage:           data.String("baseOSContainerImage"),
		BaseOSExtensionsContainerImage: data.String("baseOSExtensionsContainerImage"),
		OSImageURL:                     data.String("osImageURL"),
		ReleaseVersion:                 data.String("releaseVersion"),
	}
	if _, err := data.Require("baseOSContainerImage"); err != nil {
		return OSImageURLConfig{}, fmt.Errorf("osimageurl: %w", err)
	}
	return c, nil
}
