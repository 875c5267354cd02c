package containerfile

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// OCL204: writes under /var that stay there. Paths the same RUN removes or
// moves away (and the directories made to hold them) are fine, and so is
// every /var write of a RUN that also writes a tmpfiles.d entry: that is the
// documented workaround for packages that install into /opt (a link into
// /var/opt on RHCOS): make /var/opt, install, move the content to /usr,
// let systemd-tmpfiles link it back at boot.
var _ = register(rules.OCL204, func(c *ctx) {
	for _, in := range c.insts {
		switch x := in.parsed.(type) {
		case *instructions.CopyCommand:
			if underVar(x.DestPath) {
				c.addAt(in, "COPY to %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", x.DestPath)
			}
		case *instructions.AddCommand:
			if underVar(x.DestPath) {
				c.addAt(in, "ADD to %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", x.DestPath)
			}
		}
		if in.run == nil {
			continue
		}
		type target struct {
			p   string
			pos pos
		}
		var writes []target
		var removed []string
		tmpfiles := false
		for _, cl := range in.run.calls {
			for _, r := range cl.redirs {
				writes = append(writes, target{r.target, r.pos})
			}
			for _, w := range writeTargets(cl) {
				writes = append(writes, target{cl.args[w], cl.argPos[w]})
			}
			removed = append(removed, removedBy(cl)...)
		}
		for _, w := range writes {
			if strings.Contains(w.p, "/tmpfiles.d/") {
				tmpfiles = true
			}
		}
		if tmpfiles {
			continue
		}
		seen := map[string]bool{}
		for _, w := range writes {
			p := path.Clean(w.p)
			if !underVar(p) || seen[p] || removedPath(p, removed) || holdsRemoved(p, removed) {
				continue
			}
			seen[p] = true
			c.add(w.pos.line, w.pos.col, "RUN writes %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", p)
		}
	}
})

// removedBy lists the paths a call removes or moves away: rm/rmdir
// operands, and the sources of mv.
func removedBy(c *call) []string {
	var ops []string
	for _, a := range c.args {
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, path.Clean(a))
		}
	}
	switch c.name {
	case "rm", "rmdir":
		return ops
	case "mv":
		if len(ops) >= 2 {
			return ops[:len(ops)-1]
		}
	}
	return nil
}

func underVar(p string) bool {
	p = path.Clean(p)
	return strings.HasPrefix(p, "/var/")
}

func removedPath(p string, removed []string) bool {
	for _, r := range removed {
		if r == p || strings.HasPrefix(p, r+"/") {
			return true
		}
		if ok, _ := path.Match(r, p); ok {
			return true
		}
		if dir := path.Dir(p); dir != p {
			if ok, _ := path.Match(r, dir); ok {
				return true
			}
		}
	}
	return false
}

// holdsRemoved: p is a directory that was made to hold something the RUN
// then removed or moved away (mkdir /var/opt, then mv /var/opt/app /usr).
func holdsRemoved(p string, removed []string) bool {
	for _, r := range removed {
		if strings.HasPrefix(r, p+"/") {
			return true
		}
	}
	return false
}

// writeTargets are the argument indexes a command writes to.
func writeTargets(c *call) []int {
	var pos []int
	for i, a := range c.args {
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, i)
		}
	}
	switch c.name {
	case "mkdir", "touch", "tee", "mkfifo", "truncate":
		return pos
	case "cp", "mv", "ln", "rsync":
		if len(pos) >= 2 {
			return pos[len(pos)-1:]
		}
	case "install":
		for _, a := range c.args {
			if a == "-d" || a == "--directory" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsRune(a, 'd')) {
				return pos
			}
		}
		if len(pos) >= 2 {
			return pos[len(pos)-1:]
		}
	case "curl":
		return optValues(c, "-o", "--output")
	case "wget":
		return append(optValues(c, "-O", "--output-document"), optValues(c, "-P", "--directory-prefix")...)
	case "git":
		if len(pos) >= 3 && c.args[pos[0]] == "clone" {
			return pos[len(pos)-1:]
		}
	case "tar":
		return optValues(c, "-C", "--directory")
	}
	return nil
}

// optValues are the indexes of the values of an option, written either as
// two words (-o FILE) or glued (-oFILE is not followed: curl's clusters
// like -fsSLo FILE are, their last letter being the option).
func optValues(c *call, short, long string) []int {
	var out []int
	for i, a := range c.args {
		if i+1 >= len(c.args) {
			break
		}
		if a == short || a == long {
			out = append(out, i+1)
			continue
		}
		// A cluster of short flags ending in the option letter: -fsSLo FILE.
		if len(short) == 2 && len(a) > 2 && a[0] == '-' && a[1] != '-' && a[len(a)-1] == short[1] {
			out = append(out, i+1)
		}
	}
	return out
}
