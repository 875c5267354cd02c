package containerfile

import (
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Build arguments the cluster passes, and the ones buildah sets by itself.
var providedArgs = map[string]bool{
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true,
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// OCL107: an ARG with no default that something uses.
var _ = register(rules.OCL107, func(c *ctx) {
	d := c.d
	metaDefault := map[string]bool{}
	fromRefs := map[string]int{} // name -> first FROM line using it
	for _, st := range d.stages {
		for name, line := range d.refs(st.from) {
			if _, ok := fromRefs[name]; !ok {
				fromRefs[name] = line
			}
		}
	}
	for _, in := range d.meta {
		a, ok := in.parsed.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range a.Args {
			metaDefault[kv.Key] = kv.Value != nil
			if kv.Value != nil || providedArgs[kv.Key] {
				continue
			}
			// A meta ARG is visible to FROM lines only.
			if line, ok := fromRefs[kv.Key]; ok {
				c.addAt(in, "ARG %s has no default and is used at line %d; the cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY", kv.Key, c.d.lineRef(line))
			}
		}
	}
	for _, st := range d.stages {
		// One pass over the stage: where each name is used and declared, so
		// a file with thousands of ARGs stays linear.
		type use struct{ idx, line int }
		uses := map[string][]use{}
		decls := map[string][]int{}
		for i, in := range st.insts {
			if a, ok := in.parsed.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					decls[kv.Key] = append(decls[kv.Key], i)
				}
				continue
			}
			for name, line := range d.refs(in) {
				uses[name] = append(uses[name], use{i, line})
			}
		}
		for i, in := range st.insts {
			a, ok := in.parsed.(*instructions.ArgCommand)
			if !ok {
				continue
			}
			for _, kv := range a.Args {
				if kv.Value != nil || providedArgs[kv.Key] || metaDefault[kv.Key] {
					continue
				}
				us := uses[kv.Key]
				j := sort.Search(len(us), func(k int) bool { return us[k].idx > i })
				if j == len(us) {
					continue
				}
				ds := decls[kv.Key]
				k := sort.SearchInts(ds, i+1)
				if k < len(ds) && ds[k] < us[j].idx {
					continue // redeclared before the use: judged on its own
				}
				c.addAt(in, "ARG %s has no default and is used at line %d; the cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY", kv.Key, c.d.lineRef(us[j].line))
			}
		}
	}
})

// refs finds the names an instruction's text (heredoc bodies included)
// expands as $NAME or ${NAME} without a fallback (${NAME:-x}), with the
// first line of each.
func (d *doc) refs(in *inst) map[string]int {
	if in == nil {
		return nil
	}
	var out map[string]int
	for ln := in.line; ln <= in.end && ln <= len(d.lines); ln++ {
		l := d.lines[ln-1]
		for off := 0; ; {
			k := strings.IndexByte(l[off:], '$')
			if k < 0 {
				break
			}
			k += off
			off = k + 1
			rest := l[k+1:]
			braced := strings.HasPrefix(rest, "{")
			if braced {
				rest = rest[1:]
			}
			n := 0
			for n < len(rest) && isNameChar(rest[n]) {
				n++
			}
			if n == 0 || (rest[0] >= '0' && rest[0] <= '9') {
				continue
			}
			name, after := rest[:n], rest[n:]
			if braced && after != "" && after[0] != '}' &&
				(strings.HasPrefix(after, ":-") || strings.HasPrefix(after, "-") || strings.HasPrefix(after, ":=") || strings.HasPrefix(after, "=")) {
				continue
			}
			if out == nil {
				out = map[string]int{}
			}
			if _, seen := out[name]; !seen {
				out[name] = ln
			}
		}
	}
	return out
}

func isNameChar(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}
