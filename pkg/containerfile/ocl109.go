package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL109: an install call with no package at all. A package list held in a
// variable ($PKGS) counts as packages: its value is not known here.
var _ = register(rules.OCL109, func(c *ctx) {
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			pc := parsePkgCall(cl)
			if pc == nil || pc.tool == "rpm" || len(pc.pkgs) > 0 || hasDynamicArg(cl) || cl.nested != nil {
				continue
			}
			switch {
			case pc.tool == "rpm-ostree" && pc.sub == "install":
				c.add(cl.pos.line, cl.pos.col, "`rpm-ostree install` with no package fails the build (\"At least one PACKAGE must be specified\")")
			case (pc.tool == "dnf" || pc.tool == "microdnf") && pc.sub == "install" && pc.word != "localinstall":
				c.add(cl.pos.line, cl.pos.col, "`%s %s` with no package fails the build (\"Need to pass a list of pkgs to install\")", cl.name, pc.word)
			}
		}
	}
})

func hasDynamicArg(c *call) bool {
	for _, d := range c.dynamic {
		if d {
			return true
		}
	}
	return false
}
