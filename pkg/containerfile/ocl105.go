package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL105: extract and configs are the operator's stage names.
var _ = register(rules.OCL105, func(c *ctx) {
	for _, st := range c.stages {
		if st.from != nil && (st.name == "extract" || st.name == "configs") {
			c.addAt(st.from, "stage named %q: the operator's template already defines it, and this one would shadow it", st.name)
		}
	}
})
