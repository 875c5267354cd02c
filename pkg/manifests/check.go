package manifests

import (
	"errors"
	"fmt"
	"strings"
	"time"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// DefaultBaseImage is where OpenShift 4.19 release payloads keep the RHCOS
// base image (rhel-coreos); only its registry matters for OCL304.
const DefaultBaseImage = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"

// BuiltinPools exist on every cluster, so a MachineOSConfig may name them
// without the pool being among the validated documents.
var BuiltinPools = map[string]bool{"master": true, "worker": true, "arbiter": true}

// The OCL3xx rules emitted here are described in pkg/rules, the catalogue
// every checker shares; findings take their severity from there.

// LintFunc lints one embedded Containerfile; finding lines and columns are
// relative to content, and Check maps them onto the YAML file. lineOf maps
// a content line to the file's, for lines named inside messages.
type LintFunc func(file, content string, lineOf func(int) int) ([]findings.Finding, error)

// CheckOptions tune Check. The zero value works.
type CheckOptions struct {
	Validator   *Validator    // nil: DefaultValidator
	BaseImage   string        // the RHCOS image the build pulls; "": DefaultBaseImage
	Now         time.Time     // zero: time.Now()
	MinValidity time.Duration // 0: pullsecret.DefaultMinValidity
	Lint        LintFunc      // nil: embedded Containerfiles are not linted
	// Profile is the OpenShift version in force: its CRDs (ValidatorFor)
	// and rule severities; nil: the newest version's CRDs (the embedded
	// ones as they are) and default severities.
	Profile *ocpversion.Profile
	// ObjectsOnly checks each object on its own (schema, CEL, NoArch,
	// embedded lint) and skips the checks between objects (secrets, pool):
	// lint's view of a MachineOSConfig file.
	ObjectsOnly bool
}

// Check validates a set of documents as one unit: every custom resource
// against its CRD (OCL301), and the MachineOSConfigs against the pools and
// secrets among docs (OCL302–OCL307). Documents of other kinds are left out
// (Select says which and why). A pull Secret that cannot be read is an
// *InputError, not a finding.
func Check(docs []*Document, opts CheckOptions) ([]findings.Finding, error) {
	v := opts.Validator
	if v == nil {
		var err error
		if opts.Profile != nil {
			v, err = ValidatorFor(*opts.Profile)
		} else {
			v, err = DefaultValidator()
		}
		if err != nil {
			return nil, err
		}
	}
	docs, skipped := Select(docs)
	if opts.BaseImage == "" {
		opts.BaseImage = DefaultBaseImage
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.MinValidity == 0 {
		opts.MinValidity = pullsecret.DefaultMinValidity
	}
	c := &checker{opts: opts, pools: map[string]*poolDoc{}, secrets: map[string]*secretDoc{}, otherSecrets: map[string]*Document{}}
	for _, s := range skipped {
		if s.Doc.Kind == KindSecret && s.Doc.APIVersion == "v1" {
			c.otherSecrets[s.Doc.Name] = s.Doc
		}
	}
	var moscs []*moscDoc
	seen := map[string]*Document{}
	for _, d := range docs {
		id := d.APIVersion + "/" + d.Kind + "/" + d.Namespace + "/" + d.Name
		if first, dup := seen[id]; dup && d.Name != "" {
			c.add(d, "metadata.name", rules.OCL301, "",
				fmt.Sprintf("%s %q is given twice (first at %s:%d): applying both keeps only the last", d.Kind, d.Name, first.File, first.Line))
		} else {
			seen[id] = d
		}
		switch d.Kind {
		case KindSecret:
			s, err := readSecret(d)
			if err != nil {
				return nil, err
			}
			c.secrets[s.name] = s
			c.tokenFindings(s)
			c.refusalFindings(s)
			continue
		}
		if d.APIVersion != MachineConfigGroupVersion {
			// An old (v1alpha1) or missing version of our kinds: no CRD of
			// the chosen version serves it; say what to change.
			msg := OldAPIVersionAdvice(d)
			if d.APIVersion == "" {
				msg = "apiVersion is missing: want " + MachineConfigGroupVersion
				if err := c.lintRaw(d); err != nil {
					return nil, err
				}
			}
			c.add(d, "apiVersion", rules.OCL301, "", d.Describe()+": "+msg)
			continue
		}
		res, err := v.Validate(d.Object)
		if err != nil {
			return nil, &InputError{File: d.File, Line: d.Line, Msg: err.Error()}
		}
		c.schemaFindings(d, res)
		if d.Kind == KindMachineOSConfig {
			// The content is linted as written, even when the schema
			// refuses the object (a content over 4096 characters).
			if err := c.lintRaw(d); err != nil {
				return nil, err
			}
		}
		if res.Object == nil || len(res.Errors) > 0 {
			continue // cross-object checks need an object the server would accept
		}
		switch d.Kind {
		case KindMachineOSConfig:
			var m mcfgv1.MachineOSConfig
			if err := fromMap(res.Object, &m); err != nil {
				return nil, &InputError{File: d.File, Line: d.Line, Msg: err.Error()}
			}
			moscs = append(moscs, &moscDoc{doc: d, obj: &m})
		case KindMachineConfigPool:
			var p mcfgv1.MachineConfigPool
			if err := fromMap(res.Object, &p); err != nil {
				return nil, &InputError{File: d.File, Line: d.Line, Msg: err.Error()}
			}
			c.pools[p.Name] = &poolDoc{doc: d, obj: &p}
		}
	}
	for _, m := range moscs {
		if err := c.checkMOSC(m); err != nil {
			return nil, err
		}
	}
	findings.Sort(c.out)
	return c.out, nil
}

type moscDoc struct {
	doc *Document
	obj *mcfgv1.MachineOSConfig
}

type poolDoc struct {
	doc *Document
	obj *mcfgv1.MachineConfigPool
}

type secretDoc struct {
	doc       *Document
	name, ns  string
	cfg       *pullsecret.Config
	dataField string
}

type checker struct {
	opts    CheckOptions
	out     []findings.Finding
	pools   map[string]*poolDoc
	secrets map[string]*secretDoc
	// otherSecrets are Secrets that are not pull secrets (Opaque, ...):
	// skipped, unless a MachineOSConfig names one.
	otherSecrets map[string]*Document
}

// add reports rule r (variant "" for its own severity, else a variant the
// rule declares) at a field of d.
func (c *checker) add(d *Document, path string, r *rules.Rule, variant, msg string) {
	p := d.Position(path)
	if variant == "" {
		c.out = append(c.out, r.Finding(c.opts.Profile, d.File, p.Line, p.Column, msg))
		return
	}
	c.out = append(c.out, r.VariantFinding(variant, d.File, p.Line, p.Column, msg))
}

func (c *checker) schemaFindings(d *Document, res Result) {
	what := fmt.Sprintf("%s %q: ", d.Kind, d.Name)
	for _, e := range res.Errors {
		if (e.Field == "" || e.Field == "<nil>") && strings.Contains(e.Detail, "validation rules were not checked") {
			// The server's note that CEL rules were skipped: not an error of
			// its own.
			c.add(d, "", rules.OCL301, "note", what+e.Detail)
			continue
		}
		c.add(d, e.Field, rules.OCL301, "", what+errorText(e))
	}
	if res.DroppedStatus {
		c.add(d, "status", rules.OCL301, "note", what+"status is ignored on create: it belongs to the status subresource, which the operator writes")
	}
	for _, u := range res.UnknownFields {
		c.add(d, u, rules.OCL301, "unknown-field",
			fmt.Sprintf("%s %q: unknown field %q: the API server drops it, and oc's strict field validation refuses the object", d.Kind, d.Name, u))
	}
}

// errorText is field.Error's text, without the Go-syntax "<nil>" path of
// object-level errors.
func errorText(e *field.Error) string {
	s := e.Error()
	return strings.TrimPrefix(s, "<nil>: ")
}

func (c *checker) checkMOSC(m *moscDoc) error {
	d, spec := m.doc, m.obj.Spec
	// OCL302: the one check every reader shares (rules.CheckNoArch).
	if len(spec.Containerfile) > 0 {
		var archs []string
		for _, cf := range spec.Containerfile {
			archs = append(archs, string(cf.ContainerfileArch))
		}
		if _, msg := rules.CheckNoArch(archs); msg != "" {
			c.add(d, "spec.containerFile", rules.OCL302, "", msg)
		}
	}
	if c.opts.ObjectsOnly {
		return nil
	}
	pushSpec := string(spec.RenderedImagePushSpec)
	// OCL306 (the tag latest) is retired: the cluster replaces the push
	// spec's tag with <name>-<hash> (DESIGN.md, "Tag"), so the tag written
	// there never names what a node runs.
	// OCL303 / OCL304: secret coverage.
	c.coverage(d, "spec.renderedImagePushSecret.name", spec.RenderedImagePushSecret.Name, "renderedImagePushSecret", pushSpec, rules.OCL303, "push spec")
	if spec.BaseImagePullSecret != nil && spec.BaseImagePullSecret.Name != "" {
		c.coverage(d, "spec.baseImagePullSecret.name", spec.BaseImagePullSecret.Name, "baseImagePullSecret", c.opts.BaseImage, rules.OCL304, "base image")
	}
	// OCL307: the pool.
	pool := spec.MachineConfigPool.Name
	p, ok := c.pools[pool]
	switch {
	case !ok && BuiltinPools[pool]:
	case !ok:
		// Like a Secret that is not given: not checked, and said so. The
		// pool may well exist on the cluster already.
		c.add(d, "spec.machineConfigPool.name", rules.OCL307, "not-given",
			fmt.Sprintf("MachineConfigPool %q is not among the given documents: its selectors were not checked (pass its manifest too to check them; the build waits until the pool exists)", pool))
	default:
		c.checkPool(p)
	}
	return nil
}

func (c *checker) checkPool(p *poolDoc) {
	role := labels.Set{mcfgv1.MachineConfigRoleLabelKey: p.obj.Name}
	sel := p.obj.Spec.MachineConfigSelector
	if sel == nil {
		c.add(p.doc, "spec", rules.OCL307, "",
			fmt.Sprintf("MachineConfigPool %q has no machineConfigSelector: it selects no MachineConfigs, not even those of role %s", p.obj.Name, p.obj.Name))
		return
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		c.add(p.doc, "spec.machineConfigSelector", rules.OCL307, "",
			fmt.Sprintf("MachineConfigPool %q: machineConfigSelector is invalid: %v", p.obj.Name, err))
		return
	}
	if !s.Matches(role) {
		c.add(p.doc, "spec.machineConfigSelector", rules.OCL307, "",
			fmt.Sprintf("MachineConfigPool %q: machineConfigSelector (%s) does not select MachineConfigs labelled %s=%s, so its own role's configs never apply", p.obj.Name, s, mcfgv1.MachineConfigRoleLabelKey, p.obj.Name))
	}
	// A custom pool's nodes are workers: without the worker role's configs
	// (00-worker, 01-worker-kubelet, ...) its rendered config lacks the base
	// node configuration.
	if !BuiltinPools[p.obj.Name] && !s.Matches(labels.Set{mcfgv1.MachineConfigRoleLabelKey: "worker"}) {
		c.add(p.doc, "spec.machineConfigSelector", rules.OCL307, "worker-role",
			fmt.Sprintf("MachineConfigPool %q: machineConfigSelector (%s) does not select the worker role's MachineConfigs, so its nodes would miss the base worker configuration; the documented form is role In [worker, %s]", p.obj.Name, s, p.obj.Name))
	}
}

func (c *checker) coverage(d *Document, path, name, specField, image string, rule *rules.Rule, what string) {
	s, ok := c.secrets[name]
	if o, other := c.otherSecrets[name]; !ok && other {
		t, _ := o.Object["type"].(string)
		if t == "" {
			t = "Opaque"
		}
		c.add(o, "type", rule, "",
			fmt.Sprintf("Secret %q has type %q, but %s %s names it: the build reads a pull secret, type %s (key %s) or %s (key %s)",
				name, t, d.Describe(), specField, corev1.SecretTypeDockerConfigJson, corev1.DockerConfigJsonKey, corev1.SecretTypeDockercfg, corev1.DockerConfigKey))
		return
	}
	if !ok {
		c.add(d, path, rule, "not-given",
			fmt.Sprintf("%s %q is not among the given documents: its credential for %s was not checked", specField, name, registryOf(image)))
		return
	}
	if s.ns == "" {
		c.add(s.doc, "metadata", rule, "no-namespace",
			fmt.Sprintf("Secret %q has no namespace: oc apply puts it into the current project, but the build reads %s from %s", name, specField, pullsecret.DefaultNamespace))
	} else if s.ns != pullsecret.DefaultNamespace {
		c.add(s.doc, "metadata.namespace", rule, "",
			fmt.Sprintf("Secret %q is in namespace %q; the build reads %s from %s", name, s.ns, specField, pullsecret.DefaultNamespace))
	}
	if _, ok := s.cfg.Lookup(image); !ok {
		msg := fmt.Sprintf("%s %q has no credential for %s (the %s's registry); it holds %s", specField, name, registryOf(image), what, strings.Join(s.cfg.Registries(), ", "))
		if rule == rules.OCL304 {
			msg += "; with baseImagePullSecret set the global pull secret is not used, so merge them: ocl-build secret merge"
		}
		c.add(d, path, rule, "", msg)
	}
}

func registryOf(image string) string {
	r := pullsecret.RepositoryOf(image)
	host, _, _ := strings.Cut(r, "/")
	return host
}

func (c *checker) tokenFindings(s *secretDoc) {
	for _, k := range s.cfg.Registries() {
		e, _ := s.cfg.Entry(k)
		t, ok := e.Token()
		if !ok {
			continue
		}
		msg, sev := pullsecret.ExpiryProblem(t, c.opts.Now, c.opts.MinValidity)
		if sev == findings.SeverityNone {
			continue
		}
		variant := ""
		if sev >= findings.SeverityError {
			variant = "expired"
		}
		c.add(s.doc, s.dataField, rules.OCL305, variant, fmt.Sprintf("Secret %q, registry %s: service-account token of %s", s.name, k, msg))
	}
}

// refusalFindings reports OCL308: what the version's build controller
// refuses in a pull secret (pkg/pullsecret Refusals); on a version that
// takes it, the first later version that would not. Without a version the
// newest profile judges.
func (c *checker) refusalFindings(s *secretDoc) {
	p := c.opts.Profile
	if p == nil {
		newest, _, _ := ocpversion.Lookup(ocpversion.Newest())
		p = &newest
	}
	if rs := s.cfg.Refusals(*p); len(rs) > 0 {
		for _, r := range rs {
			c.add(s.doc, s.dataField, rules.OCL308, "", fmt.Sprintf("Secret %q: %s", s.name, r))
		}
		return
	}
	if v, rs, ok := s.cfg.LaterRefusals(*p); ok {
		c.add(s.doc, s.dataField, rules.OCL308, "later", fmt.Sprintf("Secret %q: OpenShift %s's build controller takes it, but %s's refuses it (%s): fix it before upgrading", s.name, p.Version, v, pullsecret.RefusalFields(rs)))
	}
}

func readSecret(d *Document) (*secretDoc, error) {
	// The document as kubedoc read it: its positions are the file's.
	cfg, err := pullsecret.FromDocument(d)
	if err != nil {
		var pe *pullsecret.Error
		if errors.As(err, &pe) {
			line := pe.Line
			if line == 0 {
				line = d.Line
			}
			return nil, &InputError{File: d.File, Line: line, Field: pe.Field, Msg: pe.Msg}
		}
		return nil, &InputError{File: d.File, Line: d.Line, Msg: err.Error()}
	}
	s := &secretDoc{doc: d, name: d.Name, ns: d.Namespace, cfg: cfg, dataField: "data." + corev1.DockerConfigJsonKey}
	if !d.Has(s.dataField) {
		s.dataField = "data"
	}
	return s, nil
}

// lintRaw lints every spec.containerFile[].content of a MachineOSConfig as
// written (before the schema's verdict).
func (c *checker) lintRaw(d *Document) error {
	if c.opts.Lint == nil {
		return nil
	}
	spec, _ := d.Object["spec"].(map[string]any)
	entries, _ := spec["containerFile"].([]any)
	for i, e := range entries {
		m, _ := e.(map[string]any)
		content, ok := m["content"].(string)
		if !ok || strings.TrimSpace(content) == "" {
			continue // the schema says what is wrong
		}
		if err := c.lintEmbedded(d, i, content); err != nil {
			return err
		}
	}
	return nil
}

// lintEmbedded lints one containerFile entry and maps the findings from
// content lines to YAML file lines.
func (c *checker) lintEmbedded(d *Document, i int, content string) error {
	path := fmt.Sprintf("spec.containerFile[%d].content", i)
	fs, err := c.opts.Lint(d.File, content, func(l int) int { return d.ContentPosition(path, l, 1).Line })
	if err != nil {
		return err
	}
	for _, f := range fs {
		f.File = d.File
		p := d.ContentPosition(path, f.Line, f.Column)
		f.Line, f.Column = p.Line, p.Column
		c.out = append(c.out, f)
	}
	return nil
}
