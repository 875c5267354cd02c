package pullsecret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"
)

// Format names the shape a credential file had on input.
type Format string

const (
	FormatDockerConfigJSON Format = "dockerconfigjson"
	FormatDockerCfg        Format = "dockercfg"
	FormatSecret           Format = "secret" // a Kubernetes Secret holding either
)

// DefaultNamespace is where the Machine Config Operator's build reads the
// MachineOSConfig's secrets from.
const DefaultNamespace = "openshift-machine-config-operator"

// MaxFileBytes bounds a credential file; a cluster's global pull secret is a
// few KiB.
const MaxFileBytes = 4 << 20

// Error is a problem with a credential file; it names the file and field
// and never quotes credential values.
type Error struct {
	File  string
	Line  int // 1-based line of a Secret manifest; 0 when unknown
	Field string
	Msg   string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field == "" {
		return where + ": " + e.Msg
	}
	return where + ": " + e.Field + ": " + e.Msg
}

// Config is a docker config in the canonical {"auths": {...}} form, with
// every other top-level key kept (jq keeps them too).
type Config struct {
	File   string
	Format Format
	root   *object
	// form is the docker config's own shape (dockerconfigjson or
	// dockercfg), also inside a Secret; otherKey is the other pull-secret
	// type's data key when a Secret holds it beside its own, secretType the
	// Secret's type (version-dependent refusals, strict.go).
	form                 Format
	otherKey, secretType string
}

// Entry is the credential for one registry key.
type Entry struct {
	Key           string
	Username      string
	Password      string
	IdentityToken string
	// FromAuth is true when Username/Password came from the base64 "auth"
	// field, false when they were given as separate fields.
	FromAuth bool
	// AuthProblem says why "auth" is not usable as user:password ("" when it is,
	// or when there is no auth field).
	AuthProblem string
}

// ReadFile parses a credential file.
func ReadFile(path string) (*Config, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse accepts a .dockerconfigjson, a legacy .dockercfg, or a Secret (YAML
// or JSON) of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg.
// file is used in errors only.
func Parse(file string, data []byte) (*Config, error) {
	if len(data) > MaxFileBytes {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &Error{File: file, Msg: "empty file"}
	}
	if trimmed[0] == '{' {
		v, err := parseJSON(data)
		if err != nil {
			return nil, &Error{File: file, Msg: err.Error()}
		}
		o := v.(*object) // starts with '{' and parsed: an object
		if k, _ := o.get("kind"); k != nil {
			return parseSecret(file, data)
		}
		return fromDockerJSON(file, o, "")
	}
	return parseSecret(file, data)
}

// fromDockerJSON canonicalises a decoded docker config. field prefixes error
// field paths (the Secret data key when the config came from a Secret).
func fromDockerJSON(file string, o *object, field string) (*Config, error) {
	c := &Config{File: file}
	if av, ok := o.get("auths"); ok {
		if _, isObj := av.(*object); !isObj {
			return nil, &Error{File: file, Field: join(field, "auths"), Msg: "must be an object of registry → credential"}
		}
		c.Format, c.root = FormatDockerConfigJSON, o
	} else {
		// Legacy .dockercfg: the top level is the auths map itself.
		c.Format = FormatDockerCfg
		c.root = newObject()
		c.root.set("auths", o)
	}
	if err := c.validate(field); err != nil {
		return nil, err
	}
	c.form = c.Format
	return c, nil
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// validate checks every entry: an object, string fields, and an auth that is
// base64. It quotes registry names, never values.
func (c *Config) validate(prefix string) error {
	auths := c.auths()
	for _, k := range auths.keys {
		f := join(prefix, fmt.Sprintf("auths[%q]", k))
		eo, ok := auths.vals[k].(*object)
		if !ok {
			return &Error{File: c.File, Field: f, Msg: "must be an object with auth or username/password"}
		}
		for _, name := range []string{"auth", "username", "password", "email", "identitytoken", "registrytoken"} {
			if v, ok := eo.get(name); ok && v != nil {
				if _, isStr := v.(string); !isStr {
					return &Error{File: c.File, Field: f + "." + name, Msg: "must be a string"}
				}
			}
		}
		if a, _ := eo.get("auth"); a != nil && a.(string) != "" {
			if _, err := decodeBase64(a.(string)); err != nil {
				return &Error{File: c.File, Field: f + ".auth", Msg: "is not base64: " + err.Error()}
			}
		}
	}
	return nil
}

// decodeBase64 accepts standard base64 with or without padding, as docker
// and containers/image do; the error carries only an offset.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 == nil {
			return b2, nil
		}
		return nil, err
	}
	return b, nil
}

func (c *Config) auths() *object {
	a, _ := c.root.get("auths")
	return a.(*object)
}

// parseSecret reads a v1 Secret (YAML or JSON) with kubedoc, the one reader
// of Kubernetes objects (its data/stringData rules are the API server's),
// and parses the docker config under the key its type names. Errors name
// the file, the line and the field; they never quote a value.
func parseSecret(file string, data []byte) (*Config, error) {
	docs, err := kubedoc.Parse(file, data)
	if err != nil {
		var ie *kubedoc.InputError
		if !errors.As(err, &ie) {
			return nil, &Error{File: file, Msg: "neither a docker config (JSON) nor a Secret manifest (YAML)"}
		}
		if ie.Field == "" {
			// The YAML error's own "line N" stays in the message.
			return nil, &Error{File: file, Msg: "neither a docker config (JSON) nor a Secret manifest (YAML): " + sanitize(strings.TrimPrefix(ie.Msg, "malformed YAML: "))}
		}
		return nil, &Error{File: file, Line: ie.Line, Field: ie.Field, Msg: sanitize(ie.Msg)}
	}
	if len(docs) != 1 {
		return nil, &Error{File: file, Line: docs[1].Line, Msg: fmt.Sprintf("%d objects; a credential file holds one Secret", len(docs))}
	}
	return FromDocument(docs[0])
}

// FromDocument parses a Secret that kubedoc already read (a manifest
// file's object, or one from a cluster): errors name d.File, the line
// where the document has one, and the field.
func FromDocument(d *kubedoc.Document) (*Config, error) {
	file := d.File
	if d.Kind != "Secret" || d.APIVersion != "v1" {
		return nil, &Error{File: file, Line: d.Position("kind").Line, Field: "kind", Msg: fmt.Sprintf("want a docker config or a v1 Secret, got %s %s", d.APIVersion, d.Kind)}
	}
	typ, ok := d.Object["type"].(string)
	if v := d.Object["type"]; v != nil && !ok {
		return nil, &Error{File: file, Line: d.Position("type").Line, Field: "type", Msg: "must be a string"}
	}
	var key, otherKey string
	switch corev1.SecretType(typ) {
	case corev1.SecretTypeDockerConfigJson:
		key, otherKey = corev1.DockerConfigJsonKey, corev1.DockerConfigKey
	case corev1.SecretTypeDockercfg:
		key, otherKey = corev1.DockerConfigKey, corev1.DockerConfigJsonKey
	default:
		return nil, &Error{File: file, Line: d.Position("type").Line, Field: "type", Msg: fmt.Sprintf("Secret %q has type %q; a pull secret has type %s (key %s) or %s (key %s)",
			d.Name, typ, corev1.SecretTypeDockerConfigJson, corev1.DockerConfigJsonKey, corev1.SecretTypeDockercfg, corev1.DockerConfigKey)}
	}
	sd, err := d.Data()
	if err != nil {
		var ie *kubedoc.InputError
		if errors.As(err, &ie) {
			return nil, &Error{File: file, Line: ie.Line, Field: dataField(ie.Field), Msg: ie.Msg}
		}
		return nil, &Error{File: file, Msg: "malformed Secret"}
	}
	raw, _ := sd.Get(key)
	field, line := dataField(sd.Field(key)), sd.Position(key).Line
	if len(raw) == 0 {
		return nil, &Error{File: file, Line: line, Field: field, Msg: "missing or empty"}
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, &Error{File: file, Line: line, Field: field, Msg: err.Error()}
	}
	o, ok := v.(*object)
	if !ok {
		return nil, &Error{File: file, Line: line, Field: field, Msg: "must be a JSON object"}
	}
	c, err := fromDockerJSON(file, o, field)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Line == 0 {
			e.Line = line
		}
		return nil, err
	}
	if (corev1.SecretType(typ) == corev1.SecretTypeDockerConfigJson) != (c.Format == FormatDockerConfigJSON) {
		return nil, &Error{File: file, Line: line, Field: field, Msg: fmt.Sprintf("content is in %s form but the Secret has type %s", c.Format, typ)}
	}
	c.Format, c.secretType = FormatSecret, typ
	if _, ok := sd.Get(otherKey); ok {
		c.otherKey = otherKey
	}
	return c, nil
}

// dataField writes kubedoc's data.KEY as data[KEY]: Secret keys are file
// names that start with a dot (.dockerconfigjson).
func dataField(f string) string {
	for _, p := range []string{"data.", "stringData."} {
		if k, ok := strings.CutPrefix(f, p); ok {
			return strings.TrimSuffix(p, ".") + "[" + k + "]"
		}
	}
	return f
}

// sanitize drops everything from the first quote on: parser messages may
// echo the input, and the input holds credentials.
func sanitize(msg string) string {
	if i := strings.IndexAny(msg, "\"'`"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return msg
}

// Merge combines configs as `jq -s '.[0] * .[1] * ...'` does on their
// canonical {"auths": ...} forms: later configs win per registry (and per
// field inside a registry entry), other keys are kept.
func Merge(cfgs ...*Config) *Config {
	out := &Config{Format: FormatDockerConfigJSON, form: FormatDockerConfigJSON, root: newObject()}
	for i, c := range cfgs {
		if i == 0 {
			out.root = c.root.clone()
			continue
		}
		out.root = mergeObjects(out.root, c.root)
	}
	if _, ok := out.root.get("auths"); !ok {
		out.root.set("auths", newObject())
	}
	return out
}

// JSON is the config as a .dockerconfigjson, formatted as `jq .` prints it.
func (c *Config) JSON() []byte {
	var b bytes.Buffer
	writeJSON(&b, c.root, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

// Registries lists the registry keys, sorted.
func (c *Config) Registries() []string {
	keys := append([]string(nil), c.auths().keys...)
	sort.Strings(keys)
	return keys
}

// Entry returns the credential stored under key.
func (c *Config) Entry(key string) (Entry, bool) {
	v, ok := c.auths().get(key)
	if !ok {
		return Entry{}, false
	}
	eo := v.(*object)
	str := func(k string) string {
		s, _ := eo.vals[k].(string)
		return s
	}
	e := Entry{Key: key, Username: str("username"), Password: str("password"), IdentityToken: str("identitytoken")}
	if a := str("auth"); a != "" {
		b, err := decodeBase64(a)
		switch {
		case err != nil:
			e.AuthProblem = "auth is not base64"
		case !bytes.Contains(b, []byte(":")):
			e.AuthProblem = "auth does not decode to user:password"
		default:
			u, p, _ := strings.Cut(string(b), ":")
			if u == "" || p == "" {
				e.AuthProblem = "auth decodes to an empty user or password"
			}
			e.Username, e.Password, e.FromAuth = u, p, true
		}
	}
	return e, true
}

// SecretManifest returns a kubernetes.io/dockerconfigjson Secret holding c,
// as YAML. namespace defaults to DefaultNamespace.
func (c *Config) SecretManifest(name, namespace string) ([]byte, error) {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	s := c.Secret(name, namespace)
	return yaml.Marshal(secretForOutput(s))
}

// Secret returns c as a kubernetes.io/dockerconfigjson Secret object.
func (c *Config) Secret(name, namespace string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: c.JSON()},
	}
}

// secretForOutput drops the empty creationTimestamp typed objects carry.
func secretForOutput(s *corev1.Secret) map[string]any {
	md := map[string]any{"name": s.Name}
	if s.Namespace != "" {
		md["namespace"] = s.Namespace
	}
	data := map[string]any{}
	for k, v := range s.Data {
		data[k] = base64.StdEncoding.EncodeToString(v)
	}
	return map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": md, "type": string(s.Type), "data": data}
}
