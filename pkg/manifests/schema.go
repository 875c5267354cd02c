package manifests

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/common"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// Validator checks custom resources the way the API server does on create
// (`oc apply --dry-run=server`), offline: pruning of unknown fields, metadata
// coercion, defaulting, the OpenAPI schema and the x-kubernetes-validations
// CEL rules of the CRD manifests.
type Validator struct {
	kinds map[schema.GroupVersionKind]*crdVersion
}

type crdVersion struct {
	crdName    string
	gvk        schema.GroupVersionKind
	namespaced bool
	hasStatus  bool // status subresource: the main endpoint ignores .status
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	// statusSchema validates .status alone (status subresource updates).
	statusSchema apiservervalidation.SchemaValidator
	cel          *cel.Validator
}

// Result is what the API server would store, and why it would refuse it.
type Result struct {
	// Object is the pruned and defaulted object (nil if the kind is unknown).
	Object map[string]any
	// Errors are the field errors the API server would answer with; each
	// names the field path and carries the CRD's own message.
	Errors field.ErrorList
	// UnknownFields are paths the server prunes; with `oc apply`'s default
	// strict field validation they are refused.
	UnknownFields []string
	// DroppedStatus is true when the object carried a status, which the
	// server ignores on create (it belongs to the status subresource).
	DroppedStatus bool
}

// GeneratedNameSuffix stands in for the random suffix the API server appends
// to metadata.generateName.
const GeneratedNameSuffix = "x0000"

// crdManifests returns the embedded CRD manifests, one per file.
func crdManifests() ([][]byte, error) {
	entries, err := fs.ReadDir(crdFS, "crds")
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	for _, e := range entries {
		b, err := fs.ReadFile(crdFS, "crds/"+e.Name())
		if err != nil {
			return nil, err
		}
		docs = append(docs, b)
	}
	return docs, nil
}

// crdVariant names one set of CRDs a cluster serves; the Validators are
// built once per variant.
type crdVariant struct {
	moscNameMatchesPool bool
}

var (
	validatorsMu sync.Mutex
	validators   = map[crdVariant]*Validator{}
)

// DefaultValidator returns the validator for the CRDs embedded from
// github.com/openshift/api (MachineOSConfig, MachineConfigPool,
// MachineConfig): those of the newest OpenShift version. It is built once
// and safe for concurrent use.
func DefaultValidator() (*Validator, error) {
	return ValidatorFor(ocpversion.MustLookup(ocpversion.Newest().String()))
}

// ValidatorFor returns the validator of the CRDs the given OpenShift
// version serves. Built once per variant; safe for concurrent use.
//
// The embedded manifests are openshift/api's current ones, which hold the
// MachineOSConfig rule "name must match the referenced MachineConfigPool"
// (in the operator's vendored CRD from release-4.21 on). The 4.19 and 4.20
// CRDs (vendor/github.com/openshift/api/machineconfiguration/v1/
// zz_generated.crd-manifests/0000_80_machine-config_01_machineosconfigs.crd.yaml
// of release-4.19/4.20) are the same schema without that rule, so for those
// versions the rule is removed here, programmatically, rather than carrying
// a second copy of the CRD.
func ValidatorFor(p ocpversion.Profile) (*Validator, error) {
	key := crdVariant{moscNameMatchesPool: p.MOSCNameMustMatchPool}
	validatorsMu.Lock()
	defer validatorsMu.Unlock()
	if v, ok := validators[key]; ok {
		return v, nil
	}
	docs, err := crdManifests()
	if err != nil {
		return nil, err
	}
	crds, err := readCRDs(docs)
	if err != nil {
		return nil, err
	}
	if !key.moscNameMatchesPool {
		removed := 0
		for _, crd := range crds {
			if crd.Spec.Names.Kind == KindMachineOSConfig {
				for i := range crd.Spec.Versions {
					removed += dropRule(crd.Spec.Versions[i].Schema, isNameMatchesPoolRule)
				}
			}
		}
		if removed == 0 {
			return nil, fmt.Errorf("embedded MachineOSConfig CRD: the name/pool rule to remove for OpenShift %s is not there (the CRDs changed: update ValidatorFor)", p.Version)
		}
	}
	v, err := newValidator(crds)
	if err != nil {
		return nil, err
	}
	validators[key] = v
	return v, nil
}

// isNameMatchesPoolRule recognises the MachineOSConfig CEL rule that ties
// metadata.name to spec.machineConfigPool.name.
func isNameMatchesPoolRule(r apiextensionsv1.ValidationRule) bool {
	return strings.Contains(r.Rule, "self.metadata.name == self.spec.machineConfigPool.name")
}

// dropRule removes the matching x-kubernetes-validations rules from the
// top level of a version's schema (where object-wide rules live) and
// returns how many it removed.
func dropRule(s *apiextensionsv1.CustomResourceValidation, match func(apiextensionsv1.ValidationRule) bool) int {
	if s == nil || s.OpenAPIV3Schema == nil {
		return 0
	}
	var keep apiextensionsv1.ValidationRules
	n := 0
	for _, r := range s.OpenAPIV3Schema.XValidations {
		if match(r) {
			n++
			continue
		}
		keep = append(keep, r)
	}
	s.OpenAPIV3Schema.XValidations = keep
	return n
}

// NewValidator builds a validator from CustomResourceDefinition manifests
// (apiextensions.k8s.io/v1 YAML or JSON), one per argument.
func NewValidator(crdManifests ...[]byte) (*Validator, error) {
	crds, err := readCRDs(crdManifests)
	if err != nil {
		return nil, err
	}
	return newValidator(crds)
}

func readCRDs(manifests [][]byte) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, m := range manifests {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(m, &crd); err != nil {
			return nil, fmt.Errorf("read CRD manifest: %w", err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("read CRD manifest: kind %q is not CustomResourceDefinition", crd.Kind)
		}
		out = append(out, &crd)
	}
	return out, nil
}

func newValidator(crds []*apiextensionsv1.CustomResourceDefinition) (*Validator, error) {
	v := &Validator{kinds: map[schema.GroupVersionKind]*crdVersion{}}
	for _, crd := range crds {
		for i := range crd.Spec.Versions {
			cv, err := compileVersion(crd, &crd.Spec.Versions[i])
			if err != nil {
				return nil, fmt.Errorf("CRD %s version %s: %w", crd.Name, crd.Spec.Versions[i].Name, err)
			}
			v.kinds[cv.gvk] = cv
		}
	}
	return v, nil
}

// Default returns a copy of obj with the CRD's structural defaults applied,
// as the API server applies them when it decodes a request (a
// MachineOSConfig containerFile entry without containerfileArch becomes
// NoArch). Objects of kinds the validator does not know come back as an
// unchanged copy. Nothing is pruned or validated.
func (v *Validator) Default(obj map[string]any) map[string]any {
	out := runtime.DeepCopyJSON(obj)
	gv, err := schema.ParseGroupVersion(fmt.Sprint(out["apiVersion"]))
	if err != nil {
		return out
	}
	kind, _ := out["kind"].(string)
	if cv, ok := v.kinds[gv.WithKind(kind)]; ok {
		structuraldefaulting.Default(out, cv.structural)
	}
	return out
}

func compileVersion(crd *apiextensionsv1.CustomResourceDefinition, ver *apiextensionsv1.CustomResourceDefinitionVersion) (*crdVersion, error) {
	if ver.Schema == nil || ver.Schema.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("no openAPIV3Schema")
	}
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(ver.Schema.OpenAPIV3Schema, internal, nil); err != nil {
		return nil, fmt.Errorf("convert schema: %w", err)
	}
	ss, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("structural schema: %w", err)
	}
	if errs := structuralschema.ValidateStructural(nil, ss); len(errs) > 0 {
		return nil, fmt.Errorf("structural schema: %v", errs.ToAggregate())
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, fmt.Errorf("schema validator: %w", err)
	}
	var statusSV apiservervalidation.SchemaValidator
	if st, ok := internal.Properties["status"]; ok {
		if statusSV, _, err = apiservervalidation.NewSchemaValidator(&st); err != nil {
			return nil, fmt.Errorf("status schema validator: %w", err)
		}
	}
	return &crdVersion{
		statusSchema: statusSV,
		crdName:      crd.Name,
		gvk:          schema.GroupVersionKind{Group: crd.Spec.Group, Version: ver.Name, Kind: crd.Spec.Names.Kind},
		namespaced:   crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		hasStatus:    ver.Subresources != nil && ver.Subresources.Status != nil,
		structural:   ss,
		schema:       sv,
		cel:          cel.NewValidator(ss, true, celconfig.PerCallLimit),
	}, nil
}

// Knows reports whether the validator has a CRD for apiVersion/kind.
func (v *Validator) Knows(apiVersion, kind string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	_, ok := v.kinds[gv.WithKind(kind)]
	return ok
}

// Kinds lists the apiVersion/kind pairs the validator knows, sorted.
func (v *Validator) Kinds() []string {
	var out []string
	for gvk := range v.kinds {
		out = append(out, gvk.GroupVersion().String()+" "+gvk.Kind)
	}
	sort.Strings(out)
	return out
}

// Validate runs obj through the same steps as the API server's create path
// for a custom resource. obj is not modified. Numbers in obj must be int64 or
// float64 (as k8s.io/apimachinery/pkg/util/json decodes them).
func (v *Validator) Validate(obj map[string]any) (res Result, err error) {
	cv, u, err := v.decode(obj, &res)
	if err != nil || u == nil {
		return res, err
	}
	// The server names an object from generateName before validating it.
	if u.GetName() == "" && u.GetGenerateName() != "" {
		u.SetName(u.GetGenerateName() + GeneratedNameSuffix)
	}
	// With a status subresource, create stores no status (PrepareForCreate).
	if cv.hasStatus {
		if _, ok := u.Object["status"]; ok {
			delete(u.Object, "status")
			res.DroppedStatus = true
		}
	}
	res.Object = u.Object

	// Validation path, in the order of the customresource strategy.
	var errs field.ErrorList
	errs = append(errs, metavalidation.ValidateObjectMetaAccessor(u, cv.namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u.Object, cv.schema)...)
	errs = append(errs, schemaobjectmeta.Validate(nil, u.Object, cv.structural, false)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, cv.structural, u.Object)...)
	res.Errors = cv.runCEL(errs, u.Object, nil)
	return res, nil
}

// ValidateUpdate is the API server's update path: old is the stored object
// (as Validate or ValidateUpdate returned it), obj the new one. With status
// true it is an update through the status subresource, which takes only
// obj's status; otherwise the status is kept from old. Rules that compare
// with oldSelf, and ratcheting (an unchanged invalid value stays allowed),
// apply as on a cluster.
func (v *Validator) ValidateUpdate(obj, old map[string]any, status bool) (res Result, err error) {
	cv, u, err := v.decode(obj, &res)
	if err != nil || u == nil {
		return res, err
	}
	o := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(old)}
	if o.GetAPIVersion() != u.GetAPIVersion() || o.GetKind() != u.GetKind() {
		return res, fmt.Errorf("old object is %s %s, new one %s %s", o.GetAPIVersion(), o.GetKind(), u.GetAPIVersion(), u.GetKind())
	}
	switch {
	case status:
		// PrepareForUpdate of the status strategy: everything but status
		// comes from the stored object.
		st, ok := u.Object["status"]
		u = &unstructured.Unstructured{Object: runtime.DeepCopyJSON(old)}
		if ok {
			u.Object["status"] = st
		} else {
			delete(u.Object, "status")
		}
	case cv.hasStatus:
		if st, ok := o.Object["status"]; ok {
			u.Object["status"] = runtime.DeepCopyJSONValue(st)
		} else {
			delete(u.Object, "status")
		}
	}
	res.Object = u.Object
	// A stored object always has a resourceVersion, and oc apply (a patch)
	// updates whatever is stored; stand in for both.
	if o.GetResourceVersion() == "" {
		o.SetResourceVersion("1")
	}
	if u.GetResourceVersion() == "" {
		u.SetResourceVersion(o.GetResourceVersion())
	}

	corr := common.NewCorrelatedObject(u.Object, o.Object, &model.Structural{Structural: cv.structural})
	var errs field.ErrorList
	errs = append(errs, metavalidation.ValidateObjectMetaAccessorUpdate(u, o, field.NewPath("metadata"))...)
	if status {
		if st, ok := u.Object["status"]; ok && cv.statusSchema != nil {
			errs = append(errs, apiservervalidation.ValidateCustomResourceUpdate(field.NewPath("status"), st, o.Object["status"], cv.statusSchema,
				apiservervalidation.WithRatcheting(corr.Key("status")))...)
		}
		if newErrs := listtype.ValidateListSetsAndMaps(nil, cv.structural, u.Object); len(newErrs) > 0 {
			if oldErrs := listtype.ValidateListSetsAndMaps(nil, cv.structural, o.Object); len(oldErrs) == 0 {
				errs = append(errs, newErrs...)
			}
		}
	} else {
		errs = append(errs, apiservervalidation.ValidateCustomResourceUpdate(nil, u.Object, o.Object, cv.schema, apiservervalidation.WithRatcheting(corr))...)
		errs = append(errs, schemaobjectmeta.Validate(nil, u.Object, cv.structural, false)...)
		if oldErrs := listtype.ValidateListSetsAndMaps(nil, cv.structural, o.Object); len(oldErrs) == 0 {
			errs = append(errs, listtype.ValidateListSetsAndMaps(nil, cv.structural, u.Object)...)
		}
	}
	res.Errors = cv.runCEL(errs, u.Object, o.Object, cel.WithRatcheting(corr))
	return res, nil
}

// decode is the API server's decoding of a request body: metadata read into
// ObjectMeta (unknown keys dropped), the rest pruned to the schema, nulls
// dropped, defaults applied. u is nil when decoding already failed with
// field errors (in res.Errors).
func (v *Validator) decode(obj map[string]any, res *Result) (*crdVersion, *unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(obj)}
	gv, err := schema.ParseGroupVersion(u.GetAPIVersion())
	if err != nil {
		return nil, nil, fmt.Errorf("apiVersion: %w", err)
	}
	cv, ok := v.kinds[gv.WithKind(u.GetKind())]
	if !ok {
		return nil, nil, fmt.Errorf("no CRD for apiVersion %q kind %q", u.GetAPIVersion(), u.GetKind())
	}
	objectMeta, foundMeta, metaUnknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u.Object, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	res.UnknownFields = append(res.UnknownFields, metaUnknown...)
	res.UnknownFields = append(res.UnknownFields, structuralpruning.PruneWithOptions(u.Object, cv.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u.Object, cv.structural)
	ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u.Object, cv.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if ferr != nil {
		res.Errors = append(res.Errors, ferr)
		return cv, nil, nil
	}
	res.UnknownFields = append(res.UnknownFields, paths...)
	sort.Strings(res.UnknownFields)
	u.SetKind(cv.gvk.Kind)
	u.SetAPIVersion(cv.gvk.GroupVersion().String())
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(u.Object, objectMeta); err != nil {
			return nil, nil, fmt.Errorf("metadata: %w", err)
		}
	}
	structuraldefaulting.Default(u.Object, cv.structural)
	// ObjectMeta round trips add an empty creationTimestamp; the stored
	// object the tests compare against has none before the server sets it.
	if md, ok := u.Object["metadata"].(map[string]any); ok && md["creationTimestamp"] == nil {
		delete(md, "creationTimestamp")
	}
	return cv, u, nil
}

// runCEL appends the x-kubernetes-validations results to errs, unless errs
// already hold an error that makes the server skip the rules.
func (cv *crdVersion) runCEL(errs field.ErrorList, obj, old map[string]any, opts ...cel.Option) field.ErrorList {
	if hasBlocking(errs) {
		return append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
	}
	var oldObj any
	if old != nil {
		oldObj = old
	}
	celErrs, _ := cv.cel.Validate(context.Background(), nil, cv.structural, obj, oldObj, celconfig.RuntimeCELCostBudget, opts...)
	return append(errs, celErrs...)
}

// hasBlocking mirrors the API server: CEL rules are not run when a schema
// error means their inputs may be missing or outside the bounds their cost
// estimates rely on.
func hasBlocking(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}
