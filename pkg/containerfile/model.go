package containerfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// doc is one parsed Containerfile with everything the rules look at.
type doc struct {
	file   string
	src    string
	lines  []string // raw lines, without line terminators
	escape rune
	insts  []*inst
	stages []*stage
	meta   []*inst // ARGs before the first FROM
	// shipped marks the final stage and the stages it descends from: what
	// reaches the node. Content without FROM is one implicit stage (it runs
	// at the end of the operator's configs stage), so all of it ships.
	shipped map[*stage]bool
	// shippedInsts and shippedStages: the same, as lists (built once).
	shippedInsts  []*inst
	shippedStages []*stage
	// parseErrs are what OCL100 reports: the parser's, the shell's and
	// malformed pragmas.
	parseErrs []parseErr
	profile   *ocpversion.Profile
	// lineOf maps a content line to the line the user sees (the YAML
	// file's, for a MachineOSConfig); nil: the same.
	lineOf func(int) int
	out    []findings.Finding
	sup    findings.Suppressions
}

// parseErr is one OCL100 finding waiting for its check.
type parseErr struct {
	line, col int
	msg       string
	variant   string // "" or a variant of OCL100 ("pragma")
}

// inst is one instruction with its place in the file.
type inst struct {
	node      *parser.Node
	cmd       string // lower case: run, copy, from...
	line, end int    // first and last line (1-based)
	col       int
	stage     *stage
	parsed    any // *instructions.RunCommand, ... nil when it did not parse
	run       *script
	flags     map[string][]string // --name=value flags as written
}

// stage is one FROM and its instructions.
type stage struct {
	index  int
	name   string // lower case alias ("" when none)
	base   string // as written in FROM
	from   *inst
	parent *stage // earlier stage named by base, nil for images
	insts  []*inst
	// rawBase is the FROM image as written, before ARG expansion.
	rawBase string
	// implicit: content without FROM, which runs in the configs stage.
	implicit bool
}

// unresolvedBase reports a FROM image named by a build argument that has no
// value here (ARG without default): its image is unknown.
func (s *stage) unresolvedBase() bool {
	return s.from != nil && strings.Contains(s.rawBase, "$") && (s.base == "" || strings.Contains(s.base, "$"))
}

// descendsFrom reports whether the stage's chain of bases reaches image name.
func (s *stage) descendsFrom(name string) bool {
	for st, n := s, 0; st != nil && n < 1000; st, n = st.parent, n+1 {
		if st.parent == nil && strings.EqualFold(st.base, name) {
			return true
		}
	}
	return false
}

// chain is the stage and its ancestors, ancestors first.
func (s *stage) chain() []*stage {
	var out []*stage
	for st, n := s, 0; st != nil && n < 1000; st, n = st.parent, n+1 {
		out = append([]*stage{st}, out...)
	}
	return out
}

var errNoInstructions = errors.New("no instructions")

// parseDoc parses src; a parse failure is reported as an OCL100 finding and
// yields a nil doc.
func parseDoc(file, src string) (*doc, error) {
	d := &doc{file: file, src: src, lines: splitLines(src)}
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		if strings.Contains(err.Error(), "file with no instructions") {
			return d, errNoInstructions
		}
		return d, err
	}
	d.escape = res.EscapeToken
	var cur *stage
	names := map[string]*stage{}
	for _, n := range res.AST.Children {
		in := &inst{node: n, cmd: strings.ToLower(n.Value), line: n.StartLine, end: n.EndLine, col: d.colOf(n.StartLine)}
		in.flags = parseFlags(n.Flags)
		v, perr := instructions.ParseInstruction(n)
		if perr != nil {
			d.parseErrs = append(d.parseErrs, parseErr{line: in.line, col: in.col, msg: strings.ToUpper(in.cmd) + ": " + cleanErr(perr)})
		} else {
			in.parsed = v
		}
		if st, ok := v.(*instructions.Stage); ok && perr == nil {
			base := expandMeta(st.BaseName, d.meta)
			cur = &stage{index: len(d.stages), name: strings.ToLower(st.Name), base: base, rawBase: st.BaseName, from: in}
			if p, ok := names[strings.ToLower(base)]; ok {
				cur.parent = p
			}
			if cur.name != "" {
				names[cur.name] = cur
			}
			d.stages = append(d.stages, cur)
		} else if in.cmd == "from" {
			// An unparsable FROM still opens a stage for the rules that follow.
			cur = &stage{index: len(d.stages), from: in}
			d.stages = append(d.stages, cur)
		}
		in.stage = cur
		if cur == nil {
			if in.cmd == "arg" {
				d.meta = append(d.meta, in)
			}
		} else {
			cur.insts = append(cur.insts, in)
		}
		d.insts = append(d.insts, in)
	}
	if len(d.stages) == 0 && len(d.insts) > 0 {
		// No FROM: the operator pastes these lines after its configs
		// stage, so they are that stage's last instructions.
		d.stages = []*stage{{base: "configs", rawBase: "configs", implicit: true, insts: d.insts}}
		for _, in := range d.insts {
			in.stage = d.stages[0]
		}
		d.meta = nil
	}
	d.shipped = map[*stage]bool{}
	if st := finalStage(d); st != nil {
		for _, s := range st.chain() {
			d.shipped[s] = true
		}
	}
	return d, nil
}

var metaRefRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandMeta expands $NAME, ${NAME} and ${NAME:-default} in a FROM image
// with the defaults of the ARGs before the first FROM, as buildah does when
// no --build-arg overrides them (the cluster passes none of these).
func expandMeta(s string, meta []*inst) string {
	if !strings.Contains(s, "$") {
		return s
	}
	vals := map[string]string{}
	for _, in := range meta {
		if a, ok := in.parsed.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				if kv.Value != nil {
					vals[kv.Key] = *kv.Value
				}
			}
		}
	}
	return metaRefRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := metaRefRe.FindStringSubmatch(m)
		name, def := sub[1], sub[2]
		if name == "" {
			name = sub[3]
		}
		if v, ok := vals[name]; ok && v != "" {
			return v
		}
		return def
	})
}

// add records a finding of rule at a line and column of the file, at the
// rule's severity under the version in force.
func (d *doc) add(r *rules.Rule, line, col int, format string, args ...any) {
	d.out = append(d.out, r.Finding(d.profile, d.file, line, col, fmt.Sprintf(format, args...)))
}

// lineRef is a content line as messages name it: the YAML file's line
// for embedded content.
func (d *doc) lineRef(l int) int {
	if d.lineOf != nil {
		return d.lineOf(l)
	}
	return l
}

// colOf is the 1-based column of the first non-blank character of a line.
func (d *doc) colOf(line int) int {
	if line < 1 || line > len(d.lines) {
		return 1
	}
	l := d.lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}

func splitLines(src string) []string {
	ls := strings.Split(src, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// parseFlags reads --name=value instruction flags as written.
func parseFlags(fs []string) map[string][]string {
	if len(fs) == 0 {
		return nil
	}
	m := map[string][]string{}
	for _, f := range fs {
		f = strings.TrimPrefix(f, "--")
		name, val, _ := strings.Cut(f, "=")
		m[strings.ToLower(name)] = append(m[strings.ToLower(name)], val)
	}
	return m
}

// mounts splits each --mount value into its key=value fields.
func (in *inst) mounts() []map[string]string {
	var out []map[string]string
	for _, v := range in.flags["mount"] {
		m := map[string]string{"type": "bind"}
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				val = "true"
			}
			k = strings.ToLower(strings.TrimSpace(k))
			switch k {
			case "dst", "destination":
				k = "target"
			case "src":
				k = "source"
			}
			m[k] = strings.Trim(strings.TrimSpace(val), `"'`)
		}
		out = append(out, m)
	}
	return out
}

var lineRe = regexp.MustCompile(`^(?:dockerfile parse error )?line (\d+): `)

// cleanErr flattens a parser error to one line without its location prefix.
func cleanErr(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return lineRe.ReplaceAllString(msg, "")
}

// errLine digs the first line number out of a buildkit parser error.
func errLine(err error) int {
	var el *parser.ErrorLocation
	if errors.As(err, &el) && len(el.Locations) > 0 && len(el.Locations[0]) > 0 {
		return el.Locations[0][0].Start.Line
	}
	return 0
}

// stripBOM drops a UTF-8 byte-order mark, which editors on Windows add.
func stripBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }
