package fuzzseed

import (
	"archive/tar"
	"strings"
)

// VersionPair is one FuzzRPMVerCmp seed.
type VersionPair struct{ A, B string }

// VersionPairs are rpmvercmp's tricky corners: tilde and caret, alpha
// against numeric segments, separators, leading zeros, empty strings, digit
// runs past 64 bits, non-ASCII and NUL bytes.
var VersionPairs = []VersionPair{
	{"1.0", "1.0"}, {"1.0", "2.0"}, {"2.0.1", "2.0"}, {"1.10", "1.9"}, {"1.010", "1.10"},
	{"1.0a", "1.0"}, {"1.0a", "1.0.1"}, {"a", "1"}, {"1.0~rc1", "1.0"}, {"1.0~rc1", "1.0~rc2"},
	{"1.0~~", "1.0~"}, {"1.0^", "1.0"}, {"1.0^git1", "1.0"}, {"1.0^git1", "1.0.1"},
	{"1.0^git1", "1.0~rc1"}, {"1.0^20200101", "1.0^20210101"}, {"1.0", "1.0^"},
	{"1..0", "1.0"}, {"1_0", "1.0"}, {"5.14.0-362.el9", "5.14.0-70.el9"}, {"fc35", "fc36"},
	{"el9_3.1", "el9_3"}, {"1.0abc", "1.0abd"},
	{"", ""}, {"", "1"}, {"~", ""}, {"^", ""}, {"~", "^"}, {"0001", "1"}, {"00", "0"},
	{"1.0~rc1^git2", "1.0~rc1"}, {"a1", "1a"}, {"1.0.", "1.0"}, {".", ""},
	{"99999999999999999999999", "100000000000000000000000"}, {"1é", "1"}, {"1\x00", "1"},
}

// LintSnippet is one FuzzLint seed that is not a file in testdata.
type LintSnippet struct {
	Name   string
	Data   string
	AsYAML bool
}

// LintSnippets: the shapes the Containerfile rules must see through.
var LintSnippets = []LintSnippet{
	{"good-dnf-clean-commit", "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all && ostree container commit\n", false},
	{"heredoc-run", "FROM configs AS final\nRUN <<EOF\nset -e\ndnf install x\nEOF\n", false},
	{"nested-sh-c-pipe", "FROM configs AS final\nRUN sh -c 'bash -c \"dnf install -y x | sh\"'\n", false},
	{"escape-backtick", "# escape=`\nFROM configs AS final\nRUN dnf install `\n  -y x\n", false},
	{"exec-form-sh-c", "FROM configs AS final\nRUN [\"sh\", \"-c\", \"dnf install x\"]\n", false},
	{"mount-cache", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf \\\n  dnf install -y x\n", false},
	{"arg-default-from", "ARG A\nFROM ${A:-configs} AS final\nARG B\nRUN echo ${B}\n", false},
	{"unterminated-arith", "FROM configs AS final\nRUN echo $(( 1 + \n", false},
	{"onbuild-run", "FROM configs AS final\nONBUILD RUN dnf install x\n", false},
	{"continuation-at-eof", "FROM configs AS final\nRUN dnf install \\", false},
	{"invalid-utf8", "FROM configs AS final\nRUN echo \xff\xfe\n", false},
	{"mosc-embedded", "kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: |\n      FROM configs AS final\n      RUN dnf install x\n", true},
	{"mosc-yaml-anchor-loop", "kind: MachineOSConfig\nspec: &a\n  containerFile: [*a]\n", true},
}

// UntarLayers are FuzzUntar's own shapes; it also gets every uncompressed
// hostile layer.
func UntarLayers() []Layer {
	return []Layer{
		{"plain-file", Tar(Entry{Header: tar.Header{Name: "a/b", Mode: 0o644}, Body: []byte("a/b")})},
		{"hardlink-dotdot", Tar(Entry{Header: tar.Header{Name: "../x", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}})},
		{"whiteout-through-root-symlink", Tar(
			Entry{Header: tar.Header{Name: "s", Typeflag: tar.TypeSymlink, Linkname: "/"}},
			Entry{Header: tar.Header{Name: "s/.wh.y", Mode: 0o644}, Body: []byte("s/.wh.y")})},
		{"file-through-parent-symlink", Tar(
			Entry{Header: tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: ".."}},
			Entry{Header: tar.Header{Name: "up/escaped", Mode: 0o644}, Body: []byte("x")})},
	}
}

// Uncompressed reports whether a layer is a plain tar stream (not gzip).
func Uncompressed(l Layer) bool { return !strings.HasPrefix(string(l.Data), "\x1f\x8b") }
