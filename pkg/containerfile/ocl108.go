package containerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL108: package manager after a non-root USER.
var _ = register(rules.OCL108, func(c *ctx) {
	users := stageUsers(c.d)
	for _, in := range c.runs() {
		if isRoot(users[in]) {
			continue
		}
		for _, cl := range in.run.calls {
			pc := parsePkgCall(cl)
			if pc == nil || !pc.modifies() || cl.sudo {
				continue
			}
			c.add(cl.pos.line, cl.pos.col, "`%s %s` runs as USER %s; it needs root: move it before USER or switch back with `USER root`", cl.name, subName(pc), strings.TrimSpace(users[in]))
		}
	}
})

// stageUsers tracks USER through each stage and its ancestors; "" is root.
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
