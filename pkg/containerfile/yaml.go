package containerfile

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// lintYAML lints every MachineOSConfig of a (multi-document) YAML file.
func lintYAML(file string, data []byte, opts Options) ([]findings.Finding, error) {
	src := splitLines(string(data))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []findings.Finding
	var others []string
	found := 0
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := 0
			if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.TrimSpace(strings.Replace(msg, m[0]+":", "", 1))
			}
			return nil, inputErr(file, line, "not valid YAML: %s", msg)
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		for _, obj := range objects(n.Content[0]) {
			kind := scalar(get(obj, "kind"))
			if kind != "MachineOSConfig" {
				if kind == "" {
					kind = "an object without kind"
				}
				others = append(others, kind)
				continue
			}
			found++
			fs, err := lintMOSC(file, src, obj, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
	}
	if found == 0 {
		what := "no Kubernetes object"
		if len(others) > 0 {
			what = strings.Join(uniq(others), ", ")
		}
		return nil, inputErr(file, 0, "no MachineOSConfig in this YAML (found %s)", what)
	}
	findings.Sort(out)
	return out, nil
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// objects returns the mapping itself, or the items of a `kind: List`.
func objects(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return []*yaml.Node{n}
	}
	if strings.HasSuffix(scalar(get(n, "kind")), "List") {
		if items := deref(get(n, "items")); items != nil && items.Kind == yaml.SequenceNode {
			var out []*yaml.Node
			for _, it := range items.Content {
				out = append(out, deref(it))
			}
			return out
		}
	}
	return []*yaml.Node{n}
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// get returns the value of key in a mapping, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

func keyNode(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func lintMOSC(file string, src []string, obj *yaml.Node, opts Options) ([]findings.Finding, error) {
	name := scalar(get(get(obj, "metadata"), "name"))
	label := "MachineOSConfig"
	if name != "" {
		label += " " + strconv.Quote(name)
	}
	if av := scalar(get(obj, "apiVersion")); av != "" && av != "machineconfiguration.openshift.io/v1" {
		return nil, inputErr(file, obj.Line, "%s has apiVersion %s; ocl-build reads machineconfiguration.openshift.io/v1 (OpenShift 4.19+)", label, av)
	}
	spec := get(obj, "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		return nil, inputErr(file, obj.Line, "%s has no spec", label)
	}
	var out []findings.Finding
	cf := get(spec, "containerFile")
	var archs []string
	// A MachineOSConfig's content is on-cluster content, whatever it says.
	opts.Target = rules.OnCluster
	if cf != nil && cf.Kind == yaml.SequenceNode {
		for i, e := range cf.Content {
			e = deref(e)
			if e.Kind != yaml.MappingNode {
				return nil, inputErr(file, e.Line, "%s spec.containerFile[%d] is not a mapping", label, i)
			}
			archs = append(archs, scalar(get(e, "containerfileArch")))
			c := get(e, "content")
			if c == nil {
				return nil, inputErr(file, e.Line, "%s spec.containerFile[%d] has no content", label, i)
			}
			if c.Kind != yaml.ScalarNode || (c.Tag != "!!str" && c.Tag != "" && c.Tag != "!!null") {
				return nil, inputErr(file, c.Line, "%s spec.containerFile[%d].content is not a string", label, i)
			}
			if strings.TrimSpace(c.Value) == "" {
				continue // valid: the image is the operator's configs stage
			}
			if err := checkText(file, []byte(c.Value)); err != nil {
				ie := err.(*InputError)
				return nil, inputErr(file, c.Line, "%s spec.containerFile[%d].content: %s", label, i, ie.Msg)
			}
			m := newPosMap(src, c)
			opts.lineOf = func(l int) int { line, _ := m.toFile(l, 1); return line }
			fs, err := LintContent(file, c.Value, opts)
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				f.Line, f.Column = m.toFile(f.Line, f.Column)
				out = append(out, f)
			}
		}
	} else if cf != nil && !(cf.Kind == yaml.ScalarNode && cf.Tag == "!!null") {
		return nil, inputErr(file, cf.Line, "%s spec.containerFile is not a list", label)
	}
	if _, msg := rules.CheckNoArch(archs); msg != "" {
		at := keyNode(spec, "containerFile")
		if at == nil {
			at = keyNode(obj, "spec")
		}
		out = append(out, rules.OCL302.Finding(opts.Profile, file, at.Line, at.Column, label+": "+msg))
	}
	return out, nil
}

// posMap maps a line of a scalar's value to the YAML file's line and column.
type posMap struct {
	line []int // file line of content line k (index k-1)
	off  []int // added to the content column
	node *yaml.Node
}

func newPosMap(src []string, n *yaml.Node) *posMap {
	m := &posMap{node: n}
	content := strings.Split(n.Value, "\n")
	if n.Style&yaml.LiteralStyle != 0 {
		indent := -1
		for l := n.Line; l < len(src); l++ { // src[l] is file line l+1
			if t := strings.TrimSpace(src[l]); t != "" {
				indent = len(src[l]) - len(strings.TrimLeft(src[l], " "))
				break
			}
		}
		if indent >= 0 {
			for k := range content {
				m.line = append(m.line, n.Line+1+k)
				m.off = append(m.off, indent)
			}
			return m
		}
	}
	// Folded, plain and quoted scalars: find each content line's text in the
	// source, moving forward only.
	curLine, curCol := n.Line, n.Column-1 // file line (1-based), byte index in it
	prevLine, prevOff := n.Line, n.Column-1
	for _, t := range content {
		probe := strings.TrimSpace(t)
		lead := len(t) - len(strings.TrimLeft(t, " \t"))
		if len(probe) > 40 {
			probe = probe[:40]
		}
		foundLine, foundOff := -1, 0
		if probe != "" {
			for l := curLine; l <= len(src) && l < curLine+200; l++ {
				s := src[l-1]
				from := 0
				if l == curLine {
					from = min(curCol, len(s))
				}
				if k := strings.Index(s[from:], probe); k >= 0 {
					foundLine, foundOff = l, from+k-lead
					curLine, curCol = l, from+k+len(probe)
					break
				}
			}
		}
		if foundLine < 0 {
			foundLine, foundOff = prevLine, prevOff
		}
		m.line = append(m.line, foundLine)
		m.off = append(m.off, max(foundOff, 0))
		prevLine, prevOff = foundLine, foundOff
	}
	return m
}

func (m *posMap) toFile(line, col int) (int, int) {
	if line < 1 || line > len(m.line) {
		return m.node.Line, m.node.Column
	}
	if col < 1 {
		col = 1
	}
	return m.line[line-1], col + m.off[line-1]
}
