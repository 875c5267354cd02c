package kubedoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// StdinName names standard input ("-") in documents and errors.
const StdinName = "<stdin>"

// Size bounds: real manifests are a few KiB, an `oc get mc -o yaml` dump of
// a cluster a few MiB; the bounds keep alias expansion and fuzzed input
// cheap.
const (
	MaxFileBytes     = 64 << 20
	MaxDocumentBytes = 4 << 20
)

// InputError is a problem with input the user gave: it names the file, the
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

// IsInputError reports whether err is (or wraps) an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Pos is a 1-based place in a file; the zero Pos means "not known" (an
// object that came from a cluster rather than a file).
type Pos struct{ Line, Column int }

// Document is one Kubernetes object: a document of a YAML/JSON stream, an
// item of a List, or an object handed over already decoded.
type Document struct {
	File       string
	Index      int // 0-based position among the objects of its file
	Line       int // 1-based line where the object starts; 0 when unknown
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	// Object is the object as the API server decodes it (JSON numbers as
	// int64 or float64).
	Object map[string]any
	// JSON is Object as JSON.
	JSON []byte

	pos    *positions // nil for objects without a source text
	prefix string     // path of this object inside pos ("items[3]." for a List item)
}

// Where is "FILE:LINE" (or FILE when the line is unknown), for messages.
func (d *Document) Where() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d", d.File, d.Line)
	}
	return d.File
}

// Describe is `Kind "name"` for messages.
func (d *Document) Describe() string {
	if d.Name == "" {
		return d.Kind
	}
	return fmt.Sprintf("%s %q", d.Kind, d.Name)
}

// Reader reads documents from files, directories and standard input. The
// zero value reads no standard input.
type Reader struct {
	Stdin     io.Reader
	stdinUsed bool
}

// ReadAll reads every argument (a file, a directory, or "-") with one
// Reader; see Reader.Read.
func ReadAll(stdin io.Reader, args ...string) ([]*Document, error) {
	r := &Reader{Stdin: stdin}
	var out []*Document
	for _, a := range args {
		docs, err := r.Read(a)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// Read reads one argument: "-" is standard input (once per Reader), a
// directory is every *.yaml, *.yml and *.json file under it (recursively,
// in lexical order, hidden directories skipped), anything else a file.
func (r *Reader) Read(arg string) ([]*Document, error) {
	if arg == "-" {
		if r.Stdin == nil {
			return nil, &InputError{File: StdinName, Msg: "standard input is not available here"}
		}
		if r.stdinUsed {
			return nil, &InputError{File: StdinName, Msg: "standard input given twice"}
		}
		r.stdinUsed = true
		data, err := readLimited(r.Stdin, StdinName)
		if err != nil {
			return nil, err
		}
		return Parse(StdinName, data)
	}
	st, err := os.Stat(arg)
	if err != nil {
		return nil, &InputError{File: arg, Msg: pathErr(err)}
	}
	if !st.IsDir() {
		return ReadFile(arg)
	}
	files, err := ManifestFiles(arg)
	if err != nil {
		return nil, err
	}
	var out []*Document
	for _, f := range files {
		docs, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// ReadFile reads every object of one YAML or JSON file.
func ReadFile(path string) ([]*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: pathErr(err)}
	}
	defer f.Close()
	data, err := readLimited(f, path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, &InputError{File: name, Msg: pathErr(err)}
	}
	if len(data) > MaxFileBytes {
		return nil, &InputError{File: name, Msg: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	return data, nil
}

func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ManifestFiles lists the *.yaml, *.yml and *.json files under dir,
// recursively and sorted, skipping hidden directories. A directory without
// any is an error.
func ManifestFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
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
		return nil, &InputError{File: dir, Msg: pathErr(err)}
	}
	if len(out) == 0 {
		return nil, &InputError{File: dir, Msg: "no *.yaml, *.yml or *.json files in this directory"}
	}
	sort.Strings(out)
	return out, nil
}

var docSep = regexp.MustCompile(`^---(?:[ \t].*)?$`)

// Parse splits data into documents and decodes each one. Empty documents
// are skipped; `kind: List` and `kind: XList` (any kind ending in List with
// an items array) are expanded into their items. A duplicate key, a
// document that is not a mapping or one without kind is an *InputError
// naming file, line and field, as the API server's strict decoding would
// refuse it. No kind is refused here: callers pick the kinds they handle.
func Parse(file string, data []byte) ([]*Document, error) {
	var docs []*Document
	lines := bytes.SplitAfter(data, []byte("\n"))
	start := 1 // file line of the current chunk's first line
	chunks := 0
	var chunk [][]byte
	flush := func(next int) error {
		defer func() { chunk = nil; start = next }()
		src := bytes.Join(chunk, nil)
		if len(bytes.TrimSpace(stripComments(src))) == 0 {
			return nil
		}
		chunks++
		got, err := decodeChunk(file, chunks, start, src)
		if err != nil {
			return err
		}
		for _, d := range got {
			d.Index = len(docs)
			docs = append(docs, d)
		}
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
		return nil, &InputError{File: file, Msg: "no Kubernetes object in this file"}
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

// decodeChunk decodes one document that starts at file line start.
func decodeChunk(file string, n, start int, src []byte) ([]*Document, error) {
	if len(src) > MaxDocumentBytes {
		return nil, &InputError{File: file, Line: start, Msg: fmt.Sprintf("document %d is larger than %d bytes", n, MaxDocumentBytes)}
	}
	// sigs.k8s.io/yaml is what kubectl and the API server use: YAML 1.1
	// scalars, and (strict) a duplicate key is an error.
	js, err := yaml.YAMLToJSONStrict(src)
	if err != nil {
		return nil, yamlError(file, start, err)
	}
	if string(bytes.TrimSpace(js)) == "null" {
		return nil, nil // a document holding only `~` or `null`
	}
	var v any
	if err := utiljson.Unmarshal(js, &v); err != nil {
		return nil, &InputError{File: file, Line: start, Msg: "malformed document: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{File: file, Line: start, Msg: fmt.Sprintf("document %d is not an object (a YAML mapping)", n)}
	}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(src, &root); err != nil {
		return nil, yamlError(file, start, err)
	}
	p := &positions{keys: map[string]Pos{}, nodes: map[string]*yamlv3.Node{}, src: strings.Split(string(src), "\n"), lineOffset: start - 1, maps: map[string]*contentMap{}}
	if len(root.Content) > 0 {
		p.index(root.Content[0], "")
	}
	d := &Document{File: file, Line: start, Object: obj, JSON: js, pos: p}
	d.Line = p.firstLine(start)
	return d.expand()
}

func yamlError(file string, start int, err error) error {
	msg := err.Error()
	line := 0
	msg = yamlLineRe.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if line == 0 {
			line = n + start - 1
		}
		return "line " + strconv.Itoa(n+start-1)
	})
	msg = strings.Join(strings.Fields(msg), " ")
	for _, p := range []string{"error converting YAML to JSON: ", "yaml: ", "unmarshal errors: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return &InputError{File: file, Line: line, Msg: "malformed YAML: " + msg}
}

// FromObjects makes documents of objects that were decoded elsewhere (read
// from a cluster's API): Lists are expanded as in files; positions are
// unknown (the zero Pos). source names them in messages, e.g.
// "cluster api.example.com:6443".
func FromObjects(source string, objs ...map[string]any) ([]*Document, error) {
	var out []*Document
	for _, o := range objs {
		js, err := utiljson.Marshal(o)
		if err != nil {
			return nil, &InputError{File: source, Msg: err.Error()}
		}
		// A round trip through JSON gives the numbers the API server's
		// decoding gives (int64/float64) and an object of our own.
		var obj map[string]any
		if err := utiljson.Unmarshal(js, &obj); err != nil {
			return nil, &InputError{File: source, Msg: err.Error()}
		}
		d := &Document{File: source, Object: obj, JSON: js}
		got, err := d.expand()
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			g.Index = len(out)
			out = append(out, g)
		}
	}
	return out, nil
}

// isList reports whether the object is a List wrapper: kind List, or a
// kind ending in List (MachineOSConfigList) with an items array.
func isList(obj map[string]any) bool {
	k, _ := obj["kind"].(string)
	if k == "List" {
		return true
	}
	_, hasItems := obj["items"]
	return strings.HasSuffix(k, "List") && len(k) > len("List") && hasItems
}

// expand returns the object itself, or the items of a List.
func (d *Document) expand() ([]*Document, error) {
	if !isList(d.Object) {
		if err := d.identify(); err != nil {
			return nil, err
		}
		return []*Document{d}, nil
	}
	listKind, _ := d.Object["kind"].(string)
	listAPI, _ := d.Object["apiVersion"].(string)
	raw, present := d.Object["items"]
	items, ok := raw.([]any)
	if !ok && present && raw != nil {
		return nil, &InputError{File: d.File, Line: d.Position("items").Line, Field: "items", Msg: listKind + ": items must be an array"}
	}
	var out []*Document
	for i, it := range items {
		prefix := fmt.Sprintf("items[%d]", i)
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, &InputError{File: d.File, Line: d.Position(prefix).Line, Field: prefix, Msg: "not an object"}
		}
		// A typed list (MachineOSConfigList) may leave out its items' kind
		// and apiVersion: they are the list's.
		if listKind != "List" {
			if _, ok := obj["kind"]; !ok {
				obj["kind"] = strings.TrimSuffix(listKind, "List")
			}
			if _, ok := obj["apiVersion"]; !ok && listAPI != "" {
				obj["apiVersion"] = listAPI
			}
		}
		js, err := utiljson.Marshal(obj)
		if err != nil {
			return nil, err
		}
		sub := &Document{File: d.File, Line: d.Position(prefix).Line, Object: obj, JSON: js, pos: d.pos, prefix: d.prefix + prefix + "."}
		if err := sub.identify(); err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// identify fills apiVersion, kind, name and namespace.
func (d *Document) identify() error {
	str := func(field string, m map[string]any, key string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &InputError{File: d.File, Line: d.Position(field).Line, Field: field, Msg: fmt.Sprintf("must be a string, not %s", jsonType(v))}
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
		return &InputError{File: d.File, Line: d.Line, Field: "kind", Msg: "missing: every Kubernetes object needs apiVersion and kind"}
	}
	if md, ok := d.Object["metadata"].(map[string]any); ok {
		if d.Name, err = str("metadata.name", md, "name"); err != nil {
			return err
		}
		if d.Namespace, err = str("metadata.namespace", md, "namespace"); err != nil {
			return err
		}
	} else if v, present := d.Object["metadata"]; present && v != nil {
		return &InputError{File: d.File, Line: d.Position("metadata").Line, Field: "metadata", Msg: "must be an object"}
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
