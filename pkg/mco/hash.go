package mco

import (
	"github.com/ocl-build/ocl-build/pkg/manifests"

	"crypto/md5" //nolint:gosec // the operator's naming scheme, not a security control
	"fmt"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// nameSalt is the fixed 80-byte salt the operator prepends before hashing
// for rendered MachineConfig names and MachineOSBuild names. It is part of the
// naming contract: without the same bytes the names cannot match a cluster's.
var nameSalt = []byte{
	16, 124, 206, 228, 139, 56, 175, 175, 79, 229, 134, 118, 157, 154, 211, 110,
	25, 93, 47, 253, 172, 106, 37, 7, 174, 13, 160, 185, 110, 17, 87, 52,
	219, 131, 12, 206, 218, 141, 116, 135, 188, 181, 192, 151, 233, 62, 126, 165,
	64, 83, 179, 119, 15, 168, 208, 197, 146, 107, 58, 227, 133, 188, 238, 26,
	33, 26, 235, 202, 32, 173, 31, 234, 41, 144, 148, 79, 6, 206, 23, 22,
}

// saltedMD5 hashes the salt followed by the YAML of each object, the
// operator's recipe (ghodss/yaml, which sigs.k8s.io/yaml continues: JSON
// field names, keys sorted).
func saltedMD5(objs ...any) (string, error) {
	h := md5.New() //nolint:gosec
	h.Write(nameSalt)
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// RenderedName is the name the render controller gives a pool's merged
// config: rendered-<pool>-<md5(salt, yaml(spec))>. It matches the cluster's
// name when the same MachineConfigs and base images go in.
func RenderedName(poolName string, spec mcfgv1.MachineConfigSpec) (string, error) {
	h, err := saltedMD5(spec)
	if err != nil {
		return "", fmt.Errorf("hash rendered MachineConfig: %w", err)
	}
	return fmt.Sprintf("rendered-%s-%s", poolName, h), nil
}

// PoolConfiguration is what the render controller writes to the pool's
// spec.configuration: the rendered name and a reference to every source
// MachineConfig, in merge order (the operator's merge reorders the very slice
// it later records).
func PoolConfiguration(renderedName string, merged []*mcfgv1.MachineConfig) mcfgv1.MachineConfigPoolStatusConfiguration {
	src := []corev1.ObjectReference{}
	for _, c := range merged {
		src = append(src, corev1.ObjectReference{Kind: "MachineConfig", Name: c.Name, APIVersion: manifests.MachineConfigGroupVersion})
	}
	return mcfgv1.MachineConfigPoolStatusConfiguration{
		ObjectReference: corev1.ObjectReference{Name: renderedName},
		Source:          src,
	}
}

// OSImageURLConfig mirrors the machine-config-osimageurl ConfigMap. The Go
// field names matter: the operator hashes this struct, which has no JSON
// tags, so its YAML keys are the field names.
type OSImageURLConfig struct {
	BaseOSContainerImage           string
	BaseOSExtensionsContainerImage string
	OSImageURL                     string
	ReleaseVersion                 string
}

// ImageTag is the tag the build controller gives the image it pushes:
// <MachineOSConfig name>-<md5(salt, yaml(pool spec.configuration),
// yaml(MachineOSConfig spec), yaml(osimageurl config))>, which is also the
// MachineOSBuild's name. osImages is what the version hashes (see
// MOSBHashImages: the ConfigMap up to 4.21, the rendered MachineConfig's
// images from 4.22). It only equals the cluster's tag when every input
// equals the cluster's copy, including fields the API server defaults in the
// MachineOSConfig spec.
func ImageTag(moscName string, poolConfig mcfgv1.MachineConfigPoolStatusConfiguration, moscSpec mcfgv1.MachineOSConfigSpec, osImages OSImageURLConfig) (string, error) {
	h, err := saltedMD5(poolConfig, moscSpec, osImages)
	if err != nil {
		return "", fmt.Errorf("hash image tag: %w", err)
	}
	return moscName + "-" + h, nil
}

// MOSBHashImages is the image part of the MachineOSBuild name hash for
// version p. Up to 4.21 it is the machine-config-osimageurl ConfigMap as
// given (cm). From 4.22 (buildrequest/machineosbuild.go objectsForHash) it
// comes from the rendered MachineConfig: its osImageURL and
// baseOSExtensionsContainerImage, OSImageURL left blank, and the release
// version from its release-image-version annotation.
func MOSBHashImages(p ocpversion.Profile, rendered *mcfgv1.MachineConfig, cm OSImageURLConfig) OSImageURLConfig {
	if !p.MOSBHashFromRenderedMachineConfig {
		return cm
	}
	return OSImageURLConfig{
		BaseOSContainerImage:           rendered.Spec.OSImageURL,
		BaseOSExtensionsContainerImage: rendered.Spec.BaseOSExtensionsContainerImage,
		ReleaseVersion:                 rendered.Annotations[ReleaseImageVersionAnnotation],
	}
}
