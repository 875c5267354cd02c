package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL100: the parser's, the shell's and the pragma reader's complaints,
// collected while the document was read.
var _ = register(rules.OCL100, func(c *ctx) {
	for _, e := range c.d.parseErrs {
		if e.variant != "" {
			c.addVariant(e.variant, e.line, e.col, "%s", e.msg)
			continue
		}
		c.add(e.line, e.col, "%s", e.msg)
	}
})
