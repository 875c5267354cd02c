package containerfile

import (
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func finalStage(d *doc) *stage {
	if len(d.stages) == 0 {
		return nil
	}
	return d.stages[len(d.stages)-1]
}

// OCL201: the final stage's last RUN should end in ostree container commit.
func ruleNoCommit(d *doc) {
	st := finalStage(d)
	if st == nil {
		return
	}
	var firstChange, lastRun *inst
	for _, in := range st.insts {
		switch in.cmd {
		case "run":
			lastRun = in
			fallthrough
		case "copy", "add":
			if firstChange == nil {
				firstChange = in
			}
		}
	}
	if firstChange == nil {
		return
	}
	if lastRun == nil {
		d.addAt(firstChange, RuleNoCommit, "the final stage changes files but has no RUN ending in `ostree container commit`")
		return
	}
	if lastRun.run == nil || lastRun.run.bad {
		return
	}
	if endsInCommit(lastRun.run.last) {
		return
	}
	d.addAt(lastRun, RuleNoCommit, "the final stage's last RUN does not end in `ostree container commit` (or `bootc container lint`)")
}

func endsInCommit(c *call) bool {
	if c == nil {
		return false
	}
	has := func(a ...string) bool {
		if len(c.args) < len(a) {
			return false
		}
		for i := range a {
			if c.args[i] != a[i] {
				return false
			}
		}
		return true
	}
	return (c.name == "ostree" && has("container", "commit")) || (c.name == "bootc" && has("container", "lint"))
}

// OCL202: install without cleaning the dnf cache in the same RUN.
func ruleNoClean(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		var installs []*pkgCall
		cleaned := cacheMounted(in)
		for _, c := range in.run.calls {
			if pc := parsePkgCall(c); pc != nil && (pc.tool == "dnf" || pc.tool == "microdnf") {
				switch {
				case pc.installs() || pc.sub == "upgrade" || pc.sub == "distro-sync" || pc.sub == "downgrade":
					installs = append(installs, pc)
				case pc.sub == "clean" && len(pc.pkgs) > 0 && pc.pkgs[0].name == "all":
					cleaned = true
				}
			}
			if c.name == "rm" {
				for _, a := range c.args {
					if isDnfCache(a) {
						cleaned = true
					}
				}
			}
		}
		if cleaned {
			continue
		}
		for _, pc := range installs {
			d.add(pc.c.pos.line, pc.c.pos.col, RuleNoClean, "`%s %s` without `%s clean all` in the same RUN leaves the package cache in the image", pc.c.name, subName(pc), pc.c.name)
		}
	}
}

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

// OCL203: OS-wide upgrades.
func ruleOSUpgrade(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			if pc := parsePkgCall(c); pc != nil && pc.osWideUpgrade() {
				d.add(c.pos.line, c.pos.col, RuleOSUpgrade, "`%s %s` upgrades the whole OS: the base image must come from the OpenShift release; upgrade named packages only", c.name, subName(pc))
			}
		}
	}
}

// OCL204: writes under /var.
func ruleWritesVar(d *doc) {
	for _, in := range d.insts {
		switch c := in.parsed.(type) {
		case *instructions.CopyCommand:
			if underVar(c.DestPath) {
				d.addAt(in, RuleWritesVar, "COPY to %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", c.DestPath)
			}
		case *instructions.AddCommand:
			if underVar(c.DestPath) {
				d.addAt(in, RuleWritesVar, "ADD to %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", c.DestPath)
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
		for _, c := range in.run.calls {
			for _, r := range c.redirs {
				writes = append(writes, target{r.target, r.pos})
			}
			for _, w := range writeTargets(c) {
				writes = append(writes, target{c.args[w], c.argPos[w]})
			}
			if c.name == "rm" || c.name == "rmdir" {
				for _, a := range c.args {
					if !strings.HasPrefix(a, "-") {
						removed = append(removed, path.Clean(a))
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, w := range writes {
			p := path.Clean(w.p)
			if !underVar(p) || seen[p] || removedPath(p, removed) {
				continue
			}
			seen[p] = true
			d.add(w.pos.line, w.pos.col, RuleWritesVar, "RUN writes %s: nodes keep their own /var, so this never reaches upgraded nodes (use /usr or /etc, or systemd-tmpfiles)", p)
		}
	}
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

// writeTargets are the argument indexes a command writes to.
func writeTargets(c *call) []int {
	var pos []int
	for i, a := range c.args {
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, i)
		}
	}
	valueOf := func(short, long string) []int {
		var out []int
		for i, a := range c.args {
			if (a == short || a == long) && i+1 < len(c.args) {
				out = append(out, i+1)
			}
		}
		return out
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
		return valueOf("-o", "--output")
	case "wget":
		return append(valueOf("-O", "--output-document"), valueOf("-P", "--directory-prefix")...)
	case "git":
		if len(pos) >= 3 && c.args[pos[0]] == "clone" {
			return pos[len(pos)-1:]
		}
	case "tar":
		return valueOf("-C", "--directory")
	}
	return nil
}

// Kernel packages that replace the booted kernel.
func isKernelPkg(name string) bool {
	n := path.Base(name)
	n = strings.TrimSuffix(n, ".rpm")
	if n != "kernel" && !strings.HasPrefix(n, "kernel-") {
		return false
	}
	for _, ok := range []string{"kernel-devel", "kernel-headers", "kernel-tools", "kernel-srpm-macros", "kernel-abi", "kernel-doc"} {
		if n == ok || strings.HasPrefix(n, ok+"-") {
			return false
		}
	}
	return true
}

// OCL205: kernel replacement.
func ruleKernelReplace(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.installs() {
				continue
			}
			for _, p := range pc.pkgs {
				if isKernelPkg(p.name) {
					d.add(p.pos.line, p.pos.col, RuleKernelReplace, "%s replaces the kernel: use the MachineConfig's kernelType (realtime, 64k-pages) instead", p.name)
				}
			}
		}
	}
}

var noEffect = map[string]bool{"cmd": true, "entrypoint": true, "expose": true, "healthcheck": true,
	"volume": true, "stopsignal": true, "onbuild": true}

// OCL206: container-only instructions in the final stage.
func ruleNoEffect(d *doc) {
	st := finalStage(d)
	if st == nil {
		return
	}
	for _, in := range st.insts {
		if noEffect[in.cmd] {
			d.addAt(in, RuleNoEffect, "%s has no effect on a node OS, which boots systemd (use a systemd unit)", strings.ToUpper(in.cmd))
		}
	}
}

// OCL207: the final stage ends as a non-root user.
func ruleFinalNonRoot(d *doc) {
	st := finalStage(d)
	if st == nil {
		return
	}
	var set *inst
	for _, s := range st.chain() {
		for _, in := range s.insts {
			if uc, ok := in.parsed.(*instructions.UserCommand); ok {
				if isRoot(uc.User) {
					set = nil
				} else {
					set = in
				}
			}
		}
	}
	if set != nil {
		u := set.parsed.(*instructions.UserCommand).User
		d.addAt(set, RuleFinalNonRoot, "the final stage ends as USER %s: end the OS image as root", u)
	}
}

// OCL208: remote code at build time.
func ruleRemoteCode(d *doc) {
	for _, in := range d.insts {
		if a, ok := in.parsed.(*instructions.AddCommand); ok && a.Checksum == "" {
			for _, s := range a.SourcePaths {
				if isURL(s) {
					d.addAt(in, RuleRemoteCode, "ADD %s fetches remote content at build time without --checksum", s)
				}
			}
		}
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			if !isShell(c.name) && c.name != "source" && c.name != "." {
				continue
			}
			fetcher := ""
			for p := c.pipedFrom; p != nil && fetcher == ""; p = p.pipedFrom {
				if p.name == "curl" || p.name == "wget" {
					fetcher = p.name
				}
			}
			for _, s := range c.substs {
				if fetcher == "" && (s.name == "curl" || s.name == "wget") {
					fetcher = s.name
				}
			}
			if fetcher != "" {
				d.add(c.pos.line, c.pos.col, RuleRemoteCode, "%s output runs in %s: remote code at build time runs as root in every node's OS", fetcher, c.name)
			}
		}
	}
}

var secretWords = map[string]bool{"PASSWORD": true, "PASSWD": true, "PASS": true, "PASSPHRASE": true, "PWD": false,
	"TOKEN": true, "TOKENS": true, "SECRET": true, "SECRETS": true, "KEY": true, "APIKEY": true, "CREDENTIAL": true,
	"CREDENTIALS": true, "CREDS": true, "AUTH": true, "PRIVATE": true}

// looksSecret splits NAME_LIKE_THIS (and camelCase) into words.
func looksSecret(name string) bool {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, strings.ToUpper(cur.String()))
			cur.Reset()
		}
	}
	for i, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			flush()
		case r >= 'A' && r <= 'Z' && i > 0 && name[i-1] >= 'a' && name[i-1] <= 'z':
			flush()
			cur.WriteRune(r)
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	hit := false
	for _, w := range words {
		switch w {
		case "PUBLIC", "PUB", "FILE", "PATH", "DIR", "ID", "URL", "NAME":
			return false
		}
		if secretWords[w] {
			hit = true
		}
	}
	return hit
}

// OCL209: ENV/ARG names that look like secrets.
func ruleSecretName(d *doc) {
	for _, in := range d.insts {
		switch c := in.parsed.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if looksSecret(kv.Key) {
					d.addAt(in, RuleSecretName, "ENV %s looks like a secret: ENV values are stored in the image, readable by anyone who can pull it", kv.Key)
				}
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				if looksSecret(kv.Key) {
					d.addAt(in, RuleSecretName, "ARG %s looks like a secret: ARG values are stored in the image history; use RUN --mount=type=secret", kv.Key)
				}
			}
		}
	}
}

// OCL210: the last stage should be `final`.
func ruleNotFinal(d *doc) {
	st := finalStage(d)
	if st == nil || st.name == "final" || st.from == nil {
		return
	}
	if st.name == "" {
		d.addAt(st.from, RuleNotFinal, "the last stage has no alias: the documented form is `FROM configs AS final`")
		return
	}
	d.addAt(st.from, RuleNotFinal, "the last stage is aliased %q: the documented form is `FROM configs AS final`", st.name)
}

// RHCOS extensions of OpenShift 4.19 (the operator's SupportedExtensions).
var extensionOf = map[string]string{
	"crun-wasm": "wasm", "NetworkManager-libreswan": "ipsec", "libreswan": "ipsec", "usbguard": "usbguard",
	"krb5-workstation": "kerberos", "libkadm5": "kerberos", "kernel-devel": "kernel-devel",
	"kernel-headers": "kernel-devel", "kata-containers": "sandboxed-containers", "sysstat": "sysstat",
}

// OCL211: extension packages installed with dnf.
func ruleExtension(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.installs() || pc.tool == "rpm" {
				continue
			}
			for _, p := range pc.pkgs {
				if ext, ok := extensionOf[pkgName(p.name)]; ok {
					d.add(p.pos.line, p.pos.col, RuleExtension, "%s is shipped as the RHCOS extension %q: list it in the MachineConfig's spec.extensions instead", p.name, ext)
				}
			}
		}
	}
}

// pkgName strips a version or operator from a package argument.
func pkgName(a string) string {
	if i := strings.IndexAny(a, " <>=!"); i >= 0 {
		a = a[:i]
	}
	parts := strings.Split(a, "-")
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 0 || parts[i][0] < '0' || parts[i][0] > '9' {
			continue
		}
		release := i == len(parts)-2 && len(parts[i+1]) > 0 && parts[i+1][0] >= '0' && parts[i+1][0] <= '9'
		if strings.ContainsAny(parts[i], ".:") || release {
			return strings.Join(parts[:i], "-")
		}
	}
	return a
}

// OCL212: consecutive RUNs with the same flags.
func ruleMergeRuns(d *doc) {
	for _, st := range d.stages {
		var group []*inst
		flush := func() {
			if len(group) > 1 {
				d.addAt(group[0], RuleMergeRuns, "%d consecutive RUN instructions (lines %d-%d) could be one layer: join them with &&", len(group), group[0].line, group[len(group)-1].line)
			}
			group = nil
		}
		for _, in := range st.insts {
			if in.cmd != "run" {
				flush()
				continue
			}
			if len(group) > 0 && strings.Join(group[0].node.Flags, " ") != strings.Join(in.node.Flags, " ") {
				flush()
			}
			group = append(group, in)
		}
		flush()
	}
}

// OCL213: pipes without pipefail.
func rulePipefail(d *doc) {
	for _, st := range d.stages {
		shellPipefail := false
		for _, in := range st.insts {
			if sh, ok := in.parsed.(*instructions.ShellCommand); ok {
				shellPipefail = pipefailOpt(sh.Shell)
			}
			if in.run == nil || len(in.run.pipes) == 0 || shellPipefail {
				continue
			}
			ps := append([]pos(nil), in.run.pipes...)
			sort.Slice(ps, func(i, j int) bool { return ps[i].before(ps[j]) })
			p := ps[0]
			if pf := in.run.pipefailAt; pf != nil && pf.before(p) {
				continue
			}
			d.add(p.line, p.col, RulePipefail, "pipe without `set -o pipefail`: the RUN succeeds even when the command before | fails")
		}
	}
}

// OCL214 (opt-in): packages without a version.
func ruleUnversionedPkg(d *doc) {
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || !pc.installs() || pc.tool == "rpm" || pc.sub == "group" || pc.sub == "module" {
				continue
			}
			var names []string
			var first pos
			for _, p := range pc.pkgs {
				if p.dynamic || versioned(p.name) {
					continue
				}
				if len(names) == 0 {
					first = p.pos
				}
				names = append(names, p.name)
			}
			if len(names) > 0 {
				d.add(first.line, first.col, RuleUnversionedPkg, "installed without a version: %s", strings.Join(names, ", "))
			}
		}
	}
}

func versioned(a string) bool {
	if strings.HasPrefix(a, "@") || strings.ContainsAny(a, "=<>/*?[") || strings.HasSuffix(a, ".rpm") {
		return true
	}
	return pkgName(a) != a
}
