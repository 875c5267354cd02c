package mco

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// The goldens under testdata/golden/<version>/ were rendered by the Machine
// Config Operator's own Containerfile template of each branch (SOURCES names
// branch, commit and template blob), executed with Go text/template on the
// inputs of testdata/golden/cases.json, with the template data computed as
// that branch's buildrequest.go computes it. ocl-build's renderer must give
// the same instructions.
//
// Comparison: both texts are parsed with buildkit's Dockerfile parser and
// compared instruction by instruction on the full original instruction text
// (flags, arguments, continuation lines joined) and on each heredoc body.
// Comment lines are the only thing ignored: the template's own comments
// (which the parser drops) and, inside heredoc bodies that are bash scripts,
// blank and '#' lines, which bash skips. The user's content must also be the
// verbatim end of both.

type goldenCases struct {
	OSImageURL string `json:"osimageurl"`
	Streams    map[string]struct {
		Base       string `json:"base"`
		Extensions string `json:"extensions"`
	} `json:"streams"`
	Cases []struct {
		Name           string   `json:"name"`
		Pool           string   `json:"pool"`
		MOSC           string   `json:"mosc"`
		Containerfile  string   `json:"containerfile"`
		MachineConfigs []string `json:"machineconfigs"`
		Since          string   `json:"since"`
	} `json:"cases"`
}

const (
	goldenDir = "testdata/golden"
	repoRoot  = "../.."
)

// goldenSources reads SOURCES: version directory → profile version.
func goldenSources(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(goldenDir, "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.Fields(sc.Text())
		if len(l) == 0 || strings.HasPrefix(l[0], "#") {
			continue
		}
		if len(l) != 5 || len(l[2]) != 40 {
			t.Fatalf("SOURCES line %q: want dir branch commit blob profile", sc.Text())
		}
		out[l[0]] = l[4]
	}
	return out
}

type instr struct {
	text     string
	heredocs []string
}

func parseInstructions(t *testing.T, cf string) []instr {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(cf))
	if err != nil {
		t.Fatalf("buildkit cannot parse: %v", err)
	}
	var out []instr
	for _, n := range res.AST.Children {
		in := instr{text: n.Original}
		for _, h := range n.Heredocs {
			var keep []string
			for _, l := range strings.Split(h.Content, "\n") {
				if tl := strings.TrimSpace(l); tl != "" && !strings.HasPrefix(tl, "#") {
					keep = append(keep, l)
				}
			}
			in.heredocs = append(in.heredocs, h.Name+":"+strings.Join(keep, "\n"))
		}
		out = append(out, in)
	}
	return out
}

func TestRenderMatchesOperatorTemplate(t *testing.T) {
	var gc goldenCases
	b, err := os.ReadFile(filepath.Join(goldenDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gc); err != nil {
		t.Fatal(err)
	}
	cm, err := LoadOSImageURLConfig(filepath.Join(repoRoot, gc.OSImageURL))
	if err != nil {
		t.Fatal(err)
	}
	sources := goldenSources(t)
	for _, dir := range []string{"4.19", "4.20", "4.21", "4.22", "main"} {
		pv, ok := sources[dir]
		if !ok {
			t.Fatalf("SOURCES has no %s", dir)
		}
		prof := ocpversion.MustLookup(pv)
		for _, c := range gc.Cases {
			golden := filepath.Join(goldenDir, dir, c.Name+".containerfile")
			if c.Since != "" && prof.Version.Less(ocpversion.MustParse(c.Since)) {
				if _, err := os.Stat(golden); err == nil {
					t.Errorf("%s exists but the case starts in %s", golden, c.Since)
				}
				continue
			}
			t.Run(dir+"/"+c.Name, func(t *testing.T) {
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				opts := RenderOptions{PoolName: c.Pool, Containerfile: c.Containerfile, Profile: prof,
					BaseImage: cm.BaseOSContainerImage, ExtensionsImage: cm.BaseOSExtensionsContainerImage}
				if c.MOSC != "" {
					m := mustLoadPaths(t, filepath.Join(repoRoot, c.MOSC))
					opts.Containerfile, _ = UserContainerfile(m.MachineOSConfigs[0])
				}
				var paths []string
				for _, p := range c.MachineConfigs {
					paths = append(paths, filepath.Join(repoRoot, p))
				}
				m := mustLoadPaths(t, paths...)
				opts.MachineConfigs, opts.MachineConfigPools = m.MachineConfigs, m.MachineConfigPools
				if s := PoolOSImageStream(FindPool(c.Pool, m.MachineConfigPools)); s != "" {
					opts.StreamBaseImage, opts.StreamExtensionsImage = gc.Streams[s].Base, gc.Streams[s].Extensions
				}
				r, err := Render(opts)
				if err != nil {
					t.Fatal(err)
				}
				w, g := parseInstructions(t, string(want)), parseInstructions(t, r.Containerfile)
				if diff := instrDiff(w, g); diff != "" {
					t.Errorf("ocl-build's %s render differs from the operator's template (%s):\n%s", pv, golden, diff)
				}
				// The user's content, verbatim, ends both (the template adds a
				// blank line after it).
				if u := strings.TrimRight(opts.Containerfile, "\n"); !strings.HasSuffix(strings.TrimRight(string(want), "\n"), u) || !strings.HasSuffix(strings.TrimRight(r.Containerfile, "\n"), u) {
					t.Error("user content is not the verbatim end of both")
				}
			})
		}
	}
}

func mustLoadPaths(t *testing.T, paths ...string) *Manifests {
	t.Helper()
	m, err := LoadManifests(paths)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func instrDiff(want, got []instr) string {
	var b strings.Builder
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g instr
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w.text != g.text || strings.Join(w.heredocs, "\x00") != strings.Join(g.heredocs, "\x00") {
			fmt.Fprintf(&b, "instruction %d:\n  want %q %q\n  got  %q %q\n", i+1, w.text, w.heredocs, g.text, g.heredocs)
		}
	}
	return b.String()
}
