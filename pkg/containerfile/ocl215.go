package containerfile

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// left is a file the build put into the image as a by-product.
type left struct {
	path string // absolute, may be a glob
	pos  pos
	what string
	run  int // index of its RUN among the scope's instructions (-1: COPY/ADD)
	idx  int // index of the instruction in scope
}

// OCL215: downloads and RPM files that nothing removes. Files under /tmp
// and /var/tmp are gone once an `ostree container commit` runs after them.
var _ = register(rules.OCL215, func(c *ctx) {
	var files []left
	cwd := "/"
	for i, in := range c.insts {
		switch x := in.parsed.(type) {
		case *instructions.WorkdirCommand:
			cwd = absPath(cwd, x.Path)
		case *instructions.CopyCommand:
			for _, s := range x.SourcePaths {
				if strings.HasSuffix(s, ".rpm") {
					files = append(files, left{copyDest(cwd, x.DestPath, s, len(x.SourcePaths)), pos{in.line, in.col}, "RPM file " + path.Base(s), -1, i})
				}
			}
		case *instructions.AddCommand:
			for _, s := range x.SourcePaths {
				if isURL(s) || strings.HasSuffix(s, ".rpm") {
					files = append(files, left{destOf(cwd, x.DestPath, s), pos{in.line, in.col}, "download " + path.Base(s), -1, i})
				}
			}
		}
		if in.run == nil {
			continue
		}
		tmpfs := mountTargets(in)
		runCwd := cwd
		for _, cl := range in.run.calls {
			if cl.name == "cd" && len(cl.args) == 1 && !cl.dynamic[0] {
				runCwd = absPath(runCwd, cl.args[0])
				continue
			}
			for _, d := range downloads(cl, runCwd) {
				// Repository files are OCL216's.
				if d.path == "" || under(d.path, tmpfs) || strings.HasPrefix(d.path, "/dev/") || inRepos(d.path) {
					continue
				}
				d.idx = i
				files = append(files, d)
			}
		}
	}
	// One finding per instruction, naming what stays.
	var order []int
	byInst := map[int][]left{}
	for _, f := range files {
		if !leftBehind(c, f) {
			continue
		}
		if _, ok := byInst[f.idx]; !ok {
			order = append(order, f.idx)
		}
		byInst[f.idx] = append(byInst[f.idx], f)
	}
	for _, i := range order {
		fs := byInst[i]
		var paths []string
		for _, f := range fs {
			paths = append(paths, f.path)
		}
		what := fs[0].what + " stays in the image at " + paths[0]
		if len(fs) > 1 {
			what = fmt.Sprintf("%d downloaded or copied files stay in the image (%s)", len(fs), shortList(paths, 3))
		}
		c.add(fs[0].pos.line, fs[0].pos.col, "%s: remove them in the same RUN, download into /tmp and end with `ostree container commit`, or bind-mount them from another stage", what)
	}
})

func shortList(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ss[:n], ", "), len(ss)-n)
}

// leftBehind reports whether nothing after f (in its RUN or a later
// instruction of the scope) removes it.
func leftBehind(c *ctx, f left) bool {
	inTmp := under(f.path, []string{"/tmp", "/var/tmp"})
	for i := f.idx; i < len(c.insts); i++ {
		in := c.insts[i]
		if in.run == nil {
			continue
		}
		for _, cl := range in.run.calls {
			if i == f.idx && !f.pos.before(cl.pos) {
				continue // before (or is) the download itself
			}
			if inTmp && isCommit(cl) {
				return false
			}
			if cl.name == "rm" || cl.name == "mv" {
				for _, r := range removedBy(cl) {
					if r == f.path || strings.HasPrefix(f.path, r+"/") {
						return false
					}
					if ok, _ := path.Match(r, f.path); ok {
						return false
					}
					if strings.ContainsAny(f.path, "*?[") {
						if ok, _ := path.Match(f.path, r); ok {
							return false
						}
					}
				}
			}
		}
	}
	return true
}

// downloads lists the files a curl, wget or `dnf download` call writes.
func downloads(c *call, cwd string) []left {
	url := ""
	for i, a := range c.args {
		if isURL(a) && !c.dynamic[i] {
			url = a
			break
		}
	}
	mk := func(p string, at pos) left {
		return left{path: p, pos: at, what: "download " + path.Base(p)}
	}
	var out []left
	switch c.name {
	case "curl":
		for _, i := range optValues(c, "-o", "--output") {
			if c.args[i] != "-" && !c.dynamic[i] {
				out = append(out, mk(absPath(cwd, c.args[i]), c.argPos[i]))
			}
		}
		if len(out) == 0 && url != "" && remoteName(c) {
			out = append(out, mk(absPath(cwd, path.Base(strings.SplitN(url, "?", 2)[0])), c.pos))
		}
	case "wget":
		if url == "" {
			return nil
		}
		if o := optValues(c, "-O", "--output-document"); len(o) > 0 {
			i := o[len(o)-1] // wget keeps the last -O, as with its other options
			if c.args[i] == "-" || c.dynamic[i] {
				return nil
			}
			return []left{mk(absPath(cwd, c.args[i]), c.argPos[i])}
		}
		for _, a := range c.args {
			if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.HasSuffix(a, "O-") {
				return nil // -qO- writes to stdout
			}
		}
		dir := cwd
		for _, i := range optValues(c, "-P", "--directory-prefix") {
			dir = absPath(cwd, c.args[i])
		}
		out = append(out, mk(path.Join(dir, path.Base(strings.SplitN(url, "?", 2)[0])), c.pos))
	default:
		pc := parsePkgCall(c)
		if pc == nil || pc.tool != "dnf" || pc.sub != "download" {
			return nil
		}
		dir := cwd
		for i, a := range c.args {
			for _, o := range []string{"--destdir", "--downloaddir"} {
				if strings.HasPrefix(a, o+"=") {
					dir = absPath(cwd, strings.TrimPrefix(a, o+"="))
				} else if a == o && i+1 < len(c.args) {
					dir = absPath(cwd, c.args[i+1])
				}
			}
		}
		l := mk(path.Join(dir, "*.rpm"), c.pos)
		l.what = "RPM files from `dnf download`"
		out = append(out, l)
	}
	return out
}

// remoteName: curl -O / --remote-name / a cluster like -LO.
func remoteName(c *call) bool {
	for _, a := range c.args {
		if a == "--remote-name" || a == "--remote-name-all" {
			return true
		}
		if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a, 'O') {
			return true
		}
	}
	return false
}

// mountTargets are the RUN's tmpfs, cache and bind mount targets: nothing
// written there ships.
func mountTargets(in *inst) []string {
	var out []string
	for _, m := range in.mounts() {
		if t := m["target"]; t != "" {
			out = append(out, path.Clean(t))
		}
	}
	return out
}

func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// absPath resolves p against dir.
func absPath(dir, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// copyDest is where COPY puts src: a glob or several sources go into dest
// as a directory, whether or not it ends in /.
func copyDest(cwd, dest, src string, n int) string {
	if n > 1 || strings.ContainsAny(src, "*?[") {
		return path.Join(absPath(cwd, dest), path.Base(src))
	}
	return destOf(cwd, dest, src)
}

// destOf is where COPY/ADD puts src: into dest when dest is a directory
// (ends in /), else dest itself.
func destOf(cwd, dest, src string) string {
	d := absPath(cwd, dest)
	if strings.HasSuffix(dest, "/") || dest == "." {
		return path.Join(d, path.Base(strings.SplitN(src, "?", 2)[0]))
	}
	return d
}
