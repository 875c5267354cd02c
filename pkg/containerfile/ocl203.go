package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL203: OS-wide upgrades.
var _ = register(rules.OCL203, func(c *ctx) {
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			if pc := parsePkgCall(cl); pc != nil && pc.osWideUpgrade() {
				c.add(cl.pos.line, cl.pos.col, "`%s %s` upgrades the whole OS: the base image must come from the OpenShift release; upgrade named packages only", cl.name, subName(pc))
			}
		}
	}
})
