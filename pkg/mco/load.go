package mco

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

const mcfgAPIVersion = "machineconfiguration.openshift.io/v1"

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

// LoadManifests is LoadMachineConfigs that also keeps MachineOSConfigs.
func LoadManifests(paths []string) (*Manifests, error) {
	m := &Manifests{Source: map[string]string{}}
	for _, p := range paths {
		files, err := manifestFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := m.loadFile(f); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// manifestFiles expands a directory into the manifest files under it.
func manifestFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("machineconfigs: %w", err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("machineconfigs: %w", err)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("machineconfigs: %s: no *.yaml, *.yml or *.json files", p)
	}
	return out, nil
}

func (m *Manifests) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, d := range splitDocuments(data) {
		if err := m.addDocument(path, d.line, d.body); err != nil {
			return err
		}
	}
	return nil
}

type document struct {
	line int // 1-based line of the document's first line
	body []byte
}

// splitDocuments cuts a YAML stream at "---" separator lines, remembering
// where each document starts so errors can give a line number.
func splitDocuments(data []byte) []document {
	var docs []document
	var cur bytes.Buffer
	start, n := 1, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	flush := func(next int) {
		if strings.TrimSpace(cur.String()) != "" {
			docs = append(docs, document{line: start, body: append([]byte(nil), cur.Bytes()...)})
		}
		cur.Reset()
		start = next
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t") {
			flush(n + 1)
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush(n + 1)
	return docs
}

type typeHeader struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func (m *Manifests) addDocument(path string, line int, body []byte) error {
	where := fmt.Sprintf("%s:%d", path, line)
	js, err := yaml.YAMLToJSON(body)
	if err != nil {
		return fmt.Errorf("%s: not valid YAML: %v", where, err)
	}
	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return nil // a document holding only comments
	}
	var h typeHeader
	if err := json.Unmarshal(js, &h); err != nil {
		return fmt.Errorf("%s: expected a Kubernetes object: %v", where, err)
	}
	if h.Kind == "List" || strings.HasSuffix(h.Kind, "List") && h.Kind != "" {
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(js, &list); err != nil {
			return fmt.Errorf("%s: %s: %v", where, h.Kind, err)
		}
		for i, it := range list.Items {
			if err := m.addObject(fmt.Sprintf("%s (items[%d])", where, i), it); err != nil {
				return err
			}
		}
		return nil
	}
	return m.addObject(where, js)
}

func (m *Manifests) addObject(where string, js []byte) error {
	var h typeHeader
	if err := json.Unmarshal(js, &h); err != nil {
		return fmt.Errorf("%s: expected a Kubernetes object: %v", where, err)
	}
	switch h.Kind {
	case "MachineConfig", "MachineConfigPool", "MachineOSConfig":
	default:
		return nil // Secrets, ConfigMaps, ... are someone else's business
	}
	if h.APIVersion != mcfgAPIVersion {
		return fmt.Errorf("%s: %s %q: apiVersion is %q, want %q", where, h.Kind, h.Metadata.Name, h.APIVersion, mcfgAPIVersion)
	}
	if h.Metadata.Name == "" {
		return fmt.Errorf("%s: %s: metadata.name is empty", where, h.Kind)
	}
	key := h.Kind + "/" + h.Metadata.Name
	if prev, dup := m.Source[key]; dup {
		return fmt.Errorf("%s: %s %q is also defined at %s", where, h.Kind, h.Metadata.Name, prev)
	}
	m.Source[key] = where
	// status is the cluster's business and grows with every release: drop it
	// so that `oc get -o yaml` output from a newer cluster still loads, and
	// decode the rest strictly so a misspelt spec field is an error.
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(js, &obj); err != nil {
		return fmt.Errorf("%s: %s %q: %v", where, h.Kind, h.Metadata.Name, err)
	}
	if _, ok := obj["status"]; ok {
		delete(obj, "status")
		js, _ = json.Marshal(obj)
	}
	var stream string
	if h.Kind == "MachineConfigPool" {
		var err error
		if js, stream, err = takeOSImageStream(obj); err != nil {
			return fmt.Errorf("%s: MachineConfigPool %q: spec.osImageStream: %v", where, h.Metadata.Name, err)
		}
	}
	strict := func(into any) error {
		if err := yaml.UnmarshalStrict(js, into); err != nil {
			return fmt.Errorf("%s: %s %q: %v", where, h.Kind, h.Metadata.Name, err)
		}
		return nil
	}
	switch h.Kind {
	case "MachineConfig":
		mc := &mcfgv1.MachineConfig{}
		if err := strict(mc); err != nil {
			return err
		}
		if err := ValidateMachineConfig(mc); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		m.MachineConfigs = append(m.MachineConfigs, mc)
	case "MachineConfigPool":
		p := &mcfgv1.MachineConfigPool{}
		if err := strict(p); err != nil {
			return err
		}
		if stream != "" {
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations[osImageStreamAnnotation] = stream
		}
		m.MachineConfigPools = append(m.MachineConfigPools, p)
	case "MachineOSConfig":
		o := &mcfgv1.MachineOSConfig{}
		if err := strict(o); err != nil {
			return err
		}
		m.MachineOSConfigs = append(m.MachineOSConfigs, o)
	}
	return nil
}

// osImageStreamAnnotation carries a pool's spec.osImageStream.name on the
// loaded object: the field (OpenShift 4.21+) is newer than the
// openshift/api types ocl-build links, so LoadManifests takes it out of the
// spec before the strict decode and keeps it here. Only ocl-build reads it.
const osImageStreamAnnotation = "ocl-build.openshift.io/os-image-stream"

// takeOSImageStream removes spec.osImageStream from a pool's JSON object and
// returns the re-encoded object and the stream name.
func takeOSImageStream(obj map[string]json.RawMessage) ([]byte, string, error) {
	var spec map[string]json.RawMessage
	if raw, ok := obj["spec"]; ok {
		if err := json.Unmarshal(raw, &spec); err != nil {
			spec = nil // the strict decode reports it
		}
	}
	raw, ok := spec["osImageStream"]
	if !ok {
		js, err := json.Marshal(obj)
		return js, "", err
	}
	var ref struct {
		Name string `json:"name"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&ref); err != nil {
		return nil, "", fmt.Errorf("want {name: STREAM}: %v", err)
	}
	delete(spec, "osImageStream")
	obj["spec"], _ = json.Marshal(spec)
	js, err := json.Marshal(obj)
	return js, ref.Name, err
}

// PoolOSImageStream is the pool's spec.osImageStream.name as loaded by
// LoadManifests ("" for none, or a nil pool).
func PoolOSImageStream(p *mcfgv1.MachineConfigPool) string {
	if p == nil {
		return ""
	}
	return p.Annotations[osImageStreamAnnotation]
}

// UserContainerfile returns the content the build uses from a
// MachineOSConfig: the NoArch entry only (OCL302's check, rules.CheckNoArch);
// arch-specific entries are ignored by the operator, so they are ignored
// here too. With no entries at all the content is empty and ok is true.
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
