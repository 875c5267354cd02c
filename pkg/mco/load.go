package mco

import (
	"fmt"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Manifests are the machineconfiguration objects found in a set of files.
type Manifests struct {
	MachineConfigs     []*mcfgv1.MachineConfig
	MachineConfigPools []*mcfgv1.MachineConfigPool
	MachineOSConfigs   []*mcfgv1.MachineOSConfig
	// Source maps "Kind/name" to "file:line" of the document it came from,
	// so later errors can point back at the input.
	Source map[string]string
}

// LoadMachineConfigs reads MachineConfigs and MachineConfigPools from files
// and directories (*.yaml, *.yml, *.json, recursively, in lexical order).
// Files may hold several YAML documents and `kind: List` wrappers, as
// `oc get mc -o yaml` prints. Other kinds are ignored. Each MachineConfig's
// Ignition config is validated; errors name the file, line and object.
func LoadMachineConfigs(paths []string) ([]*mcfgv1.MachineConfig, []*mcfgv1.MachineConfigPool, error) {
	m, err := LoadManifests(paths)
	if err != nil {
		return nil, nil, err
	}
	return m.MachineConfigs, m.MachineConfigPools, nil
}

// LoadManifests is LoadMachineConfigs that also keeps MachineOSConfigs
// (with the CRD's defaults applied, see manifests.Load).
func LoadManifests(paths []string) (*Manifests, error) {
	docs, err := kubedoc.ReadAll(nil, paths...)
	if err != nil {
		return nil, err
	}
	return FromDocuments(docs)
}

// FromDocuments is LoadManifests for documents already read (from files,
// standard input or a cluster; see pkg/kubedoc).
func FromDocuments(docs []*kubedoc.Document) (*Manifests, error) {
	o, err := manifests.Load(docs)
	if err != nil {
		return nil, err
	}
	m := &Manifests{MachineConfigs: o.MachineConfigs, MachineConfigPools: o.MachineConfigPools, MachineOSConfigs: o.MachineOSConfigs, Source: map[string]string{}}
	for k, d := range o.Source {
		m.Source[k] = d.Where()
	}
	for _, mc := range m.MachineConfigs {
		if err := ValidateMachineConfig(mc); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Source["MachineConfig/"+mc.Name], err)
		}
	}
	return m, nil
}

// PoolOSImageStream is the pool's spec.osImageStream.name as loaded by
// LoadManifests ("" for none, or a nil pool).
func PoolOSImageStream(p *mcfgv1.MachineConfigPool) string {
	if p == nil {
		return ""
	}
	return p.Annotations[manifests.OSImageStreamAnnotation]
}

// UserContainerfile returns the content the build uses from a
// MachineOSConfig: the NoArch entry only (OCL302's check, rules.CheckNoArch;
// an entry without containerfileArch is NoArch once the CRD's defaults are
// applied, as every loader here does); arch-specific entries are ignored by
// the operator, so they are ignored here too. With no entries at all the
// content is empty and ok is true.
func UserContainerfile(mosc *mcfgv1.MachineOSConfig) (content string, ok bool) {
	var archs []string
	for _, cf := range mosc.Spec.Containerfile {
		archs = append(archs, string(cf.ContainerfileArch))
	}
	i, msg := rules.CheckNoArch(archs)
	if i < 0 {
		return "", msg == ""
	}
	return mosc.Spec.Containerfile[i].Content, true
}
