package cluster

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// FieldManager is the server-side apply field manager of ocl-build.
const FieldManager = "ocl-build"

// Applicable is one object read for apply, with where it came from.
type Applicable struct {
	Obj   *unstructured.Unstructured
	Where string // file (and document number)
}

var applyKinds = map[string]struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	order      int
}{
	"v1/Secret":    {schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, true, 0},
	"v1/ConfigMap": {schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, true, 0},
	"machineconfiguration.openshift.io/v1/MachineConfig":     {GVRMachineConfig, false, 1},
	"machineconfiguration.openshift.io/v1/MachineConfigPool": {GVRMachineConfigPool, false, 2},
	"machineconfiguration.openshift.io/v1/MachineOSConfig":   {GVRMachineOSConfig, false, 3},
}

// operatorAnnotations are the operator's own: writing them would trigger
// or fake a build.
var operatorAnnotations = []string{AnnotationRebuild, AnnotationCurrentBuild}

// ReadApplicable reads the objects of YAML/JSON files and directories
// (*.yaml, *.yml, *.json; multi-document, `kind: List`), in the order the
// cluster needs them: Secrets and ConfigMaps, MachineConfigs, pools, then
// MachineOSConfigs. It refuses kinds ocl-build does not write, objects
// carrying the operator-managed annotations, and Secrets without a
// namespace get openshift-machine-config-operator (where the operator looks).
func ReadApplicable(paths []string) ([]Applicable, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []Applicable
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for doc := 1; ; doc++ {
			var m map[string]any
			if err := r.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", f, doc, err)
			}
			if m == nil {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			where := fmt.Sprintf("%s (document %d)", f, doc)
			if u.IsList() {
				l, err := u.ToList()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				for i := range l.Items {
					a, err := checkApplicable(&l.Items[i], fmt.Sprintf("%s items[%d]", where, i))
					if err != nil {
						return nil, err
					}
					out = append(out, a)
				}
				continue
			}
			a, err := checkApplicable(u, where)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return applyKinds[kindKey(out[i].Obj)].order < applyKinds[kindKey(out[j].Obj)].order
	})
	return out, nil
}

func kindKey(u *unstructured.Unstructured) string { return u.GetAPIVersion() + "/" + u.GetKind() }

func checkApplicable(u *unstructured.Unstructured, where string) (Applicable, error) {
	k, ok := applyKinds[kindKey(u)]
	if !ok {
		return Applicable{}, fmt.Errorf("%s: %s %q: ocl-build applies only Secrets, ConfigMaps, MachineConfigs, MachineConfigPools and MachineOSConfigs", where, kindKey(u), u.GetName())
	}
	if u.GetName() == "" {
		return Applicable{}, fmt.Errorf("%s: %s without metadata.name", where, u.GetKind())
	}
	for _, a := range operatorAnnotations {
		if _, ok := u.GetAnnotations()[a]; ok {
			return Applicable{}, fmt.Errorf("%s: %s %s carries the annotation %s, which only the Machine Config Operator sets: remove it from the file", where, u.GetKind(), u.GetName(), a)
		}
	}
	if k.namespaced && u.GetNamespace() == "" {
		u.SetNamespace(MCONamespace)
	}
	if !k.namespaced {
		u.SetNamespace("")
	}
	// Server-set fields must not be applied back.
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	delete(u.Object, "status")
	return Applicable{Obj: u, Where: where}, nil
}

// ApplyResult is what apply did (or, dry, would do) to one object.
type ApplyResult struct {
	Kind, Namespace, Name string
	// Action is created, configured or unchanged.
	Action string
	// Diff is a unified diff of the live object against the applied one
	// (Secret data redacted); empty when unchanged.
	Diff string
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	DryRun bool // --dry-run=server: the API server validates and defaults, nothing is stored
	Force  bool // take over fields another manager owns
}

// Apply server-side applies each object in order, as field manager
// ocl-build. Each result carries the diff against the live object.
func (c *Client) Apply(ctx context.Context, objs []Applicable, o ApplyOptions) ([]ApplyResult, error) {
	var out []ApplyResult
	for _, a := range objs {
		k := applyKinds[kindKey(a.Obj)]
		var ri dynamic.ResourceInterface = c.Dynamic.Resource(k.gvr)
		if k.namespaced {
			ri = c.Dynamic.Resource(k.gvr).Namespace(a.Obj.GetNamespace())
		}
		r := request{resource: resourceName(k.gvr), namespace: a.Obj.GetNamespace(), name: a.Obj.GetName()}
		var live *unstructured.Unstructured
		r.verb = "get"
		err := c.do(ctx, r, func(ctx context.Context) (err error) {
			live, err = ri.Get(ctx, a.Obj.GetName(), metav1.GetOptions{})
			return err
		})
		if apierrors.IsNotFound(unwrapAPI(err)) {
			live, err = nil, nil
		}
		if err != nil {
			return out, err
		}
		body, err := json.Marshal(a.Obj.Object)
		if err != nil {
			return out, err
		}
		po := metav1.PatchOptions{FieldManager: FieldManager, Force: &o.Force}
		if o.DryRun {
			po.DryRun = []string{metav1.DryRunAll}
		}
		var applied *unstructured.Unstructured
		r.verb = "patch"
		err = c.do(ctx, r, func(ctx context.Context) (err error) {
			applied, err = ri.Patch(ctx, a.Obj.GetName(), types.ApplyPatchType, body, po)
			return err
		})
		if err != nil {
			if apierrors.IsConflict(unwrapAPI(err)) {
				return out, fmt.Errorf("%s: %w (another field manager owns these fields; --force-conflicts takes them over)", a.Where, err)
			}
			return out, fmt.Errorf("%s: %w", a.Where, err)
		}
		res := ApplyResult{Kind: a.Obj.GetKind(), Namespace: a.Obj.GetNamespace(), Name: a.Obj.GetName()}
		before, after := comparable(live), comparable(applied)
		switch {
		case live == nil:
			res.Action = "created"
		case before == after:
			res.Action = "unchanged"
		default:
			res.Action = "configured"
		}
		if before != after {
			res.Diff, _ = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
				A: difflib.SplitLines(before), B: difflib.SplitLines(after),
				FromFile: "live/" + res.Kind + "/" + res.Name, ToFile: "applied/" + res.Kind + "/" + res.Name, Context: 3,
			})
		}
		out = append(out, res)
	}
	return out, nil
}

// comparable is the object as YAML without server bookkeeping and with
// Secret values redacted, so diffs show what changes and never a credential.
func comparable(u *unstructured.Unstructured) string {
	if u == nil {
		return ""
	}
	u = u.DeepCopy()
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	delete(u.Object, "status")
	if u.GetKind() == "Secret" {
		for _, field := range []string{"data", "stringData"} {
			m, ok := u.Object[field].(map[string]any)
			if !ok {
				continue
			}
			red := map[string]any{}
			for k, v := range m {
				s, _ := v.(string)
				red[k] = fmt.Sprintf("(redacted, %d bytes, fingerprint %s)", len(s), fingerprint(s))
			}
			u.Object[field] = red
		}
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		return ""
	}
	return string(b)
}

// fingerprintKey is random per process: a fingerprint tells whether a
// Secret value changed between the live and the applied object of one run,
// and nothing that could be matched against a guess later.
var fingerprintKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

func fingerprint(s string) string {
	m := hmac.New(sha256.New, fingerprintKey)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))[:8]
}
