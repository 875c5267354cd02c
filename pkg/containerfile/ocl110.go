package containerfile

import (
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL110: `ostree commit` with no repository, meant as `ostree container
// commit`.
var _ = register(rules.OCL110, func(c *ctx) {
	for _, in := range c.runs() {
		for _, cl := range in.run.calls {
			if cl.name != "ostree" || len(cl.args) == 0 {
				continue
			}
			sub := ""
			repo := false
			for _, a := range cl.args {
				if strings.HasPrefix(a, "--repo") {
					repo = true
				}
				if sub == "" && !strings.HasPrefix(a, "-") {
					sub = a
				}
			}
			if sub == "commit" && !repo {
				c.add(cl.pos.line, cl.pos.col, "`ostree commit` is the repository command and fails here (no repository, no --branch): the layer is finished with `ostree container commit`")
			}
		}
	}
})
