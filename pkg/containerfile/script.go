package containerfile

import (
	"errors"
	"path"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// pos is a 1-based line and column in the linted file.
type pos struct{ line, col int }

func (p pos) before(q pos) bool { return p.line < q.line || (p.line == q.line && p.col < q.col) }

// call is one simple command of a RUN, after unwrapping sudo/env/xargs...
type call struct {
	name      string   // program basename: dnf, sh, curl
	args      []string // arguments after the program, unquoted; expansions as written
	argPos    []pos
	dynamic   []bool // argument holds an expansion ($X, $(...))
	pos       pos
	sudo      bool
	pipedFrom *call // the command whose output this one reads through |
	redirs    []redir
	substs    []*call // commands inside $(...) / <(...) of its arguments
	nested    *script // script it runs: sh -c '...', sh <<EOF
	// pkg caches parsePkgCall: many rules ask, the answer does not change.
	pkg     *pkgCall
	pkgDone bool
}

type redir struct {
	op     syntax.RedirOperator
	target string
	pos    pos
}

// pipe is one | operator and the command whose output it carries (nil
// when that is not a simple command).
type pipe struct {
	pos  pos
	left *call
}

// script is the analysed shell of one RUN: every command in source order,
// nested scripts (sh -c, heredocs) included.
type script struct {
	calls      []*call
	last       *call  // what the RUN ends in
	pipes      []pipe // each | operator
	pipefailAt *pos   // where pipefail is switched on, if it is
	bad        bool   // the shell could not parse it (reported as OCL100)
}

const maxNesting = 8

var parserPool = sync.Pool{New: func() any {
	return syntax.NewParser(syntax.Variant(syntax.LangBash))
}}

// shellError is a RUN script the shell cannot parse, at a file position.
type shellError struct {
	pos pos
	msg string
}

func (e *shellError) Error() string { return e.msg }

// parseShell parses src (whose line 1 column 1 sits at base in the file)
// into sc and returns the command the script ends in.
func parseShell(sc *script, src string, base pos, depth int) (*call, error) {
	p := parserPool.Get().(*syntax.Parser)
	f, err := p.Parse(strings.NewReader(src), "")
	parserPool.Put(p)
	w := &walker{sc: sc, src: src, base: base, depth: depth}
	if err != nil {
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			return nil, &shellError{pos: w.at(pe.Pos), msg: pe.Text}
		}
		return nil, &shellError{pos: base, msg: err.Error()}
	}
	return w.stmts(f.Stmts), nil
}

type walker struct {
	sc    *script
	src   string
	base  pos
	depth int
}

func (w *walker) at(p syntax.Pos) pos {
	if !p.IsValid() {
		return w.base
	}
	l, c := int(p.Line()), int(p.Col())
	if l == 1 {
		return pos{w.base.line, w.base.col + c - 1}
	}
	return pos{w.base.line + l - 1, c}
}

func (w *walker) stmts(list []*syntax.Stmt) *call {
	var last *call
	for _, st := range list {
		last = w.stmt(st, nil)
	}
	return last
}

func (w *walker) stmt(st *syntax.Stmt, pipedFrom *call) *call {
	if st == nil {
		return nil
	}
	var rs []redir
	var stdinDoc *syntax.Word
	var stdinDelim string
	for _, r := range st.Redirs {
		if r.Word != nil {
			w.substs(r.Word)
		}
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			if r.Hdoc != nil && (r.N == nil || r.N.Value == "0") {
				stdinDoc = r.Hdoc
				stdinDelim, _ = w.wordText(r.Word)
			}
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob, syntax.RdrInOut:
			if r.Word != nil {
				t, _ := w.wordText(r.Word)
				rs = append(rs, redir{op: r.Op, target: t, pos: w.at(r.Word.Pos())})
			}
		}
	}
	switch x := st.Cmd.(type) {
	case nil:
		// `RUN <<EOF`: buildkit runs the heredoc body as the script.
		if stdinDoc != nil {
			return w.nestedRaw(stdinDoc, stdinDelim)
		}
		return nil
	case *syntax.CallExpr:
		return w.call(x, rs, pipedFrom, stdinDoc, stdinDelim)
	case *syntax.BinaryCmd:
		switch x.Op {
		case syntax.Pipe, syntax.PipeAll:
			at := len(w.sc.pipes)
			w.sc.pipes = append(w.sc.pipes, pipe{pos: w.at(x.OpPos)})
			left := w.stmt(x.X, pipedFrom)
			w.sc.pipes[at].left = left
			return w.stmt(x.Y, left)
		default:
			w.stmt(x.X, pipedFrom)
			return w.stmt(x.Y, nil)
		}
	case *syntax.Block:
		return w.stmts(x.Stmts)
	case *syntax.Subshell:
		return w.stmts(x.Stmts)
	case *syntax.TimeClause:
		return w.stmt(x.Stmt, pipedFrom)
	case *syntax.IfClause:
		for ic := x; ic != nil; ic = ic.Else {
			w.stmts(ic.Cond)
			w.stmts(ic.Then)
		}
	case *syntax.WhileClause:
		w.stmts(x.Cond)
		w.stmts(x.Do)
	case *syntax.ForClause:
		if wi, ok := x.Loop.(*syntax.WordIter); ok {
			for _, wd := range wi.Items {
				w.substs(wd)
			}
		}
		w.stmts(x.Do)
	case *syntax.CaseClause:
		w.substs(x.Word)
		for _, it := range x.Items {
			w.stmts(it.Stmts)
		}
	case *syntax.FuncDecl:
		w.stmt(x.Body, nil)
	case *syntax.CoprocClause:
		w.stmt(x.Stmt, nil)
	case *syntax.DeclClause:
		for _, a := range x.Args {
			if a.Value != nil {
				w.substs(a.Value)
			}
		}
	}
	return nil
}

// substs analyses the commands inside $(...), `...` and <(...) of a word and
// returns them.
func (w *walker) substs(wd *syntax.Word) []*call {
	if wd == nil {
		return nil
	}
	var out []*call
	var parts func([]syntax.WordPart)
	parts = func(ps []syntax.WordPart) {
		for _, p := range ps {
			switch x := p.(type) {
			case *syntax.CmdSubst:
				out = append(out, w.collect(x.Stmts)...)
			case *syntax.ProcSubst:
				out = append(out, w.collect(x.Stmts)...)
			case *syntax.DblQuoted:
				parts(x.Parts)
			}
		}
	}
	parts(wd.Parts)
	return out
}

// collect walks stmts and returns the calls they added.
func (w *walker) collect(stmts []*syntax.Stmt) []*call {
	n := len(w.sc.calls)
	w.stmts(stmts)
	return append([]*call(nil), w.sc.calls[n:]...)
}

// wrappers run the command named after their own options.
var wrappers = map[string]bool{"sudo": true, "env": true, "command": true, "exec": true, "nice": true,
	"nohup": true, "time": true, "timeout": true, "xargs": true, "stdbuf": true, "ionice": true, "chroot": false}

// optsWithValue are wrapper options whose value is the next word.
var optsWithValue = map[string]map[string]bool{
	"sudo":    {"-u": true, "-g": true, "-C": true, "-D": true, "-h": true, "-p": true, "-r": true, "-t": true, "-U": true},
	"env":     {"-u": true, "-C": true, "-S": true},
	"exec":    {"-a": true},
	"nice":    {"-n": true},
	"timeout": {"-s": true, "-k": true},
	"xargs":   {"-a": true, "-d": true, "-E": true, "-I": true, "-L": true, "-n": true, "-P": true, "-s": true},
	"stdbuf":  {"-i": true, "-o": true, "-e": true},
	"ionice":  {"-c": true, "-n": true, "-p": true},
}

func (w *walker) call(x *syntax.CallExpr, rs []redir, pipedFrom *call, stdinDoc *syntax.Word, delim string) *call {
	var substs []*call
	for _, a := range x.Assigns {
		if a.Value != nil {
			substs = append(substs, w.substs(a.Value)...)
		}
	}
	if len(x.Args) == 0 {
		return nil
	}
	c := &call{pipedFrom: pipedFrom, redirs: rs, pos: w.at(x.Args[0].Pos())}
	words := make([]string, len(x.Args))
	poss := make([]pos, len(x.Args))
	dyn := make([]bool, len(x.Args))
	for i, a := range x.Args {
		words[i], dyn[i] = w.wordText(a)
		poss[i] = w.at(a.Pos())
		substs = append(substs, w.substs(a)...)
	}
	c.substs = substs
	// Unwrap sudo, env, xargs...: the program is the first word after their
	// options (and, for env, VAR=value assignments; for timeout, the duration).
	i := 0
	for i < len(words) {
		name := path.Base(words[i])
		if !wrappers[name] {
			break
		}
		if name == "sudo" {
			c.sudo = true
		}
		i++
		for i < len(words) && strings.HasPrefix(words[i], "-") {
			if words[i] == "--" {
				i++
				break
			}
			if optsWithValue[name][words[i]] {
				i++
			}
			i++
		}
		if name == "env" {
			for i < len(words) && strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "=") {
				i++
			}
		}
		if name == "timeout" && i < len(words) {
			i++
		}
	}
	if i >= len(words) {
		return nil
	}
	c.name = path.Base(words[i])
	c.pos = poss[i]
	c.args, c.argPos, c.dynamic = words[i+1:], poss[i+1:], dyn[i+1:]
	w.sc.calls = append(w.sc.calls, c)

	if c.name == "set" || c.name == "shopt" {
		if pipefailOpt(c.args) && w.sc.pipefailAt == nil {
			p := c.pos
			w.sc.pipefailAt = &p
		}
	}
	if isShell(c.name) {
		if pipefailOpt(c.args) && w.sc.pipefailAt == nil {
			p := c.pos
			w.sc.pipefailAt = &p
		}
		if sw := shellScriptArg(c.args); sw >= 0 && w.depth < maxNesting {
			wd := x.Args[i+1+sw]
			if last := w.nestedWord(c, wd); last != nil {
				return last
			}
			return c
		}
		if stdinDoc != nil && noScriptFile(c.args) && w.depth < maxNesting {
			if last := w.nestedRaw(stdinDoc, delim); last != nil {
				return last
			}
		}
	}
	return c
}

func isShell(name string) bool {
	switch name {
	case "sh", "bash", "dash", "zsh", "ksh", "ash":
		return true
	}
	return false
}

// shellScriptArg finds the index (in args) of the script of `sh -c SCRIPT`,
// or -1. Option clusters like -ec or -xc count; -o takes a value.
func shellScriptArg(args []string) int {
	hasC := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if hasC && i+1 < len(args) {
				return i + 1
			}
			return -1
		}
		if len(a) > 1 && (a[0] == '-' || a[0] == '+') && !strings.HasPrefix(a, "--") {
			if a == "-o" || a == "+o" || a == "-O" || a == "+O" {
				i++
				continue
			}
			if strings.ContainsRune(a[1:], 'c') {
				hasC = true
			}
			continue
		}
		if strings.HasPrefix(a, "--") {
			continue
		}
		if hasC {
			return i
		}
		return -1
	}
	return -1
}

// noScriptFile reports whether a shell call reads its script from stdin
// (no positional script file argument).
func noScriptFile(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-o" || a == "+o" {
			i++
			continue
		}
		if !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
			return false
		}
	}
	return true
}

func pipefailOpt(args []string) bool {
	for i, a := range args {
		if a == "pipefail" && i > 0 && strings.HasPrefix(args[i-1], "-") && strings.HasSuffix(args[i-1], "o") {
			return true
		}
	}
	return false
}

// nestedWord parses the script argument of `sh -c`.
func (w *walker) nestedWord(c *call, wd *syntax.Word) *call {
	start := w.at(wd.Pos())
	var text string
	base := start
	if len(wd.Parts) == 1 {
		switch p := wd.Parts[0].(type) {
		case *syntax.SglQuoted:
			text = p.Value
			base.col++
			if p.Dollar {
				base.col++
			}
		case *syntax.DblQuoted:
			lits := true
			var b strings.Builder
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					lits = false
					break
				}
				b.WriteString(unescapeDQ(l.Value))
			}
			if lits {
				text = b.String()
				base.col++
			} else {
				text, _ = w.wordText(wd)
			}
		default:
			text, _ = w.wordText(wd)
		}
	} else {
		text, _ = w.wordText(wd)
	}
	sub := &script{}
	last, err := parseShell(sub, text, base, w.depth+1)
	if err != nil {
		return nil // not a script we can read; the outer command stands
	}
	w.adopt(sub)
	c.nested = sub
	return last
}

// nestedRaw parses a heredoc body as a script.
func (w *walker) nestedRaw(doc *syntax.Word, delim string) *call {
	if w.depth >= maxNesting {
		return nil
	}
	s, e := int(doc.Pos().Offset()), int(doc.End().Offset())
	if s < 0 || e > len(w.src) || s > e {
		return nil
	}
	body := w.src[s:e]
	// The body's end may take in the closing delimiter line: drop it.
	if i := strings.LastIndexByte(strings.TrimRight(body, "\n"), '\n'); delim != "" {
		lastLine := body[i+1:]
		if strings.TrimSpace(lastLine) == delim {
			body = body[:i+1]
		}
	} else if strings.TrimSpace(body) == delim {
		body = ""
	}
	sub := &script{}
	last, err := parseShell(sub, body, w.at(doc.Pos()), w.depth+1)
	if err != nil {
		return nil
	}
	w.adopt(sub)
	return last
}

func (w *walker) adopt(sub *script) {
	w.sc.calls = append(w.sc.calls, sub.calls...)
	w.sc.pipes = append(w.sc.pipes, sub.pipes...)
	if sub.pipefailAt != nil && w.sc.pipefailAt == nil {
		w.sc.pipefailAt = sub.pipefailAt
	}
}

func unescapeDQ(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// wordText is a word's value with quotes removed; expansions keep their
// source text and mark the word dynamic.
func (w *walker) wordText(wd *syntax.Word) (string, bool) {
	if wd == nil {
		return "", false
	}
	if l := wd.Lit(); l != "" {
		if strings.IndexByte(l, '\\') >= 0 {
			return unescapeLit(l), false
		}
		return l, false
	}
	var b strings.Builder
	dyn := false
	var parts func([]syntax.WordPart, bool)
	parts = func(ps []syntax.WordPart, inDQ bool) {
		for _, p := range ps {
			switch x := p.(type) {
			case *syntax.Lit:
				if inDQ {
					b.WriteString(unescapeDQ(x.Value))
				} else {
					b.WriteString(unescapeLit(x.Value))
				}
			case *syntax.SglQuoted:
				b.WriteString(x.Value)
			case *syntax.DblQuoted:
				parts(x.Parts, true)
			default:
				dyn = true
				s, e := int(p.Pos().Offset()), int(p.End().Offset())
				if s >= 0 && e <= len(w.src) && s <= e {
					b.WriteString(w.src[s:e])
				}
			}
		}
	}
	parts(wd.Parts, false)
	return b.String(), dyn
}

func unescapeLit(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
