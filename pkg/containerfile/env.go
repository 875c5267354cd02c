package containerfile

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// varsAt are the ENV values and ARG defaults in force at an instruction:
// the meta ARGs, then its stage's chain up to (not including) it. Build
// arguments the user may pass are not known, so only defaults count.
func (d *doc) varsAt(at *inst) map[string]string {
	vals := map[string]string{}
	set := func(in *inst) {
		switch x := in.parsed.(type) {
		case *instructions.EnvCommand:
			for _, kv := range x.Env {
				vals[kv.Key] = expandVars(kv.Value, vals)
			}
		case *instructions.ArgCommand:
			for _, kv := range x.Args {
				if kv.Value != nil {
					vals[kv.Key] = expandVars(*kv.Value, vals)
				}
			}
		}
	}
	for _, in := range d.meta {
		set(in)
	}
	if at == nil || at.stage == nil {
		return vals
	}
	for _, st := range at.stage.chain() {
		for _, in := range st.insts {
			if in == at {
				return vals
			}
			set(in)
		}
	}
	return vals
}

var varRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandVars replaces $NAME, ${NAME} and ${NAME:-default} it knows; the
// others stay as written.
func expandVars(s string, vals map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return varRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := varRe.FindStringSubmatch(m)
		name := sub[1]
		if name == "" {
			name = sub[3]
		}
		if v, ok := vals[name]; ok {
			return v
		}
		if strings.Contains(m, "-") && sub[1] != "" {
			return sub[2]
		}
		return m
	})
}

// braceExpand expands {a,b} alternatives: kernel-{devel,headers}. At most
// maxBraceWords words come out, so {a,b}{a,b}… cannot blow up.
func braceExpand(s string) []string {
	out := []string{s}
	for round := 0; round < 8; round++ {
		var next []string
		changed := false
		for _, w := range out {
			i := strings.IndexByte(w, '{')
			if i < 0 || (i > 0 && w[i-1] == '$') {
				next = append(next, w)
				continue
			}
			j := strings.IndexByte(w[i:], '}')
			if j < 0 || !strings.Contains(w[i:i+j], ",") {
				next = append(next, w)
				continue
			}
			changed = true
			for _, alt := range strings.Split(w[i+1:i+j], ",") {
				next = append(next, w[:i]+alt+w[i+j+1:])
			}
		}
		if len(next) > maxBraceWords {
			return out
		}
		out = next
		if !changed {
			break
		}
	}
	return out
}

const maxBraceWords = 64
