package manifests

import (
	"fmt"
	"strings"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

// API groups and kinds ocl-build reads and writes.
const (
	MachineConfigGroup        = "machineconfiguration.openshift.io"
	MachineConfigGroupVersion = MachineConfigGroup + "/v1"
	KindMachineOSConfig       = "MachineOSConfig"
	KindMachineConfigPool     = "MachineConfigPool"
	KindMachineConfig         = "MachineConfig"
	KindSecret                = "Secret"
	KindConfigMap             = "ConfigMap"
	KindList                  = "List"
)

// MaxDocumentBytes bounds one YAML document (see kubedoc).
const MaxDocumentBytes = kubedoc.MaxDocumentBytes

// The reader's types: manifests reads through pkg/kubedoc, the one reader
// of every command.
type (
	Document   = kubedoc.Document
	InputError = kubedoc.InputError
	Pos        = kubedoc.Pos
)

// ReadFile reads every object of a YAML or JSON file (any kind; see Select).
func ReadFile(path string) ([]*Document, error) { return kubedoc.ReadFile(path) }

// ReadDocuments reads every object of data (any kind; see Select).
func ReadDocuments(file string, data []byte) ([]*Document, error) {
	return kubedoc.Parse(file, data)
}

// IsInputError reports whether err is an *InputError.
func IsInputError(err error) bool { return kubedoc.IsInputError(err) }

// pullSecretTypes are the Secret types a build's pull or push secret has.
var pullSecretTypes = map[string]bool{"kubernetes.io/dockerconfigjson": true, "kubernetes.io/dockercfg": true}

// Handles reports whether ocl-build checks the object: the
// machineconfiguration.openshift.io kinds it knows (any version: an old
// v1alpha1 MachineOSConfig is a finding that says what to change) and pull
// secrets.
func Handles(d *Document) bool {
	group, _, _ := strings.Cut(d.APIVersion, "/")
	switch {
	case (group == MachineConfigGroup || d.APIVersion == "") && (d.Kind == KindMachineOSConfig || d.Kind == KindMachineConfigPool || d.Kind == KindMachineConfig):
		return true
	case d.APIVersion == "v1" && d.Kind == KindSecret:
		t, _ := d.Object["type"].(string)
		return pullSecretTypes[t]
	}
	return false
}

// Skipped is a document a check leaves out, and why (for an info line).
type Skipped struct {
	Doc    *Document
	Reason string
}

func (s Skipped) String() string {
	return fmt.Sprintf("%s: %s %s skipped: %s", s.Doc.Where(), s.Doc.APIVersion, s.Doc.Describe(), s.Reason)
}

// Select keeps the documents Handles and says why each other one is left
// out: a dump of `oc get all -o yaml` holds ConfigMaps, Opaque Secrets and
// more that have nothing to do with the build.
func Select(docs []*Document) (keep []*Document, skipped []Skipped) {
	for _, d := range docs {
		switch {
		case Handles(d):
			keep = append(keep, d)
		case d.APIVersion == "v1" && d.Kind == KindSecret:
			t, _ := d.Object["type"].(string)
			if t == "" {
				t = "Opaque"
			}
			skipped = append(skipped, Skipped{d, fmt.Sprintf("type %s is not a pull secret (kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg)", t)})
		default:
			skipped = append(skipped, Skipped{d, "ocl-build checks " + MachineConfigGroupVersion + " MachineOSConfig, MachineConfigPool, MachineConfig and v1 pull Secrets"})
		}
	}
	return keep, skipped
}

// fromMap converts a decoded object into a typed API object.
func fromMap(m map[string]any, into any) error {
	js, err := utiljson.Marshal(m)
	if err != nil {
		return err
	}
	return utiljson.Unmarshal(js, into)
}
