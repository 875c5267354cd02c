package containerfile

import (
	"path"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL202: an install with no `dnf clean all` (or removal of the cache)
// after it in the same RUN. A clean before the install does not count.
var _ = register(rules.OCL202, func(c *ctx) {
	for _, in := range c.runs() {
		if cacheMounted(in) {
			continue
		}
		var pending []*pkgCall
		for _, cl := range in.run.calls {
			if pc := parsePkgCall(cl); pc != nil && (pc.tool == "dnf" || pc.tool == "microdnf") {
				switch {
				case pc.installs() || pc.sub == "upgrade" || pc.sub == "distro-sync" || pc.sub == "downgrade":
					pending = append(pending, pc)
				case pc.sub == "clean" && len(pc.pkgs) > 0 && pc.pkgs[0].name == "all":
					pending = nil
				}
			}
			if cl.name == "rm" {
				for _, a := range cl.args {
					if isDnfCache(a) {
						pending = nil
					}
				}
			}
		}
		for _, pc := range pending {
			c.add(pc.c.pos.line, pc.c.pos.col, "`%s %s` without `%s clean all` after it in the same RUN leaves the package cache in the image", pc.c.name, subName(pc), pc.c.name)
		}
	}
})

func isDnfCache(p string) bool {
	p = path.Clean(p)
	for _, c := range []string{"/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache"} {
		if p == c || strings.HasPrefix(p, c+"/") || strings.HasPrefix(p, c+"*") {
			return true
		}
	}
	return p == "/var/cache/*"
}

func cacheMounted(in *inst) bool {
	for _, m := range in.mounts() {
		if strings.EqualFold(m["type"], "cache") || strings.EqualFold(m["type"], "tmpfs") {
			if isDnfCache(m["target"]) {
				return true
			}
		}
	}
	return false
}
