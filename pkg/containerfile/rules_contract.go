package containerfile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// OCL101: no FROM at all.
func ruleNoFrom(d *doc) {
	if len(d.stages) > 0 || len(d.insts) == 0 {
		return
	}
	in := d.insts[0]
	d.addAt(in, RuleNoFrom, "there is no FROM: the cluster would paste these lines into its own configs stage; start with `FROM configs AS final`")
}

// OCL102: the last stage must descend from configs.
func ruleNotFromConfigs(d *doc) {
	if len(d.stages) == 0 {
		return
	}
	last := d.stages[len(d.stages)-1]
	if last.from == nil || last.from.parsed == nil {
		return
	}
	if last.descendsFrom("configs") {
		return
	}
	root := last.chain()[0]
	d.addAt(last.from, RuleNotFromConfigs, "the last stage descends from %q, not from configs: the image would lack the rendered MachineConfig (use `FROM configs AS final`)", root.base)
}

// OCL103: the CRD limits content to 4096 characters.
func ruleTooLong(d *doc) {
	n := 0
	for i, r := range d.src {
		_ = r
		n++
		if n == 4097 {
			line := strings.Count(d.src[:i], "\n") + 1
			col := i - strings.LastIndexByte(d.src[:i], '\n')
			total := n + len([]rune(d.src[i:])) - 1
			d.add(line, col, RuleTooLong, "content is %d characters, over the MachineOSConfig limit of 4096 (exceeded here)", total)
			return
		}
	}
}

// OCL104: COPY/ADD (and RUN bind mounts) from the build context.
func ruleCopyContext(d *doc) {
	for _, in := range d.insts {
		switch c := in.parsed.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				continue
			}
			for _, s := range c.SourcePaths {
				d.addAt(in, RuleCopyContext, "COPY %s reads the build context, which on the cluster holds only its own files: copy from an image (--from=IMAGE) or use a heredoc", s)
			}
		case *instructions.AddCommand:
			for _, s := range c.SourcePaths {
				if isURL(s) {
					continue
				}
				d.addAt(in, RuleCopyContext, "ADD %s reads the build context, which on the cluster holds only its own files: fetch it in a RUN or copy it from an image", s)
			}
		case *instructions.RunCommand:
			for _, m := range in.mounts() {
				if strings.EqualFold(m["type"], "bind") && m["from"] == "" {
					d.addAt(in, RuleCopyContext, "RUN --mount=type=bind without from= mounts the build context, which on the cluster holds only its own files")
				}
			}
		}
	}
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "git@") ||
		strings.HasPrefix(l, "git://") || strings.HasPrefix(l, "ftp://")
}

// OCL105: extract and configs are the operator's stage names.
func ruleReservedStage(d *doc) {
	for _, st := range d.stages {
		if st.name == "extract" || st.name == "configs" {
			d.addAt(st.from, RuleReservedStage, "stage named %q: the operator's template already defines it, and this one would shadow it", st.name)
		}
	}
}

// OCL106: dnf/yum that would wait for a "y".
func rulePromptingPM(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.prompts() || fedYes(c) {
				continue
			}
			d.add(c.pos.line, c.pos.col, RulePromptingPM, "`%s %s` without -y/--assumeyes would prompt, and the cluster build has no terminal to answer", c.name, subName(pc))
		}
	}
}

func subName(pc *pkgCall) string {
	w := pc.word
	if w == "" {
		w = pc.sub
	}
	if pc.subsub != "" && groupAlias[w] == "" {
		return w + " " + pc.subsub
	}
	return w
}

// fedYes: `yes | dnf install ...` answers the prompt.
func fedYes(c *call) bool {
	return c.pipedFrom != nil && c.pipedFrom.name == "yes"
}

// Build arguments the cluster passes, and the ones buildah sets by itself.
var providedArgs = map[string]bool{
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true,
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// OCL107: an ARG with no default that something uses.
func ruleArgNoDefault(d *doc) {
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
				d.addAt(in, RuleArgNoDefault, "ARG %s has no default and is used at line %d; the cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY", kv.Key, line)
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
				d.addAt(in, RuleArgNoDefault, "ARG %s has no default and is used at line %d; the cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY", kv.Key, us[j].line)
			}
		}
	}
}

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

// userAt tracks USER through a stage and its ancestors; "" means root.
func stageUsers(d *doc) map[*inst]string {
	users := map[*inst]string{}
	final := map[*stage]string{}
	for _, st := range d.stages {
		u := ""
		if st.parent != nil {
			u = final[st.parent]
		}
		for _, in := range st.insts {
			if uc, ok := in.parsed.(*instructions.UserCommand); ok {
				u = uc.User
			}
			users[in] = u
		}
		final[st] = u
	}
	return users
}

func isRoot(u string) bool {
	u = strings.TrimSpace(u)
	if u == "" || strings.Contains(u, "$") {
		return true
	}
	name, _, _ := strings.Cut(u, ":")
	return name == "root" || name == "0"
}

// OCL108: package manager after a non-root USER.
func rulePMAsNonRoot(d *doc) {
	users := stageUsers(d)
	for _, in := range d.insts {
		if in.run == nil || isRoot(users[in]) {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.modifies() || c.sudo {
				continue
			}
			d.add(c.pos.line, c.pos.col, RulePMAsNonRoot, "`%s %s` runs as USER %s; it needs root: move it before USER or switch back with `USER root`", c.name, subName(pc), strings.TrimSpace(users[in]))
		}
	}
}

var _ = fmt.Sprintf
