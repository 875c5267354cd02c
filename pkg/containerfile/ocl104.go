package containerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL104: COPY/ADD (and RUN bind mounts) from the build context.
var _ = register(rules.OCL104, func(c *ctx) {
	for _, in := range c.insts {
		switch x := in.parsed.(type) {
		case *instructions.CopyCommand:
			if x.From != "" {
				continue
			}
			for _, s := range x.SourcePaths {
				c.addAt(in, "COPY %s reads the build context, which on the cluster holds only its own files: copy from an image (--from=IMAGE) or use a heredoc", s)
			}
		case *instructions.AddCommand:
			for _, s := range x.SourcePaths {
				if isURL(s) {
					continue
				}
				c.addAt(in, "ADD %s reads the build context, which on the cluster holds only its own files: fetch it in a RUN or copy it from an image", s)
			}
		case *instructions.RunCommand:
			for _, m := range in.mounts() {
				if strings.EqualFold(m["type"], "bind") && m["from"] == "" {
					c.addAt(in, "RUN --mount=type=bind without from= mounts the build context, which on the cluster holds only its own files")
				}
			}
		}
	}
})
