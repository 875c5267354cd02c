// Package containerfile lints the Containerfile of an OpenShift On-Cluster
// Layering build (MachineOSConfig v1, 4.19+): the cluster's contract (OCL1xx),
// OS-image hygiene (OCL2xx) and, for MachineOSConfig YAML, OCL302. It parses
// with buildkit's Dockerfile parser and reads every RUN with a real shell
// parser (mvdan.cc/sh), so chains, pipes, continuations, heredocs, exec form
// and `sh -c '...'` are understood rather than pattern-matched.
package containerfile

import (
	"errors"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// Options tune a lint run.
type Options struct {
	// Enable turns on opt-in rules (OCL214) by ID.
	Enable []string
}

func (o Options) enabled(id string) bool {
	for _, e := range o.Enable {
		if strings.EqualFold(e, id) {
			return true
		}
	}
	return false
}

var rulesInOrder = []func(*doc){
	ruleNoFrom, ruleNotFromConfigs, ruleCopyContext, ruleReservedStage, rulePromptingPM, ruleArgNoDefault,
	rulePMAsNonRoot, ruleNoCommit, ruleNoClean, ruleOSUpgrade, ruleWritesVar, ruleKernelReplace, ruleNoEffect,
	ruleFinalNonRoot, ruleRemoteCode, ruleSecretName, ruleNotFinal, ruleExtension, ruleMergeRuns, rulePipefail,
	ruleUnversionedPkg,
}

// LintContent lints a bare Containerfile held in content; file names it in
// the findings. Pragmas in its comments are honoured. The error is reserved
// for content that is not text (see LintFile); parse failures are OCL100.
func LintContent(file string, content string, opts Options) ([]findings.Finding, error) {
	if err := checkText(file, []byte(content)); err != nil {
		return nil, err
	}
	d := lintDoc(file, content)
	out := d.out[:0]
	for _, f := range d.out {
		if r := ruleByID[f.Rule]; r.OptIn && !opts.enabled(f.Rule) {
			continue
		}
		out = append(out, f)
	}
	out = d.sup.Filter(out)
	findings.Sort(out)
	return out, nil
}

func lintDoc(file, content string) *doc {
	d, err := parseDoc(file, content)
	ruleTooLong(d)
	if err != nil {
		if errors.Is(err, errNoInstructions) {
			d.add(1, 1, RuleNoFrom, "there is no FROM: the content has no instructions at all")
		} else {
			line := errLine(err)
			col := 1
			if line > 0 {
				col = d.colOf(line)
			}
			d.add(line, col, RuleParse, "%s", cleanErr(err))
		}
		return d
	}
	for _, in := range d.insts {
		if in.cmd == "run" {
			d.analyseRun(in)
		}
	}
	d.pragmas()
	for _, r := range rulesInOrder {
		r(d)
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
			d.out = append(d.out, findings.Finding{File: d.file, Line: line, Column: d.colOf(line), Rule: RuleParse,
				Severity: findings.SeverityWarning, Message: err.Error()})
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
	if len(d.insts) == 0 && len(d.out) > 0 {
		return nil, errors.New(d.out[0].Message)
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
			if pc == nil || pc.tool == "rpm" || !pc.installs() || pc.sub == "group" || pc.sub == "module" {
				continue
			}
			for _, p := range pc.pkgs {
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
		d.add(errLine(err), 1, RuleParse, "%s", cleanErr(err))
		return d
	}
	for _, in := range d.insts {
		if in.cmd == "run" {
			d.analyseRun(in)
		}
	}
	return d
}
