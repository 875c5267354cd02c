package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/ocl-build/ocl-build/internal/testutil"
)

// On a pipe, a retried copy does not print its blob list again; retry
// notices and errors still show, and lines split across writes are whole.
func TestProgressWriterOnceOnAPipe(t *testing.T) {
	var out bytes.Buffer
	w := progressWriter(&out)
	attempt := "Getting image source signatures\nCopying blob sha256:aaa\nCopying blob sha256:bbb\nCopying config sha256:ccc\n"
	io.WriteString(w, attempt)
	io.WriteString(w, "registry.example.com: connection reset; retrying in 1s (1/3)\n")
	io.WriteString(w, attempt[:30])
	io.WriteString(w, attempt[30:])
	io.WriteString(w, "Copying blob sha256:ddd\nWriting manifest to image destination\n")
	want := attempt + "registry.example.com: connection reset; retrying in 1s (1/3)\nCopying blob sha256:ddd\nWriting manifest to image destination\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// rpmdiffPTYImage is an OCI layout of three layers, the rpm database in the
// bottom one, under a path long enough to overflow a narrow terminal.
func rpmdiffPTYImage(t *testing.T) string {
	db, err := os.ReadFile(filepath.Join(rpmdiffTestDB(t, "centos7-plain"), "Packages"))
	if err != nil {
		t.Fatal(err)
	}
	img := testutil.RandomOCIImage(t, 1<<10, 0)
	for _, e := range []testutil.TarEntry{testutil.File("var/lib/rpm/Packages", string(db)), testutil.File("etc/a", "a"), testutil.File("etc/b", "b")} {
		if img, err = mutate.AppendLayers(img, testutil.TarLayer(t, e)); err != nil {
			t.Fatal(err)
		}
	}
	ref := testutil.OCILayout(t, img)
	long := filepath.Join(t.TempDir(), strings.Repeat("a-long-directory-name-", 4))
	if err := os.MkdirAll(long, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := strings.TrimSuffix(strings.TrimPrefix(ref, "oci:"), ":latest")
	if err := os.Rename(dir, filepath.Join(long, "layout")); err != nil {
		t.Fatal(err)
	}
	return "oci:" + filepath.Join(long, "layout") + ":latest"
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// On a terminal, rpmdiff's progress never draws a line wider than the
// terminal (a wider one wraps, and \r then leaves the wrapped part behind);
// on a pipe it prints nothing at all.
func TestRpmdiffProgressOnATerminal(t *testing.T) {
	ref := rpmdiffPTYImage(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	const cols = 60
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 24, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx)
		read <- b
	}()
	var out bytes.Buffer
	root := newRootCmd(strings.NewReader(""), &out, tty)
	root.SetArgs([]string{"rpmdiff", "--no-cache", ref, ref})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var raw []byte
	select {
	case raw = <-read:
	case <-time.After(10 * time.Second):
		t.Fatal("pty reader stuck")
	}
	if !strings.Contains(out.String(), "0 added") {
		t.Errorf("stdout %q", out.String())
	}
	if !bytes.Contains(raw, []byte("reading ")) {
		t.Fatalf("no progress drawn on the terminal: %q", raw)
	}
	for _, seg := range regexp.MustCompile(`[\r\n]`).Split(ansiEscape.ReplaceAllString(string(raw), ""), -1) {
		if n := len([]rune(seg)); n > cols {
			t.Errorf("a %d-column line on a %d-column terminal: %q", n, cols, seg)
		}
	}

	// Not a terminal: nothing but the result.
	code, stdout, stderr := runCLI(t, "", "rpmdiff", "--no-cache", ref, ref)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "0 added") {
		t.Errorf("pipe: code %d stderr %q", code, stderr)
	}
}

// inspect -q prints only the essential line: the image's digest.
func TestInspectQuiet(t *testing.T) {
	ref := rpmdiffPTYImage(t)
	code, out, errOut := runCLI(t, "", "inspect", "-q", "--no-cache", ref)
	if code != 0 || !regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`).MatchString(out) || errOut != "" {
		t.Errorf("inspect -q: code %d stdout %q stderr %q", code, out, errOut)
	}
}
