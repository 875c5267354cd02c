package containerfile

import (
	"regexp"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Images that make a final stage out-of-cluster layering: the release's
// RHCOS image (ocp-v4.0-art-dev, rhel-coreos), FCOS, OKD's SCOS/FCOS, and
// the CentOS Stream CoreOS. A cheap substring test first: most bases are
// configs or plain images.
var coreosImageRe = regexp.MustCompile(`(?i)(rhel-coreos|\brhcos\b|fedora-coreos|(^|/)fcos\b|(^|[/-])okd([/-]|$)|(^|[/-])scos([/-]|$)|stream-coreos|ocp-v4\.0-art-dev|openshift-release-dev)`)

func coreosImage(img string) bool {
	l := strings.ToLower(img)
	if !strings.Contains(l, "os") && !strings.Contains(l, "okd") && !strings.Contains(l, "openshift") && !strings.Contains(l, "ocp") {
		return false
	}
	return coreosImageRe.MatchString(img)
}

// Application base images: a final stage from one of them is not an OS
// image built elsewhere but an on-cluster mistake (OCL102 says so).
var containerBaseRe = regexp.MustCompile(`^(ubi[0-9]*(-[a-z]+)?|fedora|centos|alpine|debian|ubuntu|busybox|rockylinux|almalinux|python|golang|node|nginx|httpd)$`)

func containerBase(img string) bool {
	repo := img
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	return containerBaseRe.MatchString(strings.ToLower(repo[strings.LastIndexByte(repo, '/')+1:]))
}

// classifyImage says which target an image base implies ("" when it does
// not say: a plain image, or an ARG with no value).
func classifyImage(img string) rules.Target {
	img = strings.TrimSpace(img)
	if img == "" || strings.Contains(img, "$") {
		return ""
	}
	if strings.EqualFold(img, "configs") {
		return rules.OnCluster
	}
	repo := img
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	last := strings.ToLower(repo[strings.LastIndexByte(repo, '/')+1:])
	for _, w := range strings.FieldsFunc(last, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if w == "bootc" { // fedora-bootc, rhel-bootc, rhel9-rhel_bootc, fedora-bootc-dev
			return rules.Bootc
		}
	}
	if coreosImage(img) { // tags count: ocp/4.19:rhel-coreos
		return rules.OutOfCluster
	}
	return ""
}

// DetectTarget reads a Containerfile's target as --target auto does, with
// the reason in words.
func DetectTarget(content string) (rules.Target, string) {
	d, err := parseDoc("content", content)
	if err != nil {
		return rules.OnCluster, "the content does not parse; judged as on-cluster content"
	}
	for _, in := range d.insts {
		if in.cmd == "run" {
			d.analyseRun(in)
		}
	}
	return detectTarget(d)
}

// detectTarget: content without FROM and a final stage from configs are
// on-cluster; a final stage from an RHCOS/FCOS/OKD image is out-of-cluster;
// from a *-bootc image, bootc. A base that does not say (an ARG with no
// value, scratch, a plain or home-built image) takes the target the rest of
// the file shows: another stage's base, then `bootc container lint`, then
// ostree/rpm-ostree calls (an OS image built elsewhere). With no sign at
// all, an ARG base is out-of-cluster (the cluster passes no build argument
// that could name it) and any other image stays on-cluster, where OCL102
// says what is wrong.
func detectTarget(d *doc) (rules.Target, string) {
	st := finalStage(d)
	if st == nil {
		return rules.OnCluster, "empty content: the image is the operator's configs stage"
	}
	if st.implicit {
		return rules.OnCluster, "no FROM: the lines run at the end of the operator's configs stage"
	}
	root := st.chain()[0]
	if t := classifyImage(root.base); t != "" {
		return t, "the final stage descends from " + root.base
	}
	for _, s := range d.stages {
		if s.from != nil && strings.EqualFold(strings.TrimSpace(s.rawBase), "configs") {
			return rules.OnCluster, "a stage is FROM configs, the operator's stage"
		}
	}
	if containerBase(root.base) {
		return rules.OnCluster, "the final stage descends from " + root.base + ", an application image, not an OS image"
	}
	base := nonEmptyBase(root)
	if root.unresolvedBase() {
		base = root.rawBase + " (a build argument with no value)"
	}
	for _, s := range d.stages {
		if t := classifyImage(s.base); t != "" && t != rules.OnCluster {
			return t, "the final stage's base " + base + " does not say, and another stage is FROM " + s.base
		}
	}
	ostree := false
	for _, in := range d.insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			switch {
			case c.name == "bootc" && len(c.args) >= 2 && c.args[0] == "container" && c.args[1] == "lint":
				return rules.Bootc, "the final stage's base " + base + " does not say, and the file runs `bootc container lint`"
			case c.name == "ostree" || c.name == "rpm-ostree":
				ostree = true
			}
		}
	}
	if ostree {
		return rules.OutOfCluster, "the final stage's base " + base + " does not say, and the file uses ostree/rpm-ostree: an OS image built elsewhere"
	}
	if root.unresolvedBase() {
		return rules.OutOfCluster, "the final stage's base " + base + " does not say; the cluster passes no build argument that could set it"
	}
	return rules.OnCluster, "the final stage descends from " + base + ", which is neither configs nor an RHCOS or bootc image"
}

// nonEmptyBase is the base as expanded, or as written when it expanded to
// nothing.
func nonEmptyBase(s *stage) string {
	if s.base != "" {
		return s.base
	}
	if s.rawBase != "" {
		return s.rawBase
	}
	return "an unnamed image"
}
