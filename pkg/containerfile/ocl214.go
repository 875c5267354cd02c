package containerfile

import (
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL214 (opt-in): packages without a version.
var _ = register(rules.OCL214, func(cx *ctx) {
	for _, in := range cx.runs() {
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.installs() || pc.tool == "rpm" || pc.sub == "group" || pc.sub == "module" {
				continue
			}
			var names []string
			var first pos
			for _, p := range pc.pkgs {
				if p.dynamic || versioned(p.name) {
					continue
				}
				if len(names) == 0 {
					first = p.pos
				}
				names = append(names, p.name)
			}
			if len(names) > 0 {
				cx.add(first.line, first.col, "installed without a version: %s", strings.Join(names, ", "))
			}
		}
	}
})
