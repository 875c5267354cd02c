package containerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL208: remote code at build time.
var _ = register(rules.OCL208, func(c *ctx) {
	for _, in := range c.insts {
		if a, ok := in.parsed.(*instructions.AddCommand); ok && a.Checksum == "" {
			for _, s := range a.SourcePaths {
				if isURL(s) {
					c.addAt(in, "ADD %s fetches remote content at build time without --checksum", s)
				}
			}
		}
		if in.run == nil {
			continue
		}
		for _, cl := range in.run.calls {
			if !isShell(cl.name) && cl.name != "source" && cl.name != "." {
				continue
			}
			fetcher := ""
			for p := cl.pipedFrom; p != nil && fetcher == ""; p = p.pipedFrom {
				if p.name == "curl" || p.name == "wget" {
					fetcher = p.name
				}
			}
			for _, s := range cl.substs {
				if fetcher == "" && (s.name == "curl" || s.name == "wget") {
					fetcher = s.name
				}
			}
			if fetcher != "" {
				c.add(cl.pos.line, cl.pos.col, "%s output runs in %s: remote code at build time runs as root in every node's OS", fetcher, cl.name)
			}
		}
	}
})

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "git@") ||
		strings.HasPrefix(l, "git://") || strings.HasPrefix(l, "ftp://")
}
