package containerfile

import "github.com/ocl-build/ocl-build/pkg/rules"

// OCL210: the last stage should be `final`.
var _ = register(rules.OCL210, func(c *ctx) {
	st := c.final()
	if st == nil || st.implicit || st.name == "final" || st.from == nil {
		return
	}
	if st.name == "" {
		c.addAt(st.from, "the last stage has no alias: the documented form is `FROM configs AS final`")
		return
	}
	c.addAt(st.from, "the last stage is aliased %q: the documented form is `FROM configs AS final`", st.name)
})
