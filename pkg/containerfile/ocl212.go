package containerfile

import (
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL212: consecutive RUNs with the same flags.
var _ = register(rules.OCL212, func(c *ctx) {
	for _, st := range c.stages {
		var group []*inst
		flush := func() {
			if len(group) > 1 {
				c.addAt(group[0], "%d consecutive RUN instructions (lines %d-%d) could be one layer: join them with &&", len(group), c.d.lineRef(group[0].line), c.d.lineRef(group[len(group)-1].line))
			}
			group = nil
		}
		for _, in := range st.insts {
			if in.cmd != "run" {
				flush()
				continue
			}
			if len(group) > 0 && strings.Join(group[0].node.Flags, " ") != strings.Join(in.node.Flags, " ") {
				flush()
			}
			group = append(group, in)
		}
		flush()
	}
})
