package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

var idRe = regexp.MustCompile(`^OCL[1-4][0-9]{2}$`)

// Every rule is well formed, once, in ID order, in the range of its checker.
func TestList(t *testing.T) {
	all := All()
	seen := map[string]bool{}
	for i, r := range all {
		if !idRe.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("bad or repeated ID %q", r.ID)
		}
		seen[r.ID] = true
		if i > 0 && all[i-1].ID >= r.ID {
			t.Errorf("list out of order at %s", r.ID)
		}
		if r.Title == "" || r.Doc.What == "" || r.Doc.Why == "" || len(r.Targets) == 0 {
			t.Errorf("%s: title, what, why and targets are required", r.ID)
		}
		if r.Severity < findings.SeverityInfo || r.Severity > findings.SeverityError {
			t.Errorf("%s: severity %v", r.ID, r.Severity)
		}
		want := map[byte]Checker{'1': Containerfile, '2': Containerfile, '3': Manifests, '4': Image}[r.ID[3]]
		if r.Checker != want {
			t.Errorf("%s: checker %s, want %s", r.ID, r.Checker, want)
		}
		names := map[string]bool{}
		for _, v := range r.Variants {
			if v.Name == "" || names[v.Name] || v.When == "" || v.Severity == r.Severity {
				t.Errorf("%s: bad variant %+v", r.ID, v)
			}
			names[v.Name] = true
			if r.VariantSeverity(v.Name) != v.Severity {
				t.Errorf("%s: VariantSeverity(%s)", r.ID, v.Name)
			}
		}
		for _, tg := range r.Targets {
			if _, err := ParseTarget(string(tg)); err != nil {
				t.Errorf("%s: target %q", r.ID, tg)
			}
		}
		if got, ok := ByID(r.ID); !ok || got != r {
			t.Errorf("ByID(%s)", r.ID)
		}
		if (r.Versioned == nil) != (r.VersionNote == "" || r.ID == OCL205.ID || r.ID == OCL211.ID) {
			// a severity that depends on the version must say so on its page
			t.Errorf("%s: Versioned and VersionNote go together", r.ID)
		}
	}
	if len(Of(Containerfile))+len(Of(Manifests))+len(Of(Image)) != len(all)-retired(all) {
		t.Error("every live rule belongs to one checker")
	}
}

func retired(rs []*Rule) int {
	n := 0
	for _, r := range rs {
		if r.Retired != "" {
			n++
		}
	}
	return n
}

// The version hook reads the version model: OCL401 is an error where the
// profile has the unit-enable trap, information elsewhere, and the default
// without a version.
func TestVersionedSeverity(t *testing.T) {
	for _, v := range ocpversion.Known() {
		p := ocpversion.MustLookup(v.String())
		want := findings.SeverityInfo
		if p.UnitEnableTrap {
			want = findings.SeverityError
		}
		if got := OCL401.SeverityFor(&p); got != want {
			t.Errorf("OCL401 on %s: %v, want %v", v, got, want)
		}
		if got := OCL402.SeverityFor(&p); got != OCL402.Severity {
			t.Errorf("OCL402 does not depend on the version: %v on %s", got, v)
		}
	}
	// OCL308: strict pull-secret decoding arrived in release-4.20
	// (pkg/secrets); 4.19 passes secrets through.
	for v, want := range map[string]findings.Severity{"4.19": findings.SeverityInfo, "4.20": findings.SeverityError, "4.22": findings.SeverityError, "5.2": findings.SeverityError} {
		p := ocpversion.MustLookup(v)
		if got := OCL308.SeverityFor(&p); got != want {
			t.Errorf("OCL308 on %s: %v, want %v", v, got, want)
		}
	}
	if OCL308.VariantSeverity("later") != findings.SeverityInfo {
		t.Error("OCL308 later is information")
	}
	if OCL401.SeverityFor(nil) != findings.SeverityError {
		t.Error("unknown version: the default severity")
	}
	p419 := ocpversion.MustLookup("4.19")
	if f := OCL401.Finding(&p419, "mc.yaml", 3, 4, "m"); f.Severity != findings.SeverityError || f.Rule != "OCL401" || f.Line != 3 || f.Column != 4 || f.File != "mc.yaml" {
		t.Errorf("Finding: %+v", f)
	}
	if !strings.Contains(Page(OCL401), "4.19: error; 4.20 and later: info") {
		t.Errorf("the page should show the severity by version:\n%s", Page(OCL401))
	}
}

func TestCheckNoArch(t *testing.T) {
	for _, c := range []struct {
		archs []string
		idx   int
		bad   bool
	}{
		{nil, -1, false},
		{[]string{""}, 0, false},
		{[]string{"NoArch"}, 0, false},
		{[]string{"AMD64", "NoArch"}, 1, false},
		{[]string{"AMD64"}, -1, true},
		{[]string{"AMD64", "ARM64"}, -1, true},
	} {
		i, msg := CheckNoArch(c.archs)
		if i != c.idx || (msg != "") != c.bad {
			t.Errorf("%v: %d %q", c.archs, i, msg)
		}
		if c.bad && !strings.Contains(msg, strings.Join(c.archs, ", ")) {
			t.Errorf("%v: the message should name what is there: %q", c.archs, msg)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{"": "", "auto": "", "On-Cluster": OnCluster, "out-of-cluster": OutOfCluster, " bootc ": Bootc} {
		if got, err := ParseTarget(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := ParseTarget("cluster"); err == nil || !strings.Contains(err.Error(), "on-cluster, out-of-cluster, bootc or auto") {
		t.Errorf("bad target: %v", err)
	}
}

// The committed pages are what `go generate ./pkg/rules` writes now; run it
// after changing a rule.
func TestPagesAreCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "rules")
	pages := Pages()
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("docs/rules/%s is not current: run go generate ./pkg/rules", name)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, f := range files {
		if _, ok := pages[filepath.Base(f)]; !ok {
			t.Errorf("docs/rules/%s belongs to no rule", filepath.Base(f))
		}
	}
	if len(files) != len(pages) {
		t.Errorf("%d pages, want %d", len(files), len(pages))
	}
	for _, r := range All() {
		if !strings.Contains(pages["README.md"], "("+r.ID+".md)") {
			t.Errorf("the index does not link %s", r.ID)
		}
	}
}
