package containerfile

import (
	"regexp"
	"strings"
)

// pkgCall is a package-manager invocation read from a RUN command.
type pkgCall struct {
	c         *call
	tool      string // dnf (also yum, dnf5...), microdnf, rpm, rpm-ostree
	sub       string // normalised subcommand: install, remove, upgrade, ...
	word      string // the subcommand as written (update, in, groupinstall)
	subsub    string // for group/module/override/history: the second word
	assumeYes bool
	pkgs      []pkgArg // package arguments after the subcommand(s)
	// optInstalls are packages named by --install (rpm-ostree override
	// remove X --install Y, rpm-ostree install's own --install is the same).
	optInstalls []pkgArg
}

type pkgArg struct {
	name    string
	pos     pos
	dynamic bool
}

func dnfLike(name string) bool {
	switch name {
	case "dnf", "yum", "dnf-3", "dnf4", "dnf5", "yum-deprecated", "tdnf":
		return true
	}
	return false
}

// Long dnf/yum/microdnf options whose value may be the next word.
var dnfLongWithValue = map[string]bool{
	"--releasever": true, "--installroot": true, "--setopt": true, "--config": true, "--exclude": true,
	"--excludepkgs": true, "--repo": true, "--repoid": true, "--enablerepo": true, "--disablerepo": true,
	"--repofrompath": true, "--forcearch": true, "--downloaddir": true, "--destdir": true, "--color": true,
	"--rpmverbosity": true, "--debuglevel": true, "--errorlevel": true, "--comment": true, "--advisory": true,
	"--advisories": true, "--bz": true, "--bzs": true, "--cve": true, "--cves": true, "--sec-severity": true,
	"--secseverity": true, "--includepkgs": true, "--disableplugin": true, "--enableplugin": true,
	"--use-host-config": false, "--best": false, "--nodocs": false,
}

// Short dnf options that take a value (it may follow in the same cluster).
const dnfShortWithValue = "cdexR"

var dnfAliases = map[string]string{
	"in": "install", "localinstall": "install", "rei": "reinstall",
	"rm": "remove", "erase": "remove", "autoremove": "autoremove",
	"up": "upgrade", "update": "upgrade", "upgrade-minimal": "upgrade-minimal", "update-minimal": "upgrade-minimal",
	"dsync": "distro-sync", "distrosync": "distro-sync", "distribution-synchronization": "distro-sync",
	"dg": "downgrade", "groupinstall": "group", "groupremove": "group", "groupupdate": "group",
	"groupupgrade": "group", "grouperase": "group", "groups": "group", "grp": "group",
}

// groupAlias gives the implied second word of groupinstall & co.
var groupAlias = map[string]string{"groupinstall": "install", "groupremove": "remove", "grouperase": "remove",
	"groupupdate": "upgrade", "groupupgrade": "upgrade"}

var setoptYes = regexp.MustCompile(`(?i)^(?:[^.=]*\.)?assumeyes=(?:1|true|yes|on)$`)

// parsePkgCall reads a dnf/yum/microdnf/rpm/rpm-ostree call; nil otherwise.
// The result is cached on the call; callers must not modify it.
func parsePkgCall(c *call) *pkgCall {
	if c == nil {
		return nil
	}
	if !c.pkgDone {
		c.pkg, c.pkgDone = readPkgCall(c), true
	}
	return c.pkg
}

func readPkgCall(c *call) *pkgCall {
	switch {
	case dnfLike(c.name) || c.name == "microdnf":
		return parseDnf(c)
	case c.name == "rpm-ostree":
		return parseRpmOstree(c)
	case c.name == "rpm":
		return parseRpm(c)
	}
	return nil
}

func parseDnf(c *call) *pkgCall {
	tool := "dnf"
	if c.name == "microdnf" {
		tool = "microdnf"
	}
	pc := &pkgCall{c: c, tool: tool}
	var pos []int // indexes of positional words
	args := c.args
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for j := i + 1; j < len(args); j++ {
				pos = append(pos, j)
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a, "=")
			if name == "--assumeyes" || name == "--yes" {
				pc.assumeYes = true
			}
			if !hasVal && dnfLongWithValue[name] && i+1 < len(args) {
				i++
				val = args[i]
			}
			if name == "--setopt" && setoptYes.MatchString(val) {
				pc.assumeYes = true
			}
		case len(a) > 1 && a[0] == '-':
			for k := 1; k < len(a); k++ {
				if a[k] == 'y' {
					pc.assumeYes = true
				}
				if strings.IndexByte(dnfShortWithValue, a[k]) >= 0 {
					if k == len(a)-1 && i+1 < len(args) {
						i++
					}
					break
				}
			}
		default:
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return pc
	}
	first := args[pos[0]]
	pc.word = first
	sub := first
	if a, ok := dnfAliases[first]; ok {
		sub = a
	}
	pc.sub = sub
	rest := pos[1:]
	if g, ok := groupAlias[first]; ok {
		pc.subsub = g
	} else if (sub == "group" || sub == "module" || sub == "history") && len(rest) > 0 {
		pc.subsub = args[rest[0]]
		rest = rest[1:]
	}
	for _, k := range rest {
		pc.pkgs = append(pc.pkgs, pkgArg{name: args[k], pos: c.argPos[k], dynamic: c.dynamic[k]})
	}
	return pc
}

func parseRpmOstree(c *call) *pkgCall {
	pc := &pkgCall{c: c, tool: "rpm-ostree"}
	var pos []int
	args := c.args
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a, "=")
			if name == "--assumeyes" {
				pc.assumeYes = true
			}
			if name == "--install" || name == "--uninstall" || name == "--remove" || name == "--replace" {
				if !hasVal && i+1 < len(args) {
					i++
					val = args[i]
				}
				a := pkgArg{name: val, pos: c.argPos[min(i, len(args)-1)], dynamic: c.dynamic[min(i, len(args)-1)]}
				if name == "--install" {
					pc.optInstalls = append(pc.optInstalls, a)
				} else {
					pc.pkgs = append(pc.pkgs, a)
				}
				continue
			}
			if !hasVal && (name == "--os" || name == "--sysroot" || name == "--from") && i+1 < len(args) {
				i++
			}
		case len(a) > 1 && a[0] == '-':
			if strings.ContainsRune(a, 'y') {
				pc.assumeYes = true
			}
		default:
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return pc
	}
	pc.sub = args[pos[0]]
	pc.word = pc.sub
	rest := pos[1:]
	if pc.sub == "override" && len(rest) > 0 {
		pc.subsub = args[rest[0]]
		rest = rest[1:]
	}
	for _, k := range rest {
		pc.pkgs = append(pc.pkgs, pkgArg{name: args[k], pos: c.argPos[k], dynamic: c.dynamic[k]})
	}
	return pc
}

// parseRpm recognises rpm -i/-U/-F (install) and -e (remove).
func parseRpm(c *call) *pkgCall {
	pc := &pkgCall{c: c, tool: "rpm"}
	for i, a := range c.args {
		switch {
		case a == "--install" || a == "--upgrade" || a == "--freshen" || a == "--reinstall":
			pc.sub = "install"
		case a == "--erase":
			pc.sub = "remove"
		case a == "--import":
			pc.sub = "import"
		case strings.HasPrefix(a, "--"):
		case len(a) > 1 && a[0] == '-':
			switch a[1] {
			case 'i', 'U', 'F':
				pc.sub = "install"
			case 'e':
				pc.sub = "remove"
			}
		default:
			pc.pkgs = append(pc.pkgs, pkgArg{name: a, pos: c.argPos[i], dynamic: c.dynamic[i]})
		}
	}
	return pc
}

// prompts reports whether this dnf/yum call asks for confirmation.
func (p *pkgCall) prompts() bool {
	if p.tool != "dnf" || p.assumeYes {
		return false
	}
	switch p.sub {
	case "install", "reinstall", "remove", "autoremove", "upgrade", "upgrade-minimal", "distro-sync",
		"downgrade", "swap", "builddep", "mark":
		return p.sub != "mark"
	case "group":
		switch p.subsub {
		case "install", "remove", "upgrade", "update", "erase", "mark":
			return true
		}
	case "module":
		switch p.subsub {
		case "install", "remove", "enable", "disable", "reset", "switch-to", "upgrade", "update":
			return true
		}
	case "history":
		switch p.subsub {
		case "undo", "redo", "rollback":
			return true
		}
	}
	return false
}

// installs reports whether the call installs packages.
func (p *pkgCall) installs() bool {
	switch p.tool {
	case "dnf", "microdnf":
		return p.sub == "install" || p.sub == "reinstall" || (p.sub == "group" && p.subsub == "install") ||
			(p.sub == "module" && p.subsub == "install")
	case "rpm-ostree":
		return p.sub == "install" || (p.sub == "override" && p.subsub == "replace")
	case "rpm":
		return p.sub == "install"
	}
	return false
}

// installed lists the packages the call installs: the arguments of an
// install (or of the second word of `dnf swap OLD NEW`), and --install
// values (`rpm-ostree override remove kernel --install kernel-rt-core`).
func (p *pkgCall) installed() []pkgArg {
	var out []pkgArg
	switch {
	case p.installs():
		out = append(out, p.pkgs...)
	case p.tool == "dnf" && p.sub == "swap" && len(p.pkgs) >= 2:
		out = append(out, p.pkgs[1:]...)
	}
	return append(out, p.optInstalls...)
}

// modifies reports whether the call changes the package set or its caches,
// which needs root.
func (p *pkgCall) modifies() bool {
	switch p.tool {
	case "dnf", "microdnf":
		switch p.sub {
		case "", "list", "info", "search", "provides", "whatprovides", "repolist", "repoquery", "repoinfo",
			"check-update", "check-upgrade", "deplist", "help", "--help", "-h", "alias", "history", "updateinfo",
			"advisory", "changelog", "download":
			return false
		}
		return true
	case "rpm-ostree":
		switch p.sub {
		case "install", "uninstall", "override", "upgrade", "update", "rebase", "reset", "apply-live", "cleanup",
			"deploy", "rollback":
			return true
		}
	case "rpm":
		return p.sub == "install" || p.sub == "remove" || p.sub == "import"
	}
	return false
}

// osWideUpgrade: an upgrade with no package named upgrades the whole OS.
func (p *pkgCall) osWideUpgrade() bool {
	switch p.tool {
	case "dnf", "microdnf":
		switch p.sub {
		case "upgrade", "upgrade-minimal", "distro-sync":
			return len(p.pkgs) == 0
		}
	case "rpm-ostree":
		return p.sub == "upgrade" || p.sub == "update"
	}
	return false
}

// subName is the subcommand as the user wrote it, for messages.
func subName(pc *pkgCall) string {
	w := pc.word
	if w == "" {
		w = pc.sub
	}
	if pc.subsub != "" && groupAlias[w] == "" {
		return w + " " + pc.subsub
	}
	return w
}
