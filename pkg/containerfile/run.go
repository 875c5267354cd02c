package containerfile

import (
	"regexp"
	"strings"
)

var continuationRe = regexp.MustCompile(`\\[ \t]*$`)

// analyseRun builds the shell view of a RUN. Shell-form RUNs are parsed from
// the file's own lines (continuations, comments and heredocs included), so
// every command keeps its true line and column.
func (d *doc) analyseRun(in *inst) {
	sc := &script{}
	in.run = sc
	n := in.node
	if n.Next == nil {
		return
	}
	if n.Attributes["json"] {
		var argv []string
		for x := n.Next; x != nil; x = x.Next {
			argv = append(argv, x.Value)
		}
		d.execForm(sc, in, argv)
		return
	}
	src, ok := d.runSource(in)
	base := pos{in.line, 1}
	if !ok {
		src, base = n.Next.Value, pos{in.line, in.col}
	}
	last, err := parseShell(sc, src, base, 0)
	if err != nil && ok {
		// The file's lines may trip the shell where buildkit's joined line
		// does not (an inline "# ..." swallowing a continuation): retry.
		sc2 := &script{}
		if last2, err2 := parseShell(sc2, n.Next.Value, pos{in.line, in.col}, 0); err2 == nil {
			*sc, last, err = *sc2, last2, nil
		}
	}
	if err != nil {
		sc.bad = true
		se := err.(*shellError)
		d.parseErrs = append(d.parseErrs, parseErr{line: se.pos.line, col: se.pos.col, msg: "RUN is not valid shell: " + se.msg})
		return
	}
	sc.last = last
}

// execForm handles RUN ["prog", "arg"...]: no shell, unless it calls one.
func (d *doc) execForm(sc *script, in *inst, argv []string) {
	if len(argv) == 0 {
		return
	}
	c := &call{pos: pos{in.line, in.col}}
	i := 0
	for i < len(argv) && (argv[i] == "sudo" || argv[i] == "env") {
		c.sudo = c.sudo || argv[i] == "sudo"
		i++
	}
	if i >= len(argv) {
		return
	}
	c.name = baseName(argv[i])
	c.args = argv[i+1:]
	for range c.args {
		c.argPos = append(c.argPos, c.pos)
		c.dynamic = append(c.dynamic, false)
	}
	sc.calls = append(sc.calls, c)
	sc.last = c
	if isShell(c.name) {
		if pipefailOpt(c.args) {
			p := c.pos
			sc.pipefailAt = &p
		}
		if k := shellScriptArg(c.args); k >= 0 {
			sub := &script{}
			if last, err := parseShell(sub, c.args[k], c.pos, 1); err == nil {
				sc.calls = append(sc.calls, sub.calls...)
				sc.pipes = append(sc.pipes, sub.pipes...)
				if sub.pipefailAt != nil && sc.pipefailAt == nil {
					sc.pipefailAt = sub.pipefailAt
				}
				c.nested = sub
				if last != nil {
					sc.last = last
				}
			}
		}
	}
}

func baseName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// runSource returns the text of a shell-form RUN as the shell should see it,
// laid out on the file's own lines: the keyword and flags blanked, comment and
// empty lines inside the continuation turned into bare continuations. ok is
// false when the file uses a non-default escape character.
func (d *doc) runSource(in *inst) (string, bool) {
	if d.escape != 0 && d.escape != '\\' {
		return "", false
	}
	if in.line < 1 || in.end > len(d.lines) || in.end < in.line {
		return "", false
	}
	ls := append([]string(nil), d.lines[in.line-1:in.end]...)
	for i := range ls {
		if i > 0 {
			t := strings.TrimSpace(ls[i])
			if t == "" || strings.HasPrefix(t, "#") {
				ls[i] = `\`
				continue
			}
		}
		if loc := continuationRe.FindStringIndex(ls[i]); loc != nil {
			ls[i] = ls[i][:loc[0]+1]
			continue
		}
		break // end of the instruction line; heredoc bodies follow verbatim
	}
	// Blank "RUN" and its --flags, keeping every column in place.
	li, ci := 0, 0
	skipSpace := func() {
		for li < len(ls) {
			l := ls[li]
			for ci < len(l) && (l[ci] == ' ' || l[ci] == '\t') {
				ci++
			}
			if ci == len(l)-1 && l[ci] == '\\' {
				ls[li] = l[:ci] + " "
				li, ci = li+1, 0
				continue
			}
			return
		}
	}
	blankWord := func(quoted bool) {
		l := []byte(ls[li])
		var q byte
		for ci < len(l) {
			ch := l[ci]
			if q == 0 && (ch == ' ' || ch == '\t') {
				break
			}
			if quoted && (ch == '"' || ch == '\'') {
				if q == 0 {
					q = ch
				} else if q == ch {
					q = 0
				}
			}
			l[ci] = ' '
			ci++
		}
		ls[li] = string(l)
	}
	skipSpace()
	if li >= len(ls) {
		return "", false
	}
	blankWord(false) // the keyword
	for k := 0; k < len(in.node.Flags); k++ {
		skipSpace()
		if li >= len(ls) || !strings.HasPrefix(ls[li][ci:], "--") {
			return "", false
		}
		blankWord(true)
	}
	return strings.Join(ls, "\n"), true
}
