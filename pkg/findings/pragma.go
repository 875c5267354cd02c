package findings

import (
	"fmt"
	"regexp"
	"strings"
)

// Pragma is an inline suppression written in a comment of the linted file:
//
//	# ocl-build ignore=OCL202,OCL214        (the next instruction only)
//	# ocl-build global ignore=OCL212        (the whole file)
//
// "all" stands for every rule.
type Pragma struct {
	Global bool
	Rules  []string
}

var (
	pragmaRe = regexp.MustCompile(`^ocl-build\s+(global\s+)?ignore\s*=\s*(.*)$`)
	ruleIDRe = regexp.MustCompile(`^OCL[0-9]{3}$`)

	pragmaListRe = regexp.MustCompile(`(?i)^((?:all|OCL[0-9]{3})(?:\s*,\s*(?:all|OCL[0-9]{3}))*)\b`)
)

// ParsePragma reads the text of one comment (without its leading '#').
// ok is false when the comment is not an ocl-build pragma; err is set when it
// is one but malformed, so a typo does not silently stop suppressing.
func ParsePragma(comment string) (p Pragma, ok bool, err error) {
	c := strings.TrimSpace(comment)
	if !strings.HasPrefix(c, "ocl-build") {
		return Pragma{}, false, nil
	}
	m := pragmaRe.FindStringSubmatch(c)
	if m == nil {
		return Pragma{}, true, fmt.Errorf("malformed ocl-build pragma %q (want \"ocl-build ignore=OCLnnn,...\" or \"ocl-build global ignore=OCLnnn,...\")", c)
	}
	p.Global = m[1] != ""
	// The list is IDs joined by commas; whatever follows it is a remark.
	list := pragmaListRe.FindStringSubmatch(m[2])
	if list == nil || strings.HasPrefix(strings.TrimSpace(m[2][len(list[0]):]), ",") {
		return Pragma{}, true, fmt.Errorf("ocl-build pragma %q: want rule IDs (OCLnnn or all) separated by commas", c)
	}
	for _, part := range strings.Split(list[1], ",") {
		id := strings.ToUpper(strings.TrimSpace(part))
		if id == "ALL" {
			id = "all"
		}
		p.Rules = append(p.Rules, id)
	}
	return p, true, nil
}

// Suppressions collects pragmas of one file and filters its findings.
type Suppressions struct {
	global map[string]bool
	lines  map[string]map[int]map[string]bool // file -> line -> rules
}

// AddGlobal suppresses rules for every finding of the file.
func (s *Suppressions) AddGlobal(rules ...string) {
	if s.global == nil {
		s.global = map[string]bool{}
	}
	for _, r := range rules {
		s.global[r] = true
	}
}

// AddLines suppresses rules for findings of file on lines start..end inclusive
// (an instruction's span).
func (s *Suppressions) AddLines(file string, start, end int, rules ...string) {
	if s.lines == nil {
		s.lines = map[string]map[int]map[string]bool{}
	}
	byLine := s.lines[file]
	if byLine == nil {
		byLine = map[int]map[string]bool{}
		s.lines[file] = byLine
	}
	for l := start; l <= end; l++ {
		m := byLine[l]
		if m == nil {
			m = map[string]bool{}
			byLine[l] = m
		}
		for _, r := range rules {
			m[r] = true
		}
	}
}

// Empty reports whether nothing is suppressed.
func (s *Suppressions) Empty() bool { return s == nil || (len(s.global) == 0 && len(s.lines) == 0) }

// Filter drops the suppressed findings; it reuses fs's backing array.
func (s *Suppressions) Filter(fs []Finding) []Finding {
	if s.Empty() {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if !s.suppressed(f) {
			out = append(out, f)
		}
	}
	return out
}

func (s *Suppressions) suppressed(f Finding) bool {
	if s.global["all"] || s.global[f.Rule] {
		return true
	}
	m := s.lines[f.File][f.Line]
	return m["all"] || m[f.Rule]
}
