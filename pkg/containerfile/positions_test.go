package containerfile

import (
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

// Findings inside RUN point at the command itself, on the file's own line
// and column, through continuations, flags, heredocs and nested shells.
func TestRunPositions(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
	}{
		{"same line", "FROM configs AS final\nRUN true && dnf install x\n", 2, 13},
		{"after flags and continuation", "FROM configs AS final\nRUN --mount=type=cache,target=/var/cache/dnf \\\n    --network=host \\\n    dnf install x\n", 4, 5},
		{"after a comment line", "FROM configs AS final\nRUN true \\\n# note\n  && dnf install x\n", 4, 6},
		{"sh -c single quotes", "FROM configs AS final\nRUN sh -c 'true; dnf install x'\n", 2, 18},
		{"bash -c on a later line", "FROM configs AS final\nRUN bash -c '\\\n  true && dnf install x'\n", 3, 11},
		{"heredoc body", "FROM configs AS final\nRUN <<EOF\n  set -e\n  dnf install x\nEOF\n", 4, 3},
		{"bash heredoc", "FROM configs AS final\nRUN bash <<'EOF'\ndnf install x\nEOF\n", 3, 1},
		{"tabs count as one column", "FROM configs AS final\nRUN\ttrue &&\tdnf install x\n", 2, 13},
		{"indented instruction", "FROM configs AS final\n   RUN dnf install x\n", 2, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := LintContent("Containerfile", c.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			wantAt(t, fs, rules.OCL106.ID, c.line, c.col)
		})
	}
}
