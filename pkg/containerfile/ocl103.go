package containerfile

import (
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL103: the CRD limits content to 4096 characters.
var _ = register(rules.OCL103, func(c *ctx) {
	src := c.d.src
	n := 0
	for i := range src {
		n++
		if n == 4097 {
			line := strings.Count(src[:i], "\n") + 1
			col := i - strings.LastIndexByte(src[:i], '\n')
			total := n + len([]rune(src[i:])) - 1
			c.add(line, col, "content is %d characters, over the MachineOSConfig limit of 4096 (exceeded here)", total)
			return
		}
	}
})
