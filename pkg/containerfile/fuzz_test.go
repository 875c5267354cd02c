package containerfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// FuzzLint feeds arbitrary bytes to LintFile as a Containerfile and as YAML:
// it must never panic, and it returns either findings with sane positions or
// one *InputError of one line. The seed corpus is every example in
// testdata/containerfiles plus the tricky shapes of the rule tables.
func FuzzLint(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/containerfiles/*/*"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, strings.HasSuffix(p, ".yaml"))
		}
	}
	for _, s := range []string{
		good,
		"FROM configs AS final\nRUN <<EOF\nset -e\ndnf install x\nEOF\n",
		"FROM configs AS final\nRUN sh -c 'bash -c \"dnf install -y x | sh\"'\n",
		"# escape=`\nFROM configs AS final\nRUN dnf install `\n  -y x\n",
		"FROM configs AS final\nRUN [\"sh\", \"-c\", \"dnf install x\"]\n",
		"FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf \\\n  dnf install -y x\n",
		"ARG A\nFROM ${A:-configs} AS final\nARG B\nRUN echo ${B}\n",
		"FROM configs AS final\nRUN echo $(( 1 + \n",
		"FROM configs AS final\nONBUILD RUN dnf install x\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: |\n      FROM configs AS final\n      RUN dnf install x\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, asYAML bool) {
		name := "Containerfile"
		if asYAML {
			name = "fuzz.yaml"
		}
		fs, err := LintFile(name, data, allOn)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not a one-line *InputError: %q", err)
			}
			return
		}
		text := string(data)
		if IsYAML(name, data) {
			// YAML counts a lone CR as a line break too (and CRLF as one);
			// LintFile reads YAML by content as well as by name.
			text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
		}
		lines := strings.Count(text, "\n") + 1
		for _, x := range fs {
			if x.Line < 0 || x.Line > lines || x.Column < 0 || x.File != name || !utf8.ValidString(x.Message) ||
				strings.Contains(x.Message, "\n") {
				t.Fatalf("bad finding %+v for %d-line input", x, lines)
			}
			// MachineOSConfig YAML is also checked as validate checks one
			// object (OCL3xx of the Manifests checker).
			if r, ok := rules.ByID(x.Rule); !ok || r.Retired != "" || (r.Checker != rules.Containerfile && !(IsYAML(name, data) && r.Checker == rules.Manifests)) {
				t.Fatalf("finding of a rule lint does not report %+v", x)
			}
		}
		if !asYAML {
			pkgs, err := InstalledPackages(string(data))
			if err != nil {
				return
			}
			seen := map[string]bool{}
			for _, p := range pkgs {
				// Names only: no version operator, option, group or file.
				if p == "" || strings.ContainsAny(p, " <>=!/") || strings.HasPrefix(p, "-") || strings.HasPrefix(p, "@") || strings.HasSuffix(p, ".rpm") || seen[p] {
					t.Fatalf("InstalledPackages gave %q in %q", p, pkgs)
				}
				seen[p] = true
			}
		}
	})
}
