package containerfile

import (
	"path"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL205: kernel replacement, by name, through ENV/ARG values, as RPM
// files, with dnf/rpm/rpm-ostree, including `rpm-ostree override remove
// kernel … --install …`. A name still holding a command substitution after
// ENV/ARG expansion (kernel-devel-$(uname -r)) is judged by the part before
// it, and only when that part already names a kernel package.
var _ = register(rules.OCL205, func(c *ctx) {
	for _, in := range c.runs() {
		var vals map[string]string
		for _, cl := range in.run.calls {
			pc := parsePkgCall(cl)
			if pc == nil {
				continue
			}
			// One finding per call, at its first kernel package.
			var first *pkgArg
			var names []string
			var firstName string
			installed := pc.installed()
			for k := range installed {
				p := &installed[k]
				name := p.name
				if strings.Contains(name, "$") {
					if vals == nil {
						vals = c.d.varsAt(in)
					}
					name = expandVars(name, vals)
				}
				// An unquoted expansion splits into words: ENV KERNEL_RPM="a.rpm b.rpm".
				for _, w := range strings.Fields(name) {
					for _, n := range braceExpand(w) {
						if k, ok := kernelPkg(n); ok {
							if first == nil {
								first, firstName = p, n
							}
							names = append(names, k)
							break
						}
					}
				}
			}
			if first == nil {
				continue
			}
			msg := kernelAdvice(firstName, c)
			if len(names) > 1 {
				msg = strings.Join(names, ", ") + ": " + msg
			}
			c.add(first.pos.line, first.pos.col, "%s", msg)
		}
	}
})

// kernelPkg reads a package argument (name, NAME-VERSION, file or URL)
// and says whether it is a kernel package that replaces the booted kernel,
// with its name as written up to any unknown part.
func kernelPkg(arg string) (string, bool) {
	n := strings.TrimSuffix(arg, ".rpm")
	if i := strings.IndexByte(n, '$'); i >= 0 {
		n = n[:i] // an unknown part: judge what is known
		if !strings.HasSuffix(n, "-") {
			return "", false
		}
		n = strings.TrimSuffix(n, "-")
		if !isKernelName(n) {
			return "", false
		}
		return n, true
	}
	if strings.Contains(n, "/") {
		n = path.Base(n)
	}
	return n, isKernelName(pkgName(n)) || isKernelName(n)
}

// isKernelName: kernel, kernel-core, kernel-rt-core, kernel-64k-modules…;
// not kernel-devel, kernel-headers, kernel-tools and the like.
func isKernelName(n string) bool {
	if n != "kernel" && !strings.HasPrefix(n, "kernel-") {
		return false
	}
	for _, ok := range []string{"kernel-devel", "kernel-headers", "kernel-tools", "kernel-srpm-macros", "kernel-abi", "kernel-doc", "kernel-rpm-macros", "kernel-debug-devel", "kernel-rt-devel", "kernel-64k-devel"} {
		if n == ok || strings.HasPrefix(n, ok+"-") {
			return false
		}
	}
	return true
}

// kernelAdvice says what to do instead, by kind of kernel and version: a
// realtime or 64k kernel is kernelType's job where the version applies it
// to layered pools; a specific build (a hotfix) cannot come from kernelType.
func kernelAdvice(arg string, c *ctx) string {
	name, _ := kernelPkg(arg)
	flavour := ""
	switch {
	case strings.HasPrefix(name, "kernel-rt"):
		flavour = "realtime"
	case strings.HasPrefix(name, "kernel-64k"):
		flavour = "64k-pages"
	}
	hotfix := strings.HasSuffix(arg, ".rpm") || strings.Contains(arg, "/") || pkgName(arg) != arg
	const swap = "replace it with `rpm-ostree override replace` (or `override remove kernel… --install …`) so the initramfs is regenerated, and check that the image keeps a single kernel in /usr/lib/modules"
	switch {
	case flavour != "" && !hotfix && c.profile != nil && c.profile.LayeredKernelType():
		return arg + " replaces the kernel: set kernelType: " + flavour + " in the MachineConfig instead; from 4.20 the build swaps the kernel itself"
	case flavour != "" && !hotfix && c.profile != nil:
		return arg + " replaces the kernel: OpenShift " + c.profile.Version.String() + " does not apply kernelType to layered pools, so the Containerfile is the way here; " + swap
	case flavour != "" && !hotfix:
		return arg + " replaces the kernel: from 4.20 set kernelType: " + flavour + " in the MachineConfig instead (4.19 does not apply kernelType to layered pools; there " + swap + ")"
	}
	return arg + " replaces the kernel (a specific kernel build cannot come from kernelType): " + swap + "; rebuild when the release's kernel moves past it"
}
