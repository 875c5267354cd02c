package containerfile

import (
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL207: the final stage ends as a non-root user.
var _ = register(rules.OCL207, func(c *ctx) {
	var set *inst
	for _, in := range c.insts {
		if uc, ok := in.parsed.(*instructions.UserCommand); ok {
			if isRoot(uc.User) {
				set = nil
			} else {
				set = in
			}
		}
	}
	if set != nil {
		c.addAt(set, "the final stage ends as USER %s: end the OS image as root", set.parsed.(*instructions.UserCommand).User)
	}
})
