package kubedoc

import (
	"fmt"
	"strings"
	"sync"

	yamlv3 "go.yaml.in/yaml/v3"
)

// positions index one YAML document's text: where each field path's key
// (or sequence item) is written, and each value's node for mapping lines
// inside an embedded string.
type positions struct {
	keys       map[string]Pos          // field path → its key (or item); lines of the file
	nodes      map[string]*yamlv3.Node // field path → value node; lines of the chunk
	src        []string                // the chunk's lines
	lineOffset int                     // file line = chunk line + lineOffset

	mu   sync.Mutex
	maps map[string]*contentMap
}

func (p *positions) index(n *yamlv3.Node, path string) {
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			p.index(c, path)
		}
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			fp := k.Value
			if path != "" {
				fp = path + "." + k.Value
			}
			if _, seen := p.keys[fp]; !seen {
				p.keys[fp] = Pos{Line: k.Line + p.lineOffset, Column: k.Column}
				p.nodes[fp] = v
			}
			p.index(v, fp)
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			fp := fmt.Sprintf("%s[%d]", path, i)
			p.keys[fp] = Pos{Line: c.Line + p.lineOffset, Column: c.Column}
			p.nodes[fp] = c
			p.index(c, fp)
		}
	case yamlv3.AliasNode:
		// An alias's fields point at the alias itself; its target's are
		// indexed where they are written.
	}
}

// firstLine is the line of the document's first key (past comments and the
// `---` marker).
func (p *positions) firstLine(def int) int {
	best := 0
	for _, k := range p.keys {
		if best == 0 || k.Line < best {
			best = k.Line
		}
	}
	if best == 0 {
		return def
	}
	return best
}

// Position returns where the field path (as k8s.io field.Path prints it,
// e.g. spec.containerFile[0].content) is written: its key, or its item for
// a sequence element. For a path that is not written (a missing required
// field) it is the nearest written parent, then the object's first line.
// Objects without a source text return the zero Pos.
func (d *Document) Position(path string) Pos {
	if d.pos == nil {
		return Pos{}
	}
	for p := path; p != ""; {
		if pos, ok := d.pos.keys[d.prefix+p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return Pos{Line: d.Line, Column: 1}
}

// Has reports whether the field path is written in the source.
func (d *Document) Has(path string) bool {
	if d.pos == nil {
		return false
	}
	_, ok := d.pos.keys[d.prefix+path]
	return ok
}

// ContentPosition maps line:col (1-based) of the string value at path onto
// the file: for `content: |` the content's first line is the line below the
// indicator and columns shift by the block's indentation; folded, plain and
// quoted strings are matched line by line against the source. A line
// outside the value, or a value that is not a written string, gives the
// value's own position.
func (d *Document) ContentPosition(path string, line, col int) Pos {
	if d.pos == nil {
		return Pos{}
	}
	m := d.pos.contentMap(d.prefix + path)
	if m == nil {
		return d.Position(path)
	}
	if line < 1 || line > len(m.line) {
		return Pos{Line: m.node.Line + d.pos.lineOffset, Column: m.node.Column}
	}
	if col < 1 {
		col = 1
	}
	return Pos{Line: m.line[line-1] + d.pos.lineOffset, Column: col + m.off[line-1]}
}

// contentMap maps the lines of a scalar's value to chunk lines and column
// offsets.
type contentMap struct {
	line []int // chunk line of value line k (index k-1)
	off  []int // added to the value's column
	node *yamlv3.Node
}

func (p *positions) contentMap(path string) *contentMap {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.maps[path]; ok {
		return m
	}
	var m *contentMap
	if n := p.nodes[path]; n != nil && n.Kind == yamlv3.ScalarNode {
		m = newContentMap(p.src, n)
	}
	p.maps[path] = m
	return m
}

func newContentMap(src []string, n *yamlv3.Node) *contentMap {
	m := &contentMap{node: n}
	content := strings.Split(n.Value, "\n")
	if n.Style&yamlv3.LiteralStyle != 0 {
		indent := -1
		for l := n.Line; l < len(src); l++ { // src[l] is chunk line l+1
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
	// Folded, plain and quoted scalars: find each value line's text in the
	// source, moving forward only.
	curLine, curCol := n.Line, n.Column-1 // chunk line (1-based), byte index in it
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
