package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// API groups and kinds ocl-build reads and writes.
const (
	MachineConfigGroupVersion = "machineconfiguration.openshift.io/v1"
	KindMachineOSConfig       = "MachineOSConfig"
	KindMachineConfigPool     = "MachineConfigPool"
	KindMachineConfig         = "MachineConfig"
	KindSecret                = "Secret"
	KindList                  = "List"
)

// MaxDocumentBytes bounds one YAML document; real manifests are a few KiB,
// and the bound keeps alias expansion and fuzzed input cheap.
const MaxDocumentBytes = 4 << 20

// InputError is a problem with a file the user gave: it names the file, the
// line when known, and the field.
type InputError struct {
	File  string
	Line  int    // 1-based, 0 when unknown
	Field string // field path, empty when the document as a whole is wrong
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Pos is a 1-based place in a file.
type Pos struct{ Line, Column int }

// Document is one object of a (multi-document) YAML or JSON file.
type Document struct {
	File       string
	Index      int // 0-based position among the file's documents
	Line       int // 1-based line where the document starts
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// Object is the document as the API server decodes it (JSON numbers as
	// int64 or float64).
	Object map[string]any
	// JSON is the document converted to JSON.
	JSON []byte

	keys   map[string]Pos // field path → position of its key (or item)
	blocks map[string]Pos // field path → first content line/column of a block scalar
}

// Position returns where the field path (as k8s.io field.Path prints it,
// e.g. spec.containerFile[0].content) is written; for a path that is not in
// the file (a missing required field) the nearest written parent.
func (d *Document) Position(path string) Pos {
	for p := path; ; {
		if pos, ok := d.keys[p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return Pos{Line: d.Line, Column: 1}
		}
		p = p[:i]
	}
}

// BlockStart returns the position of the first line of a literal or folded
// block scalar's content (for `content: |`), so that line n of the content
// is at Line+n-1. ok is false when the value is not a block scalar.
func (d *Document) BlockStart(path string) (Pos, bool) {
	p, ok := d.blocks[path]
	return p, ok
}

// ReadFile reads every document of a YAML or JSON file.
func ReadFile(path string) ([]*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadDocuments(path, data)
}

var docSep = regexp.MustCompile(`^---(?:[ \t].*)?$`)

// ReadDocuments splits data into documents and decodes each one. Empty
// documents are skipped; a `kind: List` is expanded into its items. Every
// document must be a MachineOSConfig, MachineConfigPool, MachineConfig or
// Secret; anything else is an *InputError naming file, line and field.
func ReadDocuments(file string, data []byte) ([]*Document, error) {
	var docs []*Document
	lines := bytes.SplitAfter(data, []byte("\n"))
	start := 1 // file line of the current chunk's first line
	var chunk [][]byte
	flush := func(next int) error {
		defer func() { chunk = nil; start = next }()
		src := bytes.Join(chunk, nil)
		if len(bytes.TrimSpace(stripComments(src))) == 0 {
			return nil
		}
		got, err := decodeDocument(file, len(docs), start, src)
		if err != nil {
			return err
		}
		docs = append(docs, got...)
		return nil
	}
	for i, l := range lines {
		text := strings.TrimRight(string(l), "\r\n")
		if docSep.MatchString(text) {
			if err := flush(i + 1); err != nil {
				return nil, err
			}
			// Anything after `---` on the same line belongs to the next
			// document; keep its column by blanking the marker.
			chunk = append(chunk, append([]byte("   "), l[3:]...))
			start = i + 1
			continue
		}
		if text == "..." {
			chunk = append(chunk, []byte("\n")) // keep line numbers
			continue
		}
		chunk = append(chunk, l)
	}
	if err := flush(len(lines) + 1); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &InputError{File: file, Msg: "no documents"}
	}
	return docs, nil
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' {
			out = append(out, t...)
			out = append(out, '\n')
		}
	}
	return out
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// decodeDocument decodes one chunk that starts at file line `start`.
func decodeDocument(file string, index, start int, src []byte) ([]*Document, error) {
	if len(src) > MaxDocumentBytes {
		return nil, &InputError{File: file, Line: start, Msg: fmt.Sprintf("document %d is larger than %d bytes", index+1, MaxDocumentBytes)}
	}
	js, err := yaml.YAMLToJSONStrict(src)
	if err != nil {
		return nil, yamlError(file, start, err)
	}
	var v any
	if err := utiljson.Unmarshal(js, &v); err != nil {
		return nil, &InputError{File: file, Line: start, Msg: "malformed document: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{File: file, Line: start, Msg: fmt.Sprintf("document %d is not an object (a YAML mapping)", index+1)}
	}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(src, &root); err != nil {
		return nil, yamlError(file, start, err)
	}
	d := &Document{File: file, Index: index, Line: start, Object: obj, JSON: js,
		keys: map[string]Pos{}, blocks: map[string]Pos{}}
	if len(root.Content) > 0 {
		d.index(root.Content[0], "", start-1, strings.Split(string(src), "\n"))
	}
	d.Line = d.firstLine()
	if obj["kind"] == KindList && obj["apiVersion"] == "v1" {
		return d.expandList()
	}
	if err := d.identify(); err != nil {
		return nil, err
	}
	return []*Document{d}, nil
}

// firstLine is the line of the document's first key (past comments and the
// `---` marker).
func (d *Document) firstLine() int {
	best := 0
	for _, p := range d.keys {
		if best == 0 || p.Line < best {
			best = p.Line
		}
	}
	if best == 0 {
		best = d.Line
	}
	return best
}

func yamlError(file string, start int, err error) error {
	msg := err.Error()
	line := 0
	msg = yamlLineRe.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		line = n + start - 1
		return "line " + strconv.Itoa(line)
	})
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	return &InputError{File: file, Line: line, Msg: "malformed YAML: " + msg}
}

// index records the position of every key and sequence item under n.
func (d *Document) index(n *yamlv3.Node, path string, lineOffset int, src []string) {
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			d.index(c, path, lineOffset, src)
		}
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if _, seen := d.keys[p]; !seen {
				d.keys[p] = Pos{Line: k.Line + lineOffset, Column: k.Column}
			}
			d.recordBlock(p, v, lineOffset, src)
			d.index(v, p, lineOffset, src)
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.keys[p] = Pos{Line: c.Line + lineOffset, Column: c.Column}
			d.recordBlock(p, c, lineOffset, src)
			d.index(c, p, lineOffset, src)
		}
	case yamlv3.AliasNode:
		// Positions of an alias point at the alias itself; its target's keys
		// are already indexed where they are written.
	}
}

// recordBlock notes where a block scalar's content begins: the line after
// the indicator, at the content's indentation.
func (d *Document) recordBlock(path string, v *yamlv3.Node, lineOffset int, src []string) {
	if v.Kind != yamlv3.ScalarNode || v.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) == 0 {
		return
	}
	first := v.Line // 1-based chunk line of the indicator; content starts below
	col := 1
	for i := first; i < len(src); i++ {
		t := strings.TrimRight(src[i], "\r")
		if strings.TrimSpace(t) == "" {
			continue
		}
		col = len(t) - len(strings.TrimLeft(t, " ")) + 1
		break
	}
	d.blocks[path] = Pos{Line: first + 1 + lineOffset, Column: col}
}

func (d *Document) expandList() ([]*Document, error) {
	items, ok := d.Object["items"].([]any)
	if !ok {
		return nil, &InputError{File: d.File, Line: d.Line, Field: "items", Msg: "a List needs an items array"}
	}
	var out []*Document
	for i, it := range items {
		obj, ok := it.(map[string]any)
		prefix := fmt.Sprintf("items[%d]", i)
		if !ok {
			return nil, &InputError{File: d.File, Line: d.Position(prefix).Line, Field: prefix, Msg: "not an object"}
		}
		js, err := utiljson.Marshal(obj)
		if err != nil {
			return nil, err
		}
		sub := &Document{File: d.File, Index: d.Index + i, Line: d.Position(prefix).Line, Object: obj, JSON: js,
			keys: map[string]Pos{}, blocks: map[string]Pos{}}
		for k, p := range d.keys {
			if rest, ok := strings.CutPrefix(k, prefix+"."); ok {
				sub.keys[rest] = p
			}
		}
		for k, p := range d.blocks {
			if rest, ok := strings.CutPrefix(k, prefix+"."); ok {
				sub.blocks[rest] = p
			}
		}
		if err := sub.identify(); err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// identify fills apiVersion, kind and name and refuses kinds ocl-build does
// not handle.
func (d *Document) identify() error {
	str := func(field string, m map[string]any, key string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &InputError{File: d.File, Line: d.Position(field).Line, Field: field, Msg: fmt.Sprintf("must be a string, not %T", v)}
		}
		return s, nil
	}
	var err error
	if d.APIVersion, err = str("apiVersion", d.Object, "apiVersion"); err != nil {
		return err
	}
	if d.Kind, err = str("kind", d.Object, "kind"); err != nil {
		return err
	}
	if d.Kind == "" {
		return &InputError{File: d.File, Line: d.Line, Field: "kind", Msg: "missing: every document needs apiVersion and kind"}
	}
	if md, ok := d.Object["metadata"].(map[string]any); ok {
		if d.Name, err = str("metadata.name", md, "name"); err != nil {
			return err
		}
		if d.Namespace, err = str("metadata.namespace", md, "namespace"); err != nil {
			return err
		}
	} else if _, present := d.Object["metadata"]; present {
		return &InputError{File: d.File, Line: d.Position("metadata").Line, Field: "metadata", Msg: "must be an object"}
	}
	switch {
	case d.APIVersion == MachineConfigGroupVersion && (d.Kind == KindMachineOSConfig || d.Kind == KindMachineConfigPool || d.Kind == KindMachineConfig):
	case d.APIVersion == "v1" && d.Kind == KindSecret:
	default:
		return &InputError{File: d.File, Line: d.Position("kind").Line, Field: "kind",
			Msg: fmt.Sprintf("unknown kind %q (apiVersion %q): ocl-build handles %s MachineOSConfig, MachineConfigPool, MachineConfig and v1 Secret",
				d.Kind, d.APIVersion, MachineConfigGroupVersion)}
	}
	return nil
}

// IsInputError reports whether err is an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// fromMap converts a decoded object into a typed API object.
func fromMap(m map[string]any, into any) error {
	js, err := utiljson.Marshal(m)
	if err != nil {
		return err
	}
	return utiljson.Unmarshal(js, into)
}
