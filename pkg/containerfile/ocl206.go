package containerfile

import (
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

var noEffect = map[string]bool{"cmd": true, "entrypoint": true, "expose": true, "healthcheck": true,
	"volume": true, "stopsignal": true, "onbuild": true}

// OCL206: container-only instructions in what ships.
var _ = register(rules.OCL206, func(c *ctx) {
	for _, in := range c.insts {
		if noEffect[in.cmd] {
			c.addAt(in, "%s has no effect on a node OS, which boots systemd (use a systemd unit)", strings.ToUpper(in.cmd))
		}
	}
})
