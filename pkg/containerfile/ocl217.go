package containerfile

import (
	"path"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

const rhsmHost = "/etc/rhsm-host"

// OCL217: /etc/rhsm-host removed and never put back.
var _ = register(rules.OCL217, func(c *ctx) {
	var removed *call
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			if cl.name == "rm" || cl.name == "unlink" || cl.name == "mv" {
				for _, r := range removedBy(cl) {
					if r == rhsmHost {
						removed = cl
					}
				}
				if cl.name == "unlink" && len(cl.args) == 1 && path.Clean(cl.args[0]) == rhsmHost {
					removed = cl
				}
			}
			if removed == nil {
				continue
			}
			for _, w := range writeTargets(cl) {
				if path.Clean(cl.args[w]) == rhsmHost && cl != removed {
					removed = nil
					break
				}
			}
		}
	}
	if removed != nil {
		c.add(removed.pos.line, removed.pos.col, "%s removes /etc/rhsm-host and nothing restores it: the node image then lacks the link entitled containers use; put it back in the same RUN with `ln -s /run/secrets/rhsm /etc/rhsm-host`", removed.name)
	}
})
