package containerfile

import (
	"errors"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Options tune a lint run.
type Options struct {
	// Enable turns on opt-in rules (OCL214) by ID.
	Enable []string
	// Target is where the image is built ("" or rules.Auto: read it from
	// the content, see DetectTarget). MachineOSConfig YAML is always
	// on-cluster.
	Target rules.Target
	// Profile is the OpenShift version in force; nil when unknown (rules
	// then take their default severity, and version tables the newest
	// version's). It also picks the CRDs that check MachineOSConfig YAML
	// (nil: the newest version's).
	Profile *ocpversion.Profile
	// LineOf maps content lines to the file's in messages, for content
	// embedded in a MachineOSConfig YAML (nil: the content is the file).
	LineOf func(int) int
}

func (o Options) enabled(id string) bool {
	for _, e := range o.Enable {
		if strings.EqualFold(e, id) {
			return true
		}
	}
	return false
}

// LintContent lints a bare Containerfile held in content; file names it in
// the findings. Pragmas in its comments are honoured. The error is reserved
// for content that is not text (see LintFile); parse failures are OCL100.
// Empty content is valid: the image is then the operator's configs stage.
func LintContent(file string, content string, opts Options) ([]findings.Finding, error) {
	fs, _, err := lintContent(file, content, opts)
	return fs, err
}

// Result is a lint run with the target it was judged for.
type Result struct {
	Findings []findings.Finding
	Target   rules.Target
	// TargetReason says why auto chose the target ("" when it was given).
	TargetReason string
}

// LintContentResult is LintContent that also says which target applied.
func LintContentResult(file string, content string, opts Options) (Result, error) {
	fs, d, err := lintContent(file, content, opts)
	if err != nil {
		return Result{}, err
	}
	r := Result{Findings: fs, Target: opts.Target}
	if r.Target == "" {
		r.Target, r.TargetReason = detectTarget(d)
	}
	return r, nil
}

func lintContent(file, content string, opts Options) ([]findings.Finding, *doc, error) {
	if err := checkText(file, []byte(content)); err != nil {
		return nil, nil, err
	}
	d := lintDoc(file, content, opts)
	out := d.out[:0]
	for _, f := range d.out {
		if r, ok := rules.ByID(f.Rule); ok && r.OptIn && !opts.enabled(f.Rule) {
			continue
		}
		out = append(out, f)
	}
	out = d.sup.Filter(out)
	findings.Sort(out)
	return out, d, nil
}

func lintDoc(file, content string, opts Options) *doc {
	d, err := parseDoc(file, content)
	d.profile = opts.Profile
	d.lineOf = opts.LineOf
	if err != nil && !errors.Is(err, errNoInstructions) {
		line := errLine(err)
		col := 1
		if line > 0 {
			col = d.colOf(line)
		}
		d.parseErrs = append(d.parseErrs, parseErr{line: line, col: col, msg: cleanErr(err)})
		d.stages, d.insts = nil, nil
	}
	for _, in := range d.insts {
		if in.cmd == "run" {
			d.analyseRun(in)
		}
	}
	d.pragmas()
	target := opts.Target
	if target == "" {
		target, _ = detectTarget(d)
	}
	var c ctx
	for _, r := range rules.All() {
		fn := checks[r.ID]
		if fn == nil || r.Retired != "" || !r.AppliesTo(target) {
			continue
		}
		if err != nil && r.ID != rules.OCL100.ID && r.ID != rules.OCL103.ID {
			continue // nothing else can be judged in content that does not parse
		}
		fn(newCtx(&c, d, r, target))
	}
	return d
}

// pragmas reads `# ocl-build ignore=...` comments outside instructions.
func (d *doc) pragmas() {
	// next[l] is the first instruction starting after line l; inside[l]
	// marks continuation and heredoc lines, whose comments belong to the
	// instruction itself.
	n := len(d.lines) + 2
	inside := make([]bool, n)
	starts := make([]*inst, n)
	for _, in := range d.insts {
		if in.line > 0 && in.line < n {
			starts[in.line] = in
		}
		for l := in.line + 1; l <= in.end && l < n; l++ {
			inside[l] = true
		}
	}
	next := make([]*inst, n)
	for l := n - 2; l >= 0; l-- {
		next[l] = next[l+1]
		if starts[l+1] != nil {
			next[l] = starts[l+1]
		}
	}
	for i, l := range d.lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "#") || !strings.Contains(t, "ocl-build") {
			continue
		}
		line := i + 1
		if inside[line] {
			continue
		}
		p, ok, err := findings.ParsePragma(t[1:])
		if !ok {
			continue
		}
		if err != nil {
			d.parseErrs = append(d.parseErrs, parseErr{line: line, col: d.colOf(line), msg: err.Error(), variant: "pragma"})
			continue
		}
		if p.Global {
			d.sup.AddGlobal(p.Rules...)
			continue
		}
		if in := next[line]; in != nil {
			d.sup.AddLines(d.file, in.line, in.end, p.Rules...)
		}
	}
}

// InstalledPackages lists, in order and without repeats, the package names
// passed to dnf/yum/microdnf install (and rpm-ostree install) in the RUN lines
// of the final stage and the stages it descends from. Arguments are as
// written minus a version operator ("foo >= 1" gives "foo"); group (@x),
// local-file, URL and $variable arguments are left out, since no rpm name can
// be read from them. A name may still carry a version (autofs-5.1.7-58.el9):
// match it against NAME, NAME-VERSION and NAME-VERSION-RELEASE.
func InstalledPackages(content string) ([]string, error) {
	if err := checkText("content", []byte(content)); err != nil {
		return nil, err
	}
	d := lintDocNoRules(content)
	if len(d.insts) == 0 && len(d.parseErrs) > 0 {
		return nil, errors.New(d.parseErrs[0].msg)
	}
	var insts []*inst
	if st := finalStage(d); st != nil {
		for _, s := range st.chain() {
			insts = append(insts, s.insts...)
		}
	} else {
		insts = d.insts
	}
	var out []string
	seen := map[string]bool{}
	for _, in := range insts {
		if in.run == nil {
			continue
		}
		for _, c := range in.run.calls {
			pc := parsePkgCall(c)
			if pc == nil || pc.tool == "rpm" || pc.sub == "group" || pc.sub == "module" {
				continue
			}
			for _, p := range pc.installed() {
				n := p.name
				if i := strings.IndexAny(n, " <>=!"); i >= 0 {
					n = n[:i]
				}
				if p.dynamic || n == "" || strings.HasPrefix(n, "@") || strings.HasPrefix(n, "-") ||
					strings.Contains(n, "/") || strings.HasSuffix(n, ".rpm") || seen[n] {
					continue
				}
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

func lintDocNoRules(content string) *doc {
	d, err := parseDoc("content", content)
	if err != nil {
		if errors.Is(err, errNoInstructions) {
			return d
		}
		d.parseErrs = append(d.parseErrs, parseErr{line: errLine(err), col: 1, msg: cleanErr(err)})
		d.stages, d.insts = nil, nil
		return d
	}
	for _, in := range d.insts {
		if in.cmd == "run" {
			d.analyseRun(in)
		}
	}
	return d
}
