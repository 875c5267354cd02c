package mco

import (
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// Labels and annotations the build controller puts on a MachineOSBuild
// (pkg/controller/build/constants/constants.go; the same keys on
// release-4.19 … main).
const (
	LabelTargetPool                = "machineconfiguration.openshift.io/target-machine-config-pool"
	LabelRenderedMachineConfig     = "machineconfiguration.openshift.io/rendered-machine-config"
	LabelMachineOSConfig           = "machineconfiguration.openshift.io/machine-os-config"
	AnnotationRenderedImagePushSec = "machineconfiguration.openshift.io/rendered-image-push-secret"
	// GeneratedByControllerAnnotation is on every rendered MachineConfig;
	// from 4.22 a MachineOSBuild is not named without it.
	GeneratedByControllerAnnotation = "machineconfiguration.openshift.io/generated-by-controller-version"
)

// MachineOSBuildInputs are the cluster objects the build controller names a
// MachineOSBuild from.
type MachineOSBuildInputs struct {
	MachineOSConfig *mcfgv1.MachineOSConfig
	Pool            *mcfgv1.MachineConfigPool
	// Rendered is the pool's rendered MachineConfig (the one its
	// spec.configuration names): hashed from 4.22, needed there only.
	Rendered *mcfgv1.MachineConfig
	// OSImageURL is the machine-config-osimageurl ConfigMap: hashed up to
	// 4.21, needed there only.
	OSImageURL *OSImageURLConfig
}

// ErrNoMachineOSBuild wraps the reasons the build controller refuses to
// name a MachineOSBuild (it then creates none and reports the error).
var ErrNoMachineOSBuild = errors.New("the build controller creates no MachineOSBuild")

// PredictMachineOSBuild is the MachineOSBuild version p's build controller
// creates for in (NewMachineOSBuild in
// pkg/controller/build/buildrequest/machineosbuild.go): named
// <MachineOSConfig>-<hash> with p's hash inputs (MOSBHashImages), the image
// tag that name, the labels and the push-secret annotation. Where the
// operator's validateForHash refuses the inputs, the error wraps
// ErrNoMachineOSBuild and says why: up to 4.21 the ConfigMap is missing;
// from 4.22 the rendered MachineConfig is missing, not named rendered-…, or
// lacks its release-image-version or generated-by-controller-version
// annotation (release-4.22 validateMachineConfig); on every version the
// pool is not the MachineOSConfig's.
//
// From 4.20 a change that does not rebuild (Profile.Rebuilds) still gets a
// MachineOSBuild of this name, but the build controller fills its status
// with the previous build's image instead of building
// (reuseImageForNewMOSB, release-4.20+ reconciler.go): the name changes,
// the image does not. A rebuild asked with the MachineOSConfig's
// machineconfiguration.openshift.io/rebuild annotation deletes and
// re-creates the MachineOSBuild under the same name on every version
// (reconciler.go, release-4.19 and release-4.22 createNewMachineOSBuildForRebuild).
func PredictMachineOSBuild(p ocpversion.Profile, in MachineOSBuildInputs) (*mcfgv1.MachineOSBuild, error) {
	if err := validateForHash(p, in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoMachineOSBuild, err)
	}
	var cm OSImageURLConfig
	if in.OSImageURL != nil {
		cm = *in.OSImageURL
	}
	name, err := ImageTag(in.MachineOSConfig.Name, in.Pool.Spec.Configuration, in.MachineOSConfig.Spec, MOSBHashImages(p, in.Rendered, cm))
	if err != nil {
		return nil, err
	}
	named, err := reference.ParseNamed(string(in.MachineOSConfig.Spec.RenderedImagePushSpec))
	if err != nil {
		return nil, fmt.Errorf("%w: MachineOSConfig %s: spec.renderedImagePushSpec: %v", ErrNoMachineOSBuild, in.MachineOSConfig.Name, err)
	}
	tagged, err := reference.WithTag(named, name)
	if err != nil {
		return nil, fmt.Errorf("MachineOSBuild %s: %w", name, err)
	}
	return &mcfgv1.MachineOSBuild{
		TypeMeta: metav1.TypeMeta{Kind: "MachineOSBuild", APIVersion: mcfgv1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				LabelTargetPool:            in.Pool.Name,
				LabelRenderedMachineConfig: in.Pool.Spec.Configuration.Name,
				LabelMachineOSConfig:       in.MachineOSConfig.Name,
			},
			Annotations: map[string]string{AnnotationRenderedImagePushSec: in.MachineOSConfig.Spec.RenderedImagePushSecret.Name},
		},
		Spec: mcfgv1.MachineOSBuildSpec{
			RenderedImagePushSpec: mcfgv1.ImageTagFormat(tagged.String()),
			MachineConfig:         mcfgv1.MachineConfigReference{Name: in.Pool.Spec.Configuration.Name},
			MachineOSConfig:       mcfgv1.MachineOSConfigReference{Name: in.MachineOSConfig.Name},
		},
	}, nil
}

// MachineOSBuildName is the name PredictMachineOSBuild gives.
func MachineOSBuildName(p ocpversion.Profile, in MachineOSBuildInputs) (string, error) {
	b, err := PredictMachineOSBuild(p, in)
	if err != nil {
		return "", err
	}
	return b.Name, nil
}

// validateForHash mirrors the operator's checks before it hashes.
func validateForHash(p ocpversion.Profile, in MachineOSBuildInputs) error {
	if in.MachineOSConfig == nil {
		return errors.New("no MachineOSConfig")
	}
	if in.Pool == nil {
		return errors.New("no MachineConfigPool")
	}
	if in.Pool.Name != in.MachineOSConfig.Spec.MachineConfigPool.Name {
		return fmt.Errorf("MachineOSConfig %s names pool %q, not %q", in.MachineOSConfig.Name, in.MachineOSConfig.Spec.MachineConfigPool.Name, in.Pool.Name)
	}
	if !p.MOSBHashFromRenderedMachineConfig {
		if in.OSImageURL == nil {
			return fmt.Errorf("OpenShift %s hashes the machine-config-osimageurl ConfigMap, which is missing", p.Version)
		}
		return nil
	}
	mc := in.Rendered
	if mc == nil {
		return fmt.Errorf("OpenShift %s hashes the pool's rendered MachineConfig %s, which is missing", p.Version, in.Pool.Spec.Configuration.Name)
	}
	if !strings.HasPrefix(mc.Name, "rendered-") {
		return fmt.Errorf("MachineConfig %q is not a rendered MachineConfig", mc.Name)
	}
	for _, a := range []string{ReleaseImageVersionAnnotation, GeneratedByControllerAnnotation} {
		if mc.Annotations[a] == "" {
			return fmt.Errorf("rendered MachineConfig %s has no %s annotation (OpenShift %s requires it to name the build)", mc.Name, a, p.Version)
		}
	}
	return nil
}
