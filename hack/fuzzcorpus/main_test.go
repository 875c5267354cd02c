package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed corpus is exactly what the generator makes: a changed seed
// builder or testdata file without `go run ./hack/fuzzcorpus` fails here.
func TestCorpusUpToDate(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	drift, err := run(root, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("corpus out of date; run `go run ./hack/fuzzcorpus`:\n%s", strings.Join(drift, "\n"))
	}
}

// Every target has a corpus, every file is in Go's format, and the whole
// corpus stays small enough to commit.
func TestCorpusShape(t *testing.T) {
	root, _ := repoRoot()
	total := int64(0)
	for _, tg := range targets {
		dir := filepath.Join(root, tg.pkg, "testdata", "fuzz", tg.fuzz)
		es, err := os.ReadDir(dir)
		if err != nil || len(es) == 0 {
			t.Fatalf("%s: no corpus in %s: %v", tg.fuzz, dir, err)
		}
		for _, e := range es {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), "go test fuzz v1\n") {
				t.Errorf("%s/%s: not a corpus file", tg.fuzz, e.Name())
			}
			total += int64(len(b))
		}
	}
	if total > 300<<10 {
		t.Errorf("corpus is %d bytes, over the 300 KiB budget", total)
	}
	t.Logf("corpus: %d bytes", total)
}

func TestMarshal(t *testing.T) {
	got := string(marshal([]byte("a\x00\"b"), "é\xff", true))
	want := "go test fuzz v1\n[]byte(\"a\\x00\\\"b\")\nstring(\"é\\xff\")\nbool(true)\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}
