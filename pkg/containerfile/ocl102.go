package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL102: the last stage must descend from configs. A base named by an ARG
// with no value is unknown here, so it is not judged (OCL107 says the ARG
// needs a default on the cluster).
var _ = register(rules.OCL102, func(c *ctx) {
	last := c.final()
	if last == nil || last.implicit || last.from == nil || last.from.parsed == nil {
		return
	}
	if last.descendsFrom("configs") {
		return
	}
	root := last.chain()[0]
	if root.unresolvedBase() {
		return
	}
	c.addAt(last.from, "the last stage descends from %s, not from configs: the image would lack the rendered MachineConfig (use `FROM configs AS final`, or lint a file built elsewhere with --target out-of-cluster)", nonEmptyBase(root))
})
