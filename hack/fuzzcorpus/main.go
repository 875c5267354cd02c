package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/fuzzseed"
)

// seed is one corpus file: args in the order of the fuzz function's parameters.
type seed struct {
	name string
	args []any
}

// target is one fuzz function and how to build its seeds from the repo root.
type target struct {
	pkg, fuzz string
	seeds     func(root string) ([]seed, error)
}

var targets = []target{
	{"pkg/containerfile", "FuzzLint", lintSeeds},
	{"pkg/manifests", "FuzzManifestYAML", fileSeeds("testdata/manifests/*.yaml",
		seed{"doc-separators-unclosed-flow", []any{[]byte("---\n--- a: [\n...\n")}},
		seed{"list-of-scalars", []any{[]byte("apiVersion: v1\nkind: List\nitems: [1]\n")}},
		seed{"alias-bomb", []any{[]byte("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n")}})},
	{"pkg/mco", "FuzzLoadManifests", fileSeeds("testdata/render/{machineconfigs/*,invalid/*,mosc.yaml,empty-spec.yaml}")},
	{"pkg/pullsecret", "FuzzDockerConfig", fileSeeds("testdata/pullsecrets/{*.json,*.yaml,*.dockercfg}",
		seed{"auth-not-base64", []any{[]byte(`{"auths":{"a":{"auth":"!!"}}}`)}},
		seed{"secret-without-data", []any{[]byte("kind: Secret\ntype: Opaque\n")}})},
	{"pkg/rpmdiff", "FuzzRPMVerCmp", func(string) ([]seed, error) {
		var out []seed
		for _, p := range fuzzseed.VersionPairs {
			out = append(out, seed{slug(p.A) + "_vs_" + slug(p.B), []any{p.A, p.B}})
		}
		return out, nil
	}},
	{"pkg/rpmdiff", "FuzzLocateRPMDB", func(string) ([]seed, error) {
		return layerSeeds(fuzzseed.HostileLayers()), nil
	}},
	{"internal/fixture/untar", "FuzzUntar", func(string) ([]seed, error) {
		ls := fuzzseed.UntarLayers()
		for _, l := range fuzzseed.HostileLayers() {
			if fuzzseed.Uncompressed(l) {
				ls = append(ls, l)
			}
		}
		return layerSeeds(ls), nil
	}},
}

func main() {
	check := flag.Bool("check", false, "compare with the files on disk instead of writing them")
	flag.Parse()
	root, err := repoRoot()
	if err == nil {
		var drift []string
		drift, err = run(root, *check)
		if len(drift) > 0 {
			err = fmt.Errorf("the seed corpus differs from what the generator makes (run `go run ./hack/fuzzcorpus`):\n  %s", strings.Join(drift, "\n  "))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fuzzcorpus:", err)
		os.Exit(1)
	}
}

// hashName is how `go test -fuzz` names the inputs it finds.
var hashName = regexp.MustCompile(`^[0-9a-f]{16}$`)

// run writes (or with check, compares) every target's corpus and returns the
// paths that differ: missing, changed, or stale files of ours.
func run(root string, check bool) ([]string, error) {
	var drift []string
	for _, t := range targets {
		seeds, err := t.seeds(root)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.fuzz, err)
		}
		dir := filepath.Join(root, t.pkg, "testdata", "fuzz", t.fuzz)
		want := map[string][]byte{}
		for _, s := range seeds {
			if _, dup := want[s.name]; dup || s.name == "" || strings.ContainsAny(s.name, "/\\") {
				return nil, fmt.Errorf("%s: bad or duplicate seed name %q", t.fuzz, s.name)
			}
			want[s.name] = marshal(s.args...)
		}
		have, _ := os.ReadDir(dir)
		for _, e := range have {
			if _, ours := want[e.Name()]; !ours && !hashName.MatchString(e.Name()) {
				drift = append(drift, filepath.Join(t.pkg, "testdata/fuzz", t.fuzz, e.Name())+" (stale)")
				if !check {
					if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
						return nil, err
					}
				}
			}
		}
		for _, name := range sortedKeys(want) {
			p := filepath.Join(dir, name)
			if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, want[name]) {
				continue
			}
			drift = append(drift, filepath.Join(t.pkg, "testdata/fuzz", t.fuzz, name))
			if check {
				continue
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			if err := atomicfile.WriteFile(p, want[name], 0o644); err != nil {
				return nil, err
			}
		}
	}
	if !check {
		return nil, nil
	}
	return drift, nil
}

// marshal writes Go's corpus file format ("go test fuzz v1", one typed
// literal per argument), the same text `go test -fuzz` writes.
func marshal(args ...any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case bool:
			fmt.Fprintf(&b, "bool(%v)\n", v)
		default:
			panic(fmt.Sprintf("fuzzcorpus: unsupported argument type %T", a))
		}
	}
	return b.Bytes()
}

// lintSeeds: every Containerfile and MachineOSConfig in testdata, the
// example Containerfile, and the snippets of internal/fuzzseed.
func lintSeeds(root string) ([]seed, error) {
	files, err := globAll(root, "testdata/containerfiles/*/*", "Containerfile.example")
	if err != nil {
		return nil, err
	}
	var out []seed
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		out = append(out, seed{fileSeedName(f), []any{data, strings.HasSuffix(f, ".yaml")}})
	}
	for _, s := range fuzzseed.LintSnippets {
		out = append(out, seed{s.Name, []any{[]byte(s.Data), s.AsYAML}})
	}
	return out, nil
}

// fileSeeds makes one []byte seed per file matching pattern (relative to the
// repo root; {a,b} alternatives allowed), plus extra inline seeds.
func fileSeeds(pattern string, extra ...seed) func(string) ([]seed, error) {
	return func(root string) ([]seed, error) {
		files, err := globAll(root, expand(pattern)...)
		if err != nil {
			return nil, err
		}
		var out []seed
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				return nil, err
			}
			out = append(out, seed{fileSeedName(f), []any{data}})
		}
		return append(out, extra...), nil
	}
}

func layerSeeds(ls []fuzzseed.Layer) []seed {
	var out []seed
	for _, l := range ls {
		out = append(out, seed{l.Name, []any{l.Data}})
	}
	return out
}

// fileSeedName names a seed after the file it came from:
// testdata/render/invalid/setuid-mode.yaml -> file-invalid-setuid-mode.yaml.
func fileSeedName(rel string) string {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return "file-" + strings.Join(parts, "-")
}

// expand turns "d/{a,b}" into "d/a", "d/b" (one brace group).
func expand(pattern string) []string {
	i, j := strings.Index(pattern, "{"), strings.Index(pattern, "}")
	if i < 0 || j < i {
		return []string{pattern}
	}
	var out []string
	for _, alt := range strings.Split(pattern[i+1:j], ",") {
		out = append(out, pattern[:i]+alt+pattern[j+1:])
	}
	return out
}

// globAll returns the files (not directories) matching any pattern, relative
// to root and sorted; a pattern matching nothing is an error, so a moved
// testdata file cannot silently shrink a corpus.
func globAll(root string, patterns ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, p := range patterns {
		ms, err := filepath.Glob(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		n := 0
		for _, m := range ms {
			if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
				rel, _ := filepath.Rel(root, m)
				seen[rel] = true
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("no file matches %s", p)
		}
	}
	return sortedKeys(seen), nil
}

// slug makes a version string a readable file-name part.
func slug(v string) string {
	if v == "" {
		return "empty"
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '~':
			b.WriteString("tilde")
		case r == '^':
			b.WriteString("caret")
		case r == 0:
			b.WriteString("NUL")
		case r < 128 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "U%04X", r)
		}
	}
	return b.String()
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
