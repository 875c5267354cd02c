package imagecheck

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Image lint rules: every lint of `bootc container lint` (read from
// bootc's lib/src/lints.rs; the name in Bootc), and ocl-build's own checks
// of an OS image that nodes of an On-Cluster Layering pool boot.
const (
	RuleVarRun         = "OCL405"
	RuleEtcUsrEtc      = "OCL406"
	RuleBootcKargs     = "OCL407"
	RuleKernels        = "OCL408"
	RuleNonUTF8        = "OCL409"
	RuleAPIDirs        = "OCL410"
	RuleBaseimageRoot  = "OCL411"
	RuleComposefs      = "OCL412"
	RuleBuildahInject  = "OCL413"
	RuleVarLog         = "OCL414"
	RuleVarTmpfiles    = "OCL415"
	RuleSysusers       = "OCL416"
	RuleNonemptyBoot   = "OCL417"
	RuleNonemptyRunTmp = "OCL418"
	RuleInitramfs      = "OCL419"
	RuleOptUsrLocal    = "OCL420"
	RuleLayerCount     = "OCL421"
	RulePkgConflict    = "OCL422"
	RuleKernelTypeLost = "OCL423"
)

// LayerCeiling is the layer count an OS image must stay under (the issue's
// "128 ceiling": ostree-container and overlay setups refuse or degrade
// beyond it); LayerWarnAt is where OCL421 starts warning.
const (
	LayerCeiling = 128
	LayerWarnAt  = 100
)

// ImageRule is one image lint: its catalogue entry, the bootc lint it
// matches (empty for ocl-build's own), and its check, which returns the
// offending items (paths, names) of a tree; none means it passes.
type ImageRule struct {
	*rules.Rule
	Bootc string
	check func(c *lintInput) []string
	// what introduces the items in the message
	what string
}

// lintInput is what the tree lints look at.
type lintInput struct {
	tree    *Tree
	base    *Tree // nil: no base known
	profile ocpversion.Profile
	mc      *mcfgv1.MachineConfig
	pkgs    []rpmdiff.Package // the image's rpm database; nil: unknown
}

const (
	sevE = findings.SeverityError
	sevW = findings.SeverityWarning
)

// imageRules is the one list of tree lints, in ID order.
var imageRules = []ImageRule{
	{Rule: rules.OCL405,
		Bootc: "var-run", what: "found", check: checkVarRun},
	{Rule: rules.OCL406,
		Bootc: "etc-usretc", what: "found", check: checkUsrEtc},
	{Rule: rules.OCL407,
		Bootc: "bootc-kargs", what: "unparsable", check: checkKargs},
	{Rule: rules.OCL408,
		Bootc: "kernel", what: "kernels", check: checkKernels},
	{Rule: rules.OCL409,
		Bootc: "utf8", what: "names", check: func(c *lintInput) []string { return c.tree.NonUTF8 }},
	{Rule: rules.OCL410,
		Bootc: "api-base-directories", what: "problems", check: checkAPIDirs},
	{Rule: rules.OCL411,
		Bootc: "baseimage-root", what: "problems", check: checkBaseimageRoot},
	{Rule: rules.OCL412,
		Bootc: "baseimage-composefs", what: "problems", check: checkComposefs},
	{Rule: rules.OCL413,
		Bootc: "buildah-injected", what: "empty files", check: checkBuildahInjected},
	{Rule: rules.OCL414,
		Bootc: "var-log", what: "log files", check: checkVarLog},
	{Rule: rules.OCL415,
		Bootc: "var-tmpfiles", what: "paths", check: checkVarTmpfiles},
	{Rule: rules.OCL416,
		Bootc: "sysusers", what: "entries", check: checkSysusers},
	{Rule: rules.OCL417,
		Bootc: "nonempty-boot", what: "entries", check: checkBoot},
	{Rule: rules.OCL418,
		Bootc: "nonempty-run-tmp", what: "paths", check: checkRunTmp},
	{Rule: rules.OCL419,
		what: "kernels", check: checkInitramfs},
	{Rule: rules.OCL420,
		what: "paths", check: checkOptUsrLocal},
	{Rule: rules.OCL422,
		what: "conflicts", check: checkPackageConflicts},
}

// BootcName maps an image rule to the bootc lint it matches ("" if none).
func BootcName(id string) string {
	for _, r := range imageRules {
		if r.ID == id {
			return r.Bootc
		}
	}
	return ""
}

// maxItems bounds the items named in one finding, as bootc does.
const maxItems = 5

// lintTree runs every tree lint. With a base tree, items the base image
// has too are dropped: they are the base's, not this build's.
func lintTree(in *lintInput, file string) []findings.Finding {
	var out []findings.Finding
	for _, r := range imageRules {
		items := r.check(in)
		if len(items) > 0 && in.base != nil {
			bin := *in
			bin.tree, bin.base = in.base, nil
			items = subtract(items, r.check(&bin))
		}
		if len(items) == 0 {
			continue
		}
		out = append(out, r.Finding(&in.profile, file, 0, 0, itemsMessage(r, items)))
	}
	return out
}

func itemsMessage(r ImageRule, items []string) string {
	shown, more := items, ""
	if len(items) > maxItems {
		shown, more = items[:maxItems], fmt.Sprintf(" and %d more", len(items)-maxItems)
	}
	msg := fmt.Sprintf("%s: %s %s%s", r.Title, r.what, strings.Join(shown, ", "), more)
	if r.Bootc != "" {
		msg += " (bootc container lint: " + r.Bootc + ")"
	}
	return msg
}

func subtract(items, base []string) []string {
	drop := map[string]bool{}
	for _, b := range base {
		drop[b] = true
	}
	var out []string
	for _, i := range items {
		if !drop[i] {
			out = append(out, i)
		}
	}
	return out
}

// ---- bootc's lints ------------------------------------------------------

func checkVarRun(c *lintInput) []string {
	if n, ok := c.tree.Lookup("var/run"); ok && !n.IsSymlink() {
		return []string{"/var/run (not a symlink)"}
	}
	return nil
}

func checkUsrEtc(c *lintInput) []string {
	_, etc := c.tree.Lookup("etc")
	_, usrEtc := c.tree.Lookup("usr/etc")
	if etc && usrEtc {
		return []string{"/usr/etc"}
	}
	return nil
}

// kargsFile is a kargs.d file; every other key is an error, as in bootc.
type kargsFile struct {
	Kargs              *[]string `toml:"kargs"`
	MatchArchitectures []string  `toml:"match-architectures"`
}

// ParseKargs checks one kargs.d TOML file the way bootc reads it.
func ParseKargs(data []byte) ([]string, error) {
	var f kargsFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, err
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("unknown field %q (want kargs, match-architectures)", u[0].String())
	}
	if f.Kargs == nil {
		return nil, fmt.Errorf("missing field kargs")
	}
	return *f.Kargs, nil
}

func checkKargs(c *lintInput) []string {
	var out []string
	for _, p := range c.tree.Children("usr/lib/bootc/kargs.d") {
		n := c.tree.Nodes[p]
		if !strings.HasSuffix(p, ".toml") || !n.IsReg() {
			continue
		}
		if _, err := ParseKargs(n.Data); err != nil {
			out = append(out, fmt.Sprintf("/%s: %s", p, oneLine(err.Error())))
		}
	}
	return out
}

// kernelDirs lists /usr/lib/modules/$kver directories that hold a vmlinuz.
func kernelDirs(t *Tree) []string {
	var out []string
	for _, p := range t.Children("usr/lib/modules") {
		if n := t.Nodes[p]; !n.IsDir() {
			continue
		}
		if r, err := t.Resolve(p + "/vmlinuz"); err == nil {
			if _, ok := t.Nodes[r]; ok {
				out = append(out, path.Base(p))
			}
		}
	}
	return out
}

func checkKernels(c *lintInput) []string {
	ks := kernelDirs(c.tree)
	if len(ks) > 1 {
		return []string{strings.Join(ks, ", ")}
	}
	return nil
}

// APIDirs are systemd's API file system mount points plus /var, which
// bootc requires (https://systemd.io/API_FILE_SYSTEMS/).
var APIDirs = []string{"dev", "proc", "sys", "run", "tmp", "var"}

func checkAPIDirs(c *lintInput) []string {
	var out []string
	for _, d := range APIDirs {
		n, ok := c.tree.Lookup(d)
		switch {
		case !ok:
			out = append(out, "/"+d+" missing")
		case !n.IsDir():
			out = append(out, "/"+d+" not a directory")
		}
	}
	return out
}

func checkBaseimageRoot(c *lintInput) []string {
	out := baseimageRootAt(c.tree, "")
	// bootc also checks its embedded reference copy, when present.
	if n, ok := c.tree.Lookup("usr/share/doc/bootc/baseimage/base"); ok && n.IsDir() {
		out = append(out, baseimageRootAt(c.tree, "usr/share/doc/bootc/baseimage/base/")...)
	}
	return out
}

func baseimageRootAt(t *Tree, at string) []string {
	var out []string
	if n, ok := t.Lookup(at + "sysroot"); !ok {
		out = append(out, "/"+at+"sysroot missing")
	} else if !n.IsDir() {
		out = append(out, "/"+at+"sysroot not a directory")
	}
	n, ok := t.Lookup(at + "ostree")
	switch {
	case !ok:
		out = append(out, "/"+at+"ostree -> sysroot/ostree missing")
	case !n.IsSymlink():
		out = append(out, "/"+at+"ostree not a symlink")
	case n.Link != "sysroot/ostree":
		out = append(out, fmt.Sprintf("/%sostree -> %s (want sysroot/ostree)", at, n.Link))
	}
	return out
}

// keyFile reads a GLib key file (ini): section -> key -> value.
func keyFile(data []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	sec := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			sec = strings.TrimSpace(l[1 : len(l)-1])
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			if out[sec] == nil {
				out[sec] = map[string]string{}
			}
			out[sec][strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// composefsEnabled follows ostree's reading: [root] transient=true, or
// [composefs] enabled one of yes/true/1/maybe/signed/verity (absent: maybe).
func composefsEnabled(kf map[string]map[string]string) (bool, error) {
	if v := kf["root"]["transient"]; v == "true" || v == "yes" || v == "1" {
		return true, nil
	}
	v, ok := kf["composefs"]["enabled"]
	if !ok {
		return true, nil
	}
	switch v {
	case "yes", "true", "1", "maybe", "signed", "verity":
		return true, nil
	case "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid [composefs] enabled value %q", v)
}

func checkComposefs(c *lintInput) []string {
	at := func(root string) []string {
		for _, d := range []string{"etc", "usr/lib"} {
			p := root + d + "/ostree/prepare-root.conf"
			n, ok := c.tree.Lookup(p)
			if !ok || !n.IsReg() {
				continue
			}
			on, err := composefsEnabled(keyFile(n.Data))
			if err != nil {
				return []string{"/" + p + ": " + err.Error()}
			}
			if !on {
				return []string{"/" + p + " disables composefs"}
			}
			return nil
		}
		return []string{"/" + root + "usr/lib/ostree/prepare-root.conf missing"}
	}
	out := at("")
	if n, ok := c.tree.Lookup("usr/share/doc/bootc/baseimage/base"); ok && n.IsDir() {
		out = append(out, at("usr/share/doc/bootc/baseimage/base/")...)
	}
	return out
}

func checkBuildahInjected(c *lintInput) []string {
	var out []string
	for _, p := range []string{"etc/hostname", "etc/resolv.conf"} {
		if n, ok := c.tree.Lookup(p); ok && n.IsReg() && n.Size == 0 {
			out = append(out, "/"+p)
		}
	}
	return out
}

func checkVarLog(c *lintInput) []string {
	root, err := c.tree.Resolve("var/log")
	if err != nil {
		return nil
	}
	if n, ok := c.tree.Lookup(root); !ok || !n.IsDir() {
		return nil
	}
	var out []string
	for _, p := range c.tree.Under(root) {
		if n := c.tree.Nodes[p]; n.IsReg() && n.Size > 0 {
			out = append(out, "/var/log"+strings.TrimPrefix(p, root))
		}
	}
	return out
}

// tmpfilesPaths are the paths tmpfiles.d lines of the image name
// (/usr/lib/tmpfiles.d and /etc/tmpfiles.d).
func tmpfilesPaths(t *Tree) map[string]bool {
	out := map[string]bool{}
	for _, d := range []string{"usr/lib/tmpfiles.d", "etc/tmpfiles.d"} {
		for _, p := range t.Children(d) {
			n := t.Nodes[p]
			if !n.IsReg() || !strings.HasSuffix(p, ".conf") {
				continue
			}
			sc := bufio.NewScanner(bytes.NewReader(n.Data))
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) < 2 || strings.HasPrefix(f[0], "#") {
					continue
				}
				q := image.CleanPath(f[1])
				if strings.HasPrefix(q, "var/run/") || q == "var/run" {
					q = "run" + strings.TrimPrefix(q, "var/run")
				}
				out[q] = true
			}
		}
	}
	return out
}

// checkVarTmpfiles: a directory or symlink under /var is covered when a
// tmpfiles.d line names it or something below it (systemd-tmpfiles creates
// the parents); anything else under /var cannot come from tmpfiles.d.
func checkVarTmpfiles(c *lintInput) []string {
	covered := tmpfilesPaths(c.tree)
	implied := map[string]bool{}
	for p := range covered {
		for a := path.Dir(p); a != "." && a != ""; a = path.Dir(a) {
			implied[a] = true
		}
	}
	var out []string
	for _, p := range c.tree.Under("var") {
		if p == "var/run" || strings.HasPrefix(p, "var/run/") {
			continue // OCL405's business
		}
		n := c.tree.Nodes[p]
		switch {
		case n.IsDir() || n.IsSymlink():
			if !covered[p] && !implied[p] {
				out = append(out, "/"+p)
			}
		default:
			out = append(out, "/"+p+" (a file: tmpfiles.d cannot provide it)")
		}
	}
	return out
}

// names reads the first field of each passwd/group line.
func names(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		n, _, _ := strings.Cut(l, ":")
		out = append(out, n)
	}
	return out
}

// sysusers reads /usr/lib/sysusers.d: "u NAME" declares a user and its
// group, "g NAME" a group.
func sysusers(t *Tree) (users, groups map[string]bool) {
	users, groups = map[string]bool{}, map[string]bool{}
	for _, p := range t.Children("usr/lib/sysusers.d") {
		n := t.Nodes[p]
		if !n.IsReg() || !strings.HasSuffix(p, ".conf") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(n.Data))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 {
				continue
			}
			switch strings.TrimRight(f[0], "!") {
			case "u":
				users[f[1]], groups[f[1]] = true, true
			case "g":
				groups[f[1]] = true
			}
		}
	}
	return users, groups
}

func checkSysusers(c *lintInput) []string {
	pw, ok := c.tree.Lookup("etc/passwd")
	if !ok || !pw.IsReg() {
		return nil
	}
	users, groups := sysusers(c.tree)
	var out []string
	for _, u := range names(pw.Data) {
		if !users[u] {
			out = append(out, "user "+u)
		}
	}
	if gr, ok := c.tree.Lookup("etc/group"); ok && gr.IsReg() {
		for _, g := range names(gr.Data) {
			if !groups[g] {
				out = append(out, "group "+g)
			}
		}
	}
	return out
}

func checkBoot(c *lintInput) []string {
	n, ok := c.tree.Lookup("boot")
	if !ok || !n.IsDir() {
		return []string{"/boot missing"}
	}
	var out []string
	for _, p := range c.tree.Children("boot") {
		if p == "boot/EFI" { // bootc leaves the EFI directory alone
			continue
		}
		out = append(out, "/"+p)
	}
	return out
}

// runtimeInjected are paths podman/buildah leave behind under /run (bootc
// prunes them and their otherwise empty parents).
var runtimeInjected = []string{"run/systemd/resolve/stub-resolv.conf"}

func checkRunTmp(c *lintInput) []string {
	found := map[string]bool{}
	for _, d := range []string{"run", "tmp"} {
		if n, ok := c.tree.Lookup(d); !ok || !n.IsDir() {
			continue
		}
		for _, p := range c.tree.Under(d) {
			found[p] = true
		}
	}
	for _, k := range runtimeInjected {
		delete(found, k)
		for d := path.Dir(k); d != "run" && d != "."; d = path.Dir(d) {
			other := false
			for p := range found {
				if p != d && strings.HasPrefix(p, d+"/") {
					other = true
					break
				}
			}
			if other {
				break
			}
			delete(found, d)
		}
	}
	var out []string
	for p := range found {
		out = append(out, "/"+p)
	}
	sort.Strings(out)
	return out
}

// ---- ocl-build's own ----------------------------------------------------

func checkInitramfs(c *lintInput) []string {
	var out []string
	for _, k := range kernelDirs(c.tree) {
		dir := "usr/lib/modules/" + k
		vm := c.tree.Nodes[dir+"/vmlinuz"]
		ir, ok := c.tree.Nodes[dir+"/initramfs.img"]
		switch {
		case !ok:
			out = append(out, k+": no initramfs.img")
		case vm != nil && vm.Layer > ir.Layer:
			out = append(out, fmt.Sprintf("%s: vmlinuz from layer %d, initramfs.img from older layer %d (not regenerated)", k, vm.Layer+1, ir.Layer+1))
		}
	}
	return out
}

// checkOptUsrLocal: /opt and /usr/local are symlinks into /var on RHCOS,
// so what a build puts "there" is stored in /var.
func checkOptUsrLocal(c *lintInput) []string {
	var out []string
	for _, p := range []string{"opt", "usr/local"} {
		n, ok := c.tree.Lookup(p)
		if !ok || !n.IsSymlink() {
			continue
		}
		target, err := c.tree.Resolve(p)
		if err != nil || !strings.HasPrefix(target, "var/") {
			continue
		}
		for _, q := range c.tree.Under(target) {
			if qn := c.tree.Nodes[q]; !qn.IsDir() {
				out = append(out, fmt.Sprintf("/%s%s (stored at /%s)", p, strings.TrimPrefix(q, target), q))
			}
		}
	}
	return out
}

// coreKernelPackages maps each kernelType to its core package (the one
// holding vmlinuz), from the version's kernel package sets (the newest
// profile's names when the version has no kernel step: they are RHEL's).
func coreKernelPackages(p ocpversion.Profile) map[string]string {
	sets := p.KernelPackages
	if sets == nil {
		sets = ocpversion.MustLookup(ocpversion.Newest().String()).KernelPackages
	}
	out := map[string]string{}
	for kt, pkgs := range sets {
		for _, n := range pkgs {
			if strings.HasSuffix(n, "-core") {
				out[kt] = n
				break
			}
		}
	}
	return out
}

func checkPackageConflicts(c *lintInput) []string {
	if c.pkgs == nil {
		return nil
	}
	have := map[string]rpmdiff.Package{}
	for _, p := range c.pkgs {
		have[p.Name] = p
	}
	var out []string
	cores := coreKernelPackages(c.profile)
	var flavours []string
	for kt, core := range cores {
		if _, ok := have[core]; ok {
			flavours = append(flavours, kt)
		}
	}
	sort.Strings(flavours)
	if len(flavours) > 1 {
		var ps []string
		for _, kt := range flavours {
			ps = append(ps, cores[kt])
		}
		out = append(out, "two kernel flavours installed: "+strings.Join(ps, " and "))
	}
	if c.mc != nil {
		kt := c.mc.Spec.KernelType
		if kt == "" {
			kt = mco.KernelTypeDefault
		}
		if want, ok := cores[kt]; ok && len(flavours) == 1 && flavours[0] != kt && (kt == mco.KernelTypeDefault || c.profile.LayeredKernelType()) {
			out = append(out, fmt.Sprintf("kernelType %s, but the image's kernel is %s (not %s)", kt, cores[flavours[0]], want))
		}
		for _, ext := range c.mc.Spec.Extensions {
			pkgs, known := c.profile.ExtensionPackages(ext)
			if !known {
				continue
			}
			for _, p := range pkgs {
				if _, ok := have[p]; !ok {
					out = append(out, fmt.Sprintf("extension %s: package %s missing", ext, p))
				}
			}
		}
	}
	if dev, ok := have["kernel-devel"]; ok {
		if core, ok := have[cores[mco.KernelTypeDefault]]; ok && dev.EVR() != core.EVR() {
			out = append(out, fmt.Sprintf("kernel-devel %s does not match %s %s", dev.EVR(), core.Name, core.EVR()))
		}
	}
	return out
}

// CheckKernelType reports a kernelType the version does not apply to a
// layered pool (OCL423): on 4.19 the node never gets that kernel.
func CheckKernelType(mc *mcfgv1.MachineConfig, p ocpversion.Profile, file string) []findings.Finding {
	if mc == nil {
		return nil
	}
	kt := mc.Spec.KernelType
	if kt == "" || kt == mco.KernelTypeDefault || p.LayeredKernelType() {
		return nil
	}
	return []findings.Finding{rules.OCL423.Finding(&p, file, 0, 0, fmt.Sprintf(
		"kernelType %s on a layered pool is not applied on OpenShift %s: the daemon skips the kernel switch for On-Cluster Layering pools and the build has no kernel step (%s), so the nodes never get the %s kernel; "+
			"upgrade to 4.20+ (the image then carries it) or swap the kernel in the Containerfile", kt, p.Version, p.MCOBranch, kt))}
}

// CheckLayerCount reports an image near or over the layer ceiling (OCL421).
func CheckLayerCount(layers int, file string) []findings.Finding {
	switch {
	case layers >= LayerCeiling:
		return []findings.Finding{rules.OCL421.VariantFinding("over", file, 0, 0, fmt.Sprintf(
			"the image has %d layers, at or over the ceiling of %d: join RUN instructions and build stages", layers, LayerCeiling))}
	case layers >= LayerWarnAt:
		return []findings.Finding{rules.OCL421.Finding(nil, file, 0, 0, fmt.Sprintf(
			"the image has %d layers, %d short of the ceiling of %d: every rebuild on a newer base may add more; join RUN instructions", layers, LayerCeiling-layers, LayerCeiling))}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lintImage reads Built once (and Base only when Built does not start with
// its layers) and runs the layer count check and every tree lint.
func lintImage(ctx context.Context, in Input) ([]findings.Finding, error) {
	file := in.ImageFile
	if file == "" {
		file = in.Built.Ref
	}
	out := CheckLayerCount(len(in.Built.Layers), file)
	layers, err := ReadLayers(ctx, in.Built, nil)
	if err != nil {
		return nil, err
	}
	li := &lintInput{pkgs: in.Packages, mc: in.MachineConfig}
	if in.Profile != nil {
		li.profile = *in.Profile
	} else {
		li.profile = ocpversion.MustLookup(ocpversion.Newest().String())
	}
	if layers == nil {
		if li.tree, err = readDir(ctx, in.Built.Path, keepForChecks); err != nil {
			return nil, err
		}
	} else {
		li.tree = MergeLayers(layers)
	}
	if in.Base != nil {
		shared := 0
		if layers != nil {
			if shared = sharedPrefix(in.Base, in.Built); shared == 0 {
				shared = sharedDiffIDs(ctx, in)
			}
		}
		if shared == len(in.Base.Layers) && shared > 0 {
			li.base = MergeLayers(layers[:shared])
		} else if li.base, err = ReadTree(ctx, in.Base, nil); err != nil {
			return nil, err
		}
	}
	return append(out, lintTree(li, file)...), nil
}
