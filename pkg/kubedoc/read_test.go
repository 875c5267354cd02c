package kubedoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parse(t *testing.T, src string) []*Document {
	t.Helper()
	docs, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestParseStreamsListsAndPositions(t *testing.T) {
	src := `# comment
---
apiVersion: v1
kind: List
items:
- apiVersion: machineconfiguration.openshift.io/v1
  kind: MachineConfigPool
  metadata:
    name: a
...
---

--- # the next one
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfigList
items:
- metadata: {name: b}
  spec:
    containerFile:
    - content: |
        FROM configs AS final
        RUN dnf install -y x
---
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
`
	docs := parse(t, src)
	if len(docs) != 3 {
		t.Fatalf("%d documents", len(docs))
	}
	a, b, c := docs[0], docs[1], docs[2]
	if a.Kind != "MachineConfigPool" || a.Name != "a" || a.Line != 6 || a.Index != 0 {
		t.Errorf("a: %+v", a)
	}
	// A typed list's items take the list's kind and apiVersion.
	if b.Kind != "MachineOSConfig" || b.APIVersion != "machineconfiguration.openshift.io/v1" || b.Name != "b" || b.Line != 17 || b.Index != 1 {
		t.Errorf("b: kind %q apiVersion %q name %q line %d", b.Kind, b.APIVersion, b.Name, b.Line)
	}
	if c.Kind != "ConfigMap" || c.Line != 24 {
		t.Errorf("c: %+v", c)
	}
	if p := a.Position("metadata.name"); p != (Pos{9, 5}) {
		t.Errorf("a metadata.name at %+v", p)
	}
	if p := a.Position("spec.machineConfigSelector"); p != (Pos{6, 1}) {
		t.Errorf("a missing field falls back to the object: %+v", p)
	}
	if p := b.Position("spec.containerFile[0].content"); p != (Pos{20, 7}) {
		t.Errorf("b content key at %+v", p)
	}
	// Line 2 column 5 of the content ("dnf") is file line 22, column 13.
	if p := b.ContentPosition("spec.containerFile[0].content", 2, 5); p != (Pos{22, 13}) {
		t.Errorf("b content 2:5 at %+v", p)
	}
	if !b.Has("spec.containerFile") || b.Has("spec.imageBuilder") {
		t.Error("Has")
	}
}

// Folded, plain and quoted strings map each of their lines onto the file.
func TestContentPositionScalarStyles(t *testing.T) {
	for name, c := range map[string]struct {
		src       string
		line, col int // of content line 2, column 5
	}{
		"literal keep":  {"kind: X\ncontent: |+\n  a\n  RUN dnf x\n\n", 4, 7},
		"folded":        {"kind: X\ncontent: >\n  a\n\n  RUN dnf x\n", 5, 7},
		"single quoted": {"kind: X\ncontent: 'a\n\n    RUN dnf x'\n", 4, 9},
		"double quoted": {"kind: X\ncontent: \"a\\nRUN dnf x\"\n", 2, 18},
		"json":          {`{"kind":"X","content":"a\nRUN dnf x"}`, 1, 31},
	} {
		t.Run(name, func(t *testing.T) {
			d := parse(t, c.src)[0]
			if p := d.ContentPosition("content", 2, 5); p != (Pos{c.line, c.col}) {
				t.Errorf("got %+v, want %d:%d", p, c.line, c.col)
			}
		})
	}
}

func TestParseRefusesWhatTheServerRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		src  string
		want string
	}{
		"duplicate key":  {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n", `f.yaml:5: malformed YAML: line 5: key "name" already set in map`},
		"later document": {"kind: A\n---\nkind: B\nx: [\n", "f.yaml:4: malformed YAML"},
		"not a mapping":  {"- a\n- b\n", "f.yaml:1: document 1 is not an object"},
		"no kind":        {"apiVersion: v1\nmetadata: {name: x}\n", "f.yaml:1: kind: missing"},
		"kind a number":  {"kind: 3\n", "f.yaml:1: kind: must be a string, not a number"},
		"items no array": {"apiVersion: v1\nkind: List\nitems: {a: 1}\n", "f.yaml:3: items: List: items must be an array"},
		"item no object": {"apiVersion: v1\nkind: List\nitems: [1]\n", "f.yaml:3: items[0]: not an object"},
		"only comments":  {"# nothing\n---\n# here\n", "f.yaml: no Kubernetes object in this file"},
	} {
		_, err := Parse("f.yaml", []byte(c.src))
		if err == nil || !IsInputError(err) || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want an InputError starting %q", name, err, c.want)
		}
	}
}

func TestReadAllFilesDirsAndStdin(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	obj := func(n string) string { return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + n + "}\n" }
	write("b.yaml", obj("b"))
	write("a/z.yml", obj("z"))
	write("c.json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`)
	write("notes.txt", "not yaml")
	write(".git/x.yaml", obj("hidden"))
	docs, err := ReadAll(strings.NewReader(obj("stdin")), dir, "-")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Name+"@"+filepath.Base(d.File))
	}
	if strings.Join(got, " ") != "z@z.yml b@b.yaml c@c.json stdin@"+StdinName {
		t.Errorf("got %v", got)
	}
	if _, err := ReadAll(strings.NewReader(obj("x")), "-", "-"); err == nil || !strings.Contains(err.Error(), "standard input given twice") {
		t.Errorf("stdin twice: %v", err)
	}
	if _, err := ReadAll(nil, filepath.Join(dir, "missing.yaml")); err == nil || !IsInputError(err) || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("missing: %v", err)
	}
	if _, err := ReadAll(nil, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no *.yaml") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestFromObjects(t *testing.T) {
	docs, err := FromObjects("cluster", map[string]any{
		"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfigPoolList",
		"items": []any{map[string]any{"metadata": map[string]any{"name": "worker"}, "spec": map[string]any{"maxUnavailable": 1}}},
	}, map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "ns"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Kind != "MachineConfigPool" || docs[0].Name != "worker" || docs[1].Namespace != "ns" || docs[1].Index != 1 {
		t.Fatalf("%+v", docs)
	}
	// Numbers as the API server decodes them; positions unknown.
	if n := docs[0].Object["spec"].(map[string]any)["maxUnavailable"]; n != int64(1) {
		t.Errorf("number %T %v", n, n)
	}
	if p := docs[0].Position("spec"); p != (Pos{}) || docs[0].Where() != "cluster" {
		t.Errorf("position %+v where %q", p, docs[0].Where())
	}
}

func TestData(t *testing.T) {
	docs := parse(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  a: text
binaryData:
  b: aGk=
---
apiVersion: v1
kind: Secret
metadata: {name: s}
data:
  k: c2VjcmV0
  over: b2xk
stringData:
  over: new
---
apiVersion: v1
kind: Secret
metadata: {name: bad}
data:
  k: "not base64!"
`)
	cm, err := docs[0].Data()
	if err != nil || cm.String("a") != "text" || cm.String("b") != "hi" || strings.Join(cm.Keys(), ",") != "a,b" {
		t.Fatalf("configmap: %v %v", cm, err)
	}
	if _, err := cm.Require("missing"); err == nil || !strings.Contains(err.Error(), `f.yaml:4: data.missing: ConfigMap "cm" has no "missing"`) {
		t.Errorf("require: %v", err)
	}
	s, err := docs[1].Data()
	if err != nil || s.String("k") != "secret" || s.String("over") != "new" || s.Field("over") != "stringData.over" || s.Position("k").Line != 13 {
		t.Fatalf("secret: %v", err)
	}
	_, err = docs[2].Data()
	if err == nil || err.Error() != "f.yaml:22: data.k: is not base64" {
		t.Errorf("bad base64 names the field, never the value: %v", err)
	}
}
