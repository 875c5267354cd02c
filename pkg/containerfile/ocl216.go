package containerfile

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

const reposDir = "/etc/yum.repos.d"

// repoSource is something that put repository definitions into the image.
type repoSource struct {
	pos  pos
	idx  int
	what string
	file string // the file or glob it wrote ("" for packages)
	pkg  string // the release package that ships the files ("" for files)
	rhsm bool   // redhat.repo from subscription-manager
	run  bool   // written by a RUN (not COPY/ADD)
}

// OCL216: repository definitions added and not removed.
var _ = register(rules.OCL216, func(c *ctx) {
	var srcs []repoSource
	cwd := "/"
	for i, in := range c.insts {
		switch x := in.parsed.(type) {
		case *instructions.WorkdirCommand:
			cwd = absPath(cwd, x.Path)
		case *instructions.CopyCommand:
			for _, s := range x.SourcePaths {
				if d := destOf("/", x.DestPath, s); inRepos(d) || path.Clean(s) == reposDir || strings.HasSuffix(d, ".repo") {
					srcs = append(srcs, repoSource{pos: pos{in.line, in.col}, idx: i, what: "COPY " + s, file: reposGlob(d, s)})
				}
			}
		case *instructions.AddCommand:
			for _, s := range x.SourcePaths {
				if d := destOf("/", x.DestPath, s); inRepos(d) || strings.HasSuffix(d, ".repo") {
					srcs = append(srcs, repoSource{pos: pos{in.line, in.col}, idx: i, what: "ADD " + s, file: d})
				}
			}
		}
		if in.run == nil {
			continue
		}
		runCwd := cwd
		for _, cl := range in.run.calls {
			if cl.name == "cd" && len(cl.args) == 1 && !cl.dynamic[0] {
				runCwd = absPath(runCwd, cl.args[0])
				continue
			}
			var ws []string
			var at []pos
			for _, d := range downloads(cl, runCwd) {
				if inRepos(d.path) && !strings.Contains(d.path, "*") {
					ws, at = append(ws, d.path), append(at, d.pos)
				}
			}
			for _, r := range cl.redirs {
				ws, at = append(ws, r.target), append(at, r.pos)
			}
			for _, w := range writeTargets(cl) {
				ws, at = append(ws, cl.args[w]), append(at, cl.argPos[w])
			}
			for k, w := range ws {
				if p := path.Clean(w); inRepos(p) || (strings.HasSuffix(p, ".repo") && strings.HasPrefix(p, "/etc/")) {
					file := p
					if p == reposDir {
						file = reposDir + "/*"
					}
					srcs = append(srcs, repoSource{pos: at[k], idx: i, what: "a write to " + p, file: file, run: true})
				}
			}
			if isConfigManagerAdd(cl) {
				srcs = append(srcs, repoSource{pos: cl.pos, idx: i, what: "`" + cl.name + " config-manager` adding a repository", file: reposDir + "/*", run: true})
			}
			if cl.name == "subscription-manager" && len(cl.args) > 0 && (cl.args[0] == "register" || cl.args[0] == "repos" || cl.args[0] == "attach") {
				srcs = append(srcs, repoSource{pos: cl.pos, idx: i, what: "subscription-manager " + cl.args[0] + " (writes redhat.repo)", file: reposDir + "/redhat.repo", rhsm: true, run: true})
			}
			pc := parsePkgCall(cl)
			if pc == nil {
				continue
			}
			for _, a := range pc.installed() {
				if n := releasePkg(a.name); n != "" {
					srcs = append(srcs, repoSource{pos: a.pos, idx: i, what: "installing " + n, pkg: n, run: true})
				}
			}
		}
	}
	for _, s := range srcs {
		if repoRemoved(c, s) {
			continue
		}
		msg := "%s leaves repository definitions in %s: every node ships them; remove them in the same RUN, or give the build its repositories through the etc-yum-repos-d ConfigMap"
		if s.run && c.target == rules.OnCluster {
			msg += " (on the cluster a RUN's writes there go into that ConfigMap's mount when it exists, and are then not shipped)"
		}
		c.add(s.pos.line, s.pos.col, msg, s.what, reposDir)
	}
})

func inRepos(p string) bool {
	p = path.Clean(p)
	return p == reposDir || strings.HasPrefix(p, reposDir+"/")
}

// reposGlob is what a COPY into the repos directory leaves: the file, or
// everything when a whole directory is copied.
func reposGlob(dest, src string) string {
	if path.Clean(src) == reposDir || path.Clean(dest) == reposDir {
		return reposDir + "/*"
	}
	return path.Clean(dest)
}

func isConfigManagerAdd(c *call) bool {
	sub := ""
	switch {
	case c.name == "yum-config-manager" || c.name == "dnf-config-manager":
		sub = "config-manager"
	case dnfLike(c.name) && len(c.args) > 0:
		for _, a := range c.args {
			if !strings.HasPrefix(a, "-") {
				sub = a
				break
			}
		}
	}
	if sub != "config-manager" {
		return false
	}
	for _, a := range c.args {
		if strings.HasPrefix(a, "--add-repo") || a == "addrepo" || strings.HasPrefix(a, "--from-repofile") {
			return true
		}
	}
	return false
}

// releasePkg names a package that ships repository files (epel-release,
// centos-release-*), from a name, file or URL; "" otherwise.
func releasePkg(arg string) string {
	b := path.Base(strings.SplitN(arg, "?", 2)[0])
	n := strings.TrimSuffix(b, ".rpm")
	switch {
	case strings.HasPrefix(n, "epel-release") || strings.HasPrefix(n, "epel-next-release"):
		return "epel-release"
	case strings.HasPrefix(n, "centos-release-") || strings.HasPrefix(n, "rpmfusion-") && strings.Contains(n, "release"):
		return pkgName(n)
	}
	return ""
}

// repoRemoved: a later rm of the file (or the directory's contents), a
// removal of the release package, a disabling sed, or for redhat.repo an
// unregister.
func repoRemoved(c *ctx, s repoSource) bool {
	for i := s.idx; i < len(c.insts); i++ {
		in := c.insts[i]
		if in.run == nil {
			continue
		}
		for _, cl := range in.run.calls {
			if i == s.idx && !s.pos.before(cl.pos) {
				continue
			}
			switch {
			case cl.name == "rm":
				for _, r := range removedBy(cl) {
					if s.file != "" && (r == s.file || strings.HasPrefix(s.file, r+"/") || globMatch(r, s.file) || globMatch(s.file, r) || r == reposDir+"/*" || r == reposDir+"/*.repo") {
						return true
					}
					if s.pkg != "" && inRepos(r) && strings.Contains(r, strings.TrimSuffix(s.pkg, "-release")) {
						return true
					}
				}
			case cl.name == "sed":
				for _, a := range cl.args {
					if strings.Contains(a, "enabled=0") {
						return true
					}
				}
			case cl.name == "subscription-manager" && s.rhsm && len(cl.args) > 0 && (cl.args[0] == "unregister" || cl.args[0] == "clean"):
				return true
			}
			if s.pkg == "" {
				continue
			}
			if pc := parsePkgCall(cl); pc != nil && (pc.sub == "remove" || pc.sub == "autoremove" || (pc.tool == "rpm-ostree" && pc.sub == "uninstall")) {
				for _, a := range pc.pkgs {
					if pkgName(a.name) == s.pkg || strings.HasPrefix(a.name, s.pkg) {
						return true
					}
				}
			}
		}
	}
	return false
}

func globMatch(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}
