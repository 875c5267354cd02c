package imagecheck

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/pkg/containerfile"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Input is what the checks look at. Base and Built are opened images (the
// caller closes them); any check whose inputs are missing is skipped.
type Input struct {
	Base, Built *image.Image
	// Options reach Built again to read its history (which layers the
	// operator's template made); the same options Built was opened with.
	Options image.Options

	// MachineConfig is the pool's merged (rendered) MachineConfig: OCL401/402.
	MachineConfig *mcfgv1.MachineConfig
	// MachineConfigFile names the MachineConfig in findings; default
	// "MachineConfig/<name>".
	MachineConfigFile string

	// Containerfile is the user's content (the MachineOSConfig's NoArch
	// containerFile), File its name in findings: OCL403/404.
	Containerfile string
	File          string
	// Diff is the rpm diff base → built; nil skips OCL403.
	Diff *rpmdiff.Result
	// BasePackages, when given, let OCL403 say "already in the base" rather
	// than "already in the base or not installed".
	BasePackages []rpmdiff.Package

	// Profile is the OpenShift version in force (OCL401 is an error only
	// where the version has the unit-enable trap); nil: unknown, so the
	// rules' default severities.
	Profile *ocpversion.Profile
	// Lint runs the image lints on Built (OCL405–OCL422: bootc container
	// lint's checks and ocl-build's own); with Base, what the base image
	// shows too is left out (it is not this build's doing).
	Lint bool
	// Packages is Built's rpm database, for OCL422; nil skips that check.
	Packages []rpmdiff.Package
	// ImageFile names the built image in image-lint findings; default its
	// reference.
	ImageFile string

	// UserLayers is how many top layers of Built the user's content added.
	// 0: found from the image history (layers after the template's last
	// LABEL), else every layer above the base.
	UserLayers int
}

// Rules these checks emit (their metadata: pkg/rules).
var (
	RuleUnitNotInBase  = rules.OCL401.ID
	RuleUnitNotInImage = rules.OCL402.ID
	RulePkgNotInDiff   = rules.OCL403.ID
	RuleVolatileLeft   = rules.OCL404.ID
)

// Run runs every check its input allows and returns the findings, sorted.
// Errors are reading failures (a layer that cannot be fetched), never
// findings.
func Run(ctx context.Context, in Input) ([]findings.Finding, error) {
	var out []findings.Finding
	if in.Built != nil && in.Built.Kind != image.KindContainer {
		return nil, fmt.Errorf("%s is a %s, not an image", in.Built.Ref, in.Built.Kind)
	}
	if in.Base != nil && in.Base.Kind != image.KindContainer {
		return nil, fmt.Errorf("%s is a %s, not an image", in.Base.Ref, in.Base.Kind)
	}
	if in.MachineConfig != nil && in.Base != nil && in.Built != nil {
		fs, err := checkUnits(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	if in.Diff != nil && in.Containerfile != "" {
		fs, err := CheckPackages(in.Containerfile, in.File, *in.Diff, in.BasePackages)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	if in.Built != nil {
		fs, err := checkVolatile(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	if in.MachineConfig != nil && in.Profile != nil {
		out = append(out, CheckKernelType(in.MachineConfig, *in.Profile, in.machineConfigFile())...)
	}
	if in.Built != nil && in.Lint {
		fs, err := lintImage(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	findings.Sort(out)
	return out, nil
}

// ---- OCL401 / OCL402 ----------------------------------------------------

// UnitDirs are the unit directories systemd reads that an image can ship
// (relative to the image root; /lib resolves through the /usr merge).
var UnitDirs = []string{"etc/systemd/system", "usr/local/lib/systemd/system", "usr/lib/systemd/system", "lib/systemd/system"}

// Where says where a unit was found in an image, or that it was not.
type Where struct {
	Found bool
	Path  string // the unit file (after symlinks), or the .wants/.requires link
}

func checkUnits(ctx context.Context, in Input) ([]findings.Finding, error) {
	units := mco.EnabledUnitsWithoutContents(in.MachineConfig)
	if len(units) == 0 {
		return nil, nil
	}
	file := in.machineConfigFile()
	spool, err := ownedtemp.Dir("", "imagecheck")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(spool)
	keep := unitKeep(units)
	baseStack, err := stackOf(ctx, in.Base, keep, spool, 0)
	if err != nil {
		return nil, err
	}
	// The built image starts with the base's layers; reuse their indexes
	// when the digests say they are the same blobs.
	shared := sharedPrefix(in.Base, in.Built)
	if shared == 0 {
		shared = sharedDiffIDs(ctx, in)
	}
	builtTop, err := stackOf(ctx, in.Built, keep, spool, shared)
	if err != nil {
		return nil, err
	}
	builtStack := append(builtTop, baseStack[len(baseStack)-shared:]...)

	var out []findings.Finding
	for _, u := range units {
		inBase := FindUnit(baseStack, u)
		if inBase.Found {
			continue
		}
		inBuilt := FindUnit(builtStack, u)
		if inBuilt.Found {
			out = append(out, rules.OCL401.Finding(in.Profile, file, 0, 0, fmt.Sprintf("%s is enabled without contents but is missing from the base image %s (it is only in the built image, at /%s): "+
				"on 4.19 the node loops on update (OCPBUGS-56648). Enable it in the Containerfile (RUN systemctl enable %s) and drop it from the MachineConfig, "+
				"or apply that MachineConfig only after the pool runs the new image", u, in.Base.Ref, inBuilt.Path, u)))
			continue
		}
		out = append(out, rules.OCL402.Finding(in.Profile, file, 0, 0, fmt.Sprintf("%s is enabled without contents but no unit file for it is in the base image %s or the built image: enabling it fails on every node; give it contents or install the package that ships it", u, in.Base.Ref)))
	}
	return out, nil
}

func (in Input) machineConfigFile() string {
	if in.MachineConfigFile != "" {
		return in.MachineConfigFile
	}
	if in.MachineConfig != nil && in.MachineConfig.Name != "" {
		return "MachineConfig/" + in.MachineConfig.Name
	}
	return "MachineConfig"
}

// unitKeep keeps the regular files a unit lookup may need: anything in a
// unit directory, and files named like a wanted unit anywhere (a .wants
// link may point outside the unit directories).
func unitKeep(units []string) image.Keep {
	names := map[string]bool{}
	for _, u := range units {
		names[u] = true
		names[templateOf(u)] = true
	}
	return func(p string) bool {
		for _, d := range UnitDirs {
			if strings.HasPrefix(p, d+"/") {
				return true
			}
		}
		i := strings.LastIndexByte(p, '/')
		return names[p[i+1:]]
	}
}

// stackOf indexes the image's layers from the top down to (excluding) the
// bottom skip layers.
func stackOf(ctx context.Context, im *image.Image, keep image.Keep, spool string, skip int) (image.Stack, error) {
	var s image.Stack
	for i := len(im.Layers) - 1; i >= skip; i-- {
		ix, err := im.IndexLayer(ctx, i, keep, spool)
		if err != nil {
			return nil, &image.Error{Ref: im.Ref, Err: err}
		}
		s = append(s, ix)
	}
	return s, nil
}

// sharedPrefix counts the bottom layers both images have with equal digests.
func sharedPrefix(base, built *image.Image) int {
	n := 0
	for n < len(base.Layers) && n < len(built.Layers) && base.Layers[n].Digest == built.Layers[n].Digest {
		n++
	}
	return n
}

// sharedDiffIDs counts the bottom layers both images have with equal diff
// IDs (a registry's base against a locally built image: same content, other
// blob digests). 0 when either config cannot be read: then nothing is shared
// and the built image is read in full, which is slower, never wrong.
func sharedDiffIDs(ctx context.Context, in Input) int {
	b, err := DiffIDs(ctx, in.Base.Ref, in.Options)
	if err != nil || len(b) != len(in.Base.Layers) {
		return 0
	}
	t, err := DiffIDs(ctx, in.Built.Ref, in.Options)
	if err != nil || len(t) != len(in.Built.Layers) {
		return 0
	}
	n := 0
	for n < len(b) && n < len(t) && b[n] == t[n] {
		n++
	}
	return n
}

// FindUnit looks for a unit's file in the merged image: in each unit
// directory (symlinks followed, so an alias counts and a mask to /dev/null
// does not), for an instance foo@bar.service also its template
// foo@.service, and finally as a *.wants/*.requires link in a unit
// directory whose target is a file.
func FindUnit(s image.Stack, unit string) Where {
	names := []string{unit}
	if t := templateOf(unit); t != unit {
		names = append(names, t)
	}
	for _, d := range UnitDirs {
		for _, n := range names {
			if p, ok := isFile(s, d+"/"+n); ok {
				return Where{Found: true, Path: p}
			}
		}
	}
	// .wants / .requires links, in any layer, still visible at the top.
	seen := map[string]bool{}
	for _, ix := range s {
		for p := range ix.Symlinks {
			if seen[p] || !isDepLink(p, names) {
				continue
			}
			seen[p] = true
			if _, ok := isFile(s, p); ok {
				return Where{Found: true, Path: p}
			}
		}
	}
	return Where{}
}

func isDepLink(p string, names []string) bool {
	dir, base := splitPath(p)
	parent, sub := splitPath(dir)
	if !strings.HasSuffix(sub, ".wants") && !strings.HasSuffix(sub, ".requires") {
		return false
	}
	okDir := false
	for _, d := range UnitDirs {
		if parent == d {
			okDir = true
		}
	}
	if !okDir {
		return false
	}
	for _, n := range names {
		if base == n {
			return true
		}
	}
	return false
}

func splitPath(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// isFile resolves p (every symlink, inside the image) and reports whether a
// regular file is there.
func isFile(s image.Stack, p string) (string, bool) {
	r, err := s.Resolve(p)
	if err != nil {
		return "", false
	}
	e, ok := s.Lookup(r)
	if !ok || e.File == nil {
		return "", false
	}
	return r, true
}

// templateOf maps an instance foo@bar.service to its template foo@.service.
func templateOf(unit string) string {
	at := strings.Index(unit, "@")
	dot := strings.LastIndex(unit, ".")
	if at < 0 || dot < at || at+1 == dot {
		return unit
	}
	return unit[:at+1] + unit[dot:]
}

// ---- OCL403 -------------------------------------------------------------

// CheckPackages checks that each package a `dnf install` of content names is
// added or upgraded by the build (OCL403). base, when given, tells "already
// in the base" from "not installed".
func CheckPackages(content, file string, diff rpmdiff.Result, base []rpmdiff.Package) ([]findings.Finding, error) {
	names, err := containerfile.InstalledPackages(content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []findings.Finding
	for _, n := range names {
		if changed(n, diff) {
			continue
		}
		var msg string
		if len(base) > 0 {
			if p, ok := findPackage(n, base); ok {
				msg = fmt.Sprintf("package %s is installed by dnf but is already in the base image (%s) and the build did not change it: the install does nothing here; drop it or pin the version you need", n, p.NEVRA())
			} else {
				msg = fmt.Sprintf("package %s is installed by dnf but the built image does not have it (not in the rpm diff, not in the base): check the name and the repositories", n)
			}
		} else {
			msg = fmt.Sprintf("package %s is installed by dnf but is not in the rpm diff: it is already in the base image or was not installed", n)
		}
		line, col := findLine(content, n)
		out = append(out, rules.OCL403.Finding(nil, file, line, col, msg))
	}
	return out, nil
}

func changed(n string, d rpmdiff.Result) bool {
	var ps []rpmdiff.Package
	ps = append(ps, d.Added...)
	for _, c := range d.Upgraded {
		ps = append(ps, c.To)
	}
	for _, c := range d.Downgraded { // dnf install of an older version is still the package asked for
		ps = append(ps, c.To)
	}
	_, ok := findPackage(n, ps)
	return ok
}

// findPackage matches an install argument against NAME, NAME.ARCH,
// NAME-VERSION, NAME-VERSION-RELEASE and the NEVRA forms, as dnf does.
func findPackage(arg string, ps []rpmdiff.Package) (rpmdiff.Package, bool) {
	for _, p := range ps {
		vr := p.Version + "-" + p.Release
		forms := []string{p.Name, p.Name + "-" + p.Version, p.Name + "-" + vr, p.Name + "-" + p.EVR()}
		if p.Arch != "" {
			forms = append(forms, p.Name+"."+p.Arch, p.Name+"-"+vr+"."+p.Arch, p.NEVRA())
		}
		for _, f := range forms {
			if arg == f {
				return p, true
			}
		}
	}
	return rpmdiff.Package{}, false
}

// findLine returns the first line (and column) where word stands as an
// argument of a RUN, so the finding points at the install.
func findLine(content, word string) (int, int) {
	re := regexp.MustCompile(`(^|[\s'"])` + regexp.QuoteMeta(word) + `($|[\s'"\\<>=;&|)])`)
	for i, l := range strings.Split(content, "\n") {
		if loc := re.FindStringIndex(l); loc != nil {
			col := loc[0] + 1
			if loc[0] < len(l) && strings.ContainsRune(" \t'\"", rune(l[loc[0]])) {
				col++
			}
			return i + 1, col
		}
	}
	return 0, 0
}

// ---- OCL404 -------------------------------------------------------------

// VolatileDirs are the trees whose content a node never gets from the image:
// it keeps its own /var, and /run and /tmp are tmpfs.
var VolatileDirs = []string{"var", "run", "tmp"}

// maxListed bounds the paths named in one finding.
const maxListed = 5

// checkVolatile implements OCL404. Precisely: the user's layers are the
// built image's top layers that the user's Containerfile content added
// (Input.UserLayers, else those after the template's last LABEL in the
// history, else those above the base). A path counts when it is under var/,
// run/ or tmp/, is not a directory (an emptied cache leaves only directories
// behind, which is fine), comes from a user layer and is still visible in
// the final image (no higher whiteout or opaque directory hides it).
func checkVolatile(ctx context.Context, in Input) ([]findings.Finding, error) {
	n, err := userLayerCount(ctx, in)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	left, err := VolatileContent(ctx, in.Built, n)
	if err != nil {
		return nil, err
	}
	var out []findings.Finding
	for _, root := range VolatileDirs {
		ps := left[root]
		if len(ps) == 0 {
			continue
		}
		shown := ps
		more := ""
		if len(shown) > maxListed {
			shown, more = shown[:maxListed], fmt.Sprintf(" and %d more", len(ps)-maxListed)
		}
		for i := range shown {
			shown[i] = "/" + shown[i]
		}
		why := "nodes keep their own /var, so this never reaches a node that is updated"
		if root != "var" {
			why = "/" + root + " is a tmpfs on nodes, so this is never seen"
		}
		out = append(out, rules.OCL404.Finding(nil, in.File, 0, 0,
			fmt.Sprintf("the build left %d path(s) in /%s: %s%s; %s (remove them in the same RUN, or ship them under /usr with a tmpfiles.d entry)",
				len(ps), root, strings.Join(shown, ", "), more, why)))
	}
	return out, nil
}

// VolatileContent lists, per volatile root ("var", "run", "tmp"), the
// non-directory paths that the top n layers of im add and that stay visible
// in the merged image, sorted.
func VolatileContent(ctx context.Context, im *image.Image, n int) (map[string][]string, error) {
	out := map[string][]string{}
	var above []*volLayer
	for i := len(im.Layers) - 1; i >= len(im.Layers)-n && i >= 0; i-- {
		vl, err := scanVolatile(ctx, im, i)
		if err != nil {
			return nil, &image.Error{Ref: im.Ref, Err: fmt.Errorf("layer %s: %w", im.Layers[i].Digest, err)}
		}
		for p := range vl.nondir {
			if !hiddenBy(above, p) {
				root := volatileRoot(p)
				out[root] = append(out[root], p)
			}
		}
		above = append(above, vl)
	}
	for _, ps := range out {
		sort.Strings(ps)
	}
	return out, nil
}

// volLayer is what one layer holds under the volatile roots.
type volLayer struct {
	nondir, dirs map[string]bool
	whiteouts    []string
	opaque       []string
}

func scanVolatile(ctx context.Context, im *image.Image, i int) (*volLayer, error) {
	rc, err := im.OpenLayer(ctx, i)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	vl := &volLayer{nondir: map[string]bool{}, dirs: map[string]bool{}}
	tr := tar.NewReader(rc)
	for k := 0; ; k++ {
		if k%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h, err := tr.Next()
		if err == io.EOF {
			return vl, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		p := image.CleanPath(h.Name)
		if volatileRoot(p) == "" && !isRoot(p) {
			continue
		}
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == ".wh..wh..opq":
			vl.opaque = append(vl.opaque, dir)
		case strings.HasPrefix(base, ".wh."):
			vl.whiteouts = append(vl.whiteouts, path.Join(dir, strings.TrimPrefix(base, ".wh.")))
		case h.Typeflag == tar.TypeDir:
			vl.dirs[p] = true
		case volatileRoot(p) != "":
			vl.nondir[p] = true
		}
	}
}

func isRoot(p string) bool {
	for _, r := range VolatileDirs {
		if p == r {
			return true
		}
	}
	return false
}

// hiddenBy reports whether a layer above shows something else at p or
// deletes it: the same path, a whiteout or opaque directory over it, or a
// non-directory at one of its parents.
func hiddenBy(above []*volLayer, p string) bool {
	for _, l := range above {
		if l.nondir[p] || l.dirs[p] {
			return true
		}
		for _, w := range l.whiteouts {
			if w == p || strings.HasPrefix(p, w+"/") {
				return true
			}
		}
		for _, o := range l.opaque {
			if strings.HasPrefix(p, o+"/") {
				return true
			}
		}
		for a := path.Dir(p); a != "." && a != ""; a = path.Dir(a) {
			if l.nondir[a] {
				return true
			}
		}
	}
	return false
}

func volatileRoot(p string) string {
	for _, r := range VolatileDirs {
		if strings.HasPrefix(p, r+"/") {
			return r
		}
	}
	return ""
}

// userLayerCount decides how many top layers of Built are the user's.
func userLayerCount(ctx context.Context, in Input) (int, error) {
	if in.UserLayers > 0 {
		if in.UserLayers > len(in.Built.Layers) {
			return 0, fmt.Errorf("%d user layers asked, %s has %d", in.UserLayers, in.Built.Ref, len(in.Built.Layers))
		}
		return in.UserLayers, nil
	}
	baseN := 0
	if in.Base != nil {
		baseN = len(in.Base.Layers)
	}
	t, err := TemplateLayers(ctx, in.Built.Ref, in.Options)
	if err != nil && !errors.Is(err, ErrNoTemplate) {
		return 0, err
	}
	if err == nil && t >= baseN && t <= len(in.Built.Layers) {
		return len(in.Built.Layers) - t, nil
	}
	if baseN == 0 || baseN > len(in.Built.Layers) {
		return 0, nil
	}
	return len(in.Built.Layers) - baseN, nil
}
