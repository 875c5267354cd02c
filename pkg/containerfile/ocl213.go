package containerfile

import (
	"sort"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Commands whose output feeds a pipe and that cannot fail in a way that
// matters: `echo … | cut` has nothing for pipefail to catch.
var cannotFail = map[string]bool{"echo": true, "printf": true, "yes": true, "true": true, ":": true}

// OCL213: pipes that can hide a failure, without pipefail.
var _ = register(rules.OCL213, func(c *ctx) {
	for _, st := range c.stages {
		shellPipefail := false
		for _, in := range st.insts {
			if sh, ok := in.parsed.(*instructions.ShellCommand); ok {
				shellPipefail = pipefailOpt(sh.Shell)
			}
			if in.run == nil || shellPipefail {
				continue
			}
			var ps []pos
			for _, p := range in.run.pipes {
				if p.left != nil && cannotFail[p.left.name] {
					continue
				}
				ps = append(ps, p.pos)
			}
			if len(ps) == 0 {
				continue
			}
			sort.Slice(ps, func(i, j int) bool { return ps[i].before(ps[j]) })
			p := ps[0]
			if pf := in.run.pipefailAt; pf != nil && pf.before(p) {
				continue
			}
			c.add(p.line, p.col, "pipe without `set -o pipefail`: the RUN succeeds even when the command before | fails")
		}
	}
})
