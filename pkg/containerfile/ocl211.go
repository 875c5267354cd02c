package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL211: extension packages installed in the image. The table is the
// version model's (pkg/ocpversion Profile.ExtensionOf).
var _ = register(rules.OCL211, func(c *ctx) {
	p := c.extensionProfile()
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			pc := parsePkgCall(cl)
			if pc == nil || pc.tool == "rpm" {
				continue
			}
			for _, a := range pc.installed() {
				if ext, ok := p.ExtensionOf(pkgName(a.name)); ok {
					c.add(a.pos.line, a.pos.col, "%s is shipped as the RHCOS extension %q (OpenShift %s): list it in the MachineConfig's spec.extensions instead", a.name, ext, p.Version)
				}
			}
		}
	}
})
