package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL106: dnf/yum that would wait for a "y".
var _ = register(rules.OCL106, func(c *ctx) {
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			pc := parsePkgCall(cl)
			if pc == nil || !pc.prompts() || fedYes(cl) {
				continue
			}
			c.add(cl.pos.line, cl.pos.col, "`%s %s` without -y/--assumeyes would prompt, and the build has no terminal to answer", cl.name, subName(pc))
		}
	}
})

// fedYes: `yes | dnf install ...` answers the prompt.
func fedYes(c *call) bool {
	return c.pipedFrom != nil && c.pipedFrom.name == "yes"
}
