package build

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestContainerfileImages(t *testing.T) {
	for _, c := range []struct {
		name, cf string
		args     map[string]string
		want     imageRefs
	}{
		{"rendered template: one base named twice, stages skipped",
			"FROM quay.io/o/rhcos@sha256:" + sixtyFour + " AS extract\nRUN true\nFROM quay.io/o/rhcos@sha256:" + sixtyFour + " AS configs\nCOPY --from=extract /a /a\nFROM configs AS final\nRUN true\n",
			nil, imageRefs{Pull: []string{"quay.io/o/rhcos@sha256:" + sixtyFour}}},
		{"stage names are case-insensitive, scratch and stage indexes are not images",
			"FROM scratch AS Base\nFROM base\nCOPY --from=0 /x /x\nCOPY --from=BASE /y /y\n",
			nil, imageRefs{}},
		{"COPY --from and RUN --mount from= name images too",
			"FROM registry.example:5000/base:1\nCOPY --from=quay.io/o/tools:2 /bin/t /bin/t\nRUN --mount=type=bind,from=quay.io/o/ext:3,source=/,target=/ext true\n",
			nil, imageRefs{Pull: []string{"registry.example:5000/base:1", "quay.io/o/tools:2", "quay.io/o/ext:3"}}},
		{"short names and unresolvable ARGs are left to buildah",
			"ARG TAG=9\nFROM ubi9/ubi:$TAG\nFROM $NOWHERE/x\nFROM localhost/mine:latest\n",
			nil, imageRefs{Pull: []string{"localhost/mine:latest"}, Left: []string{"ubi9/ubi:9", "$NOWHERE/x"}}},
		{"global ARG defaults, overridden by build args",
			"ARG BASE=quay.io/o/base:default\nFROM ${BASE}\n",
			map[string]string{"BASE": "quay.io/o/base:override"}, imageRefs{Pull: []string{"quay.io/o/base:override"}}},
		{"a build arg not declared before FROM does not apply",
			"FROM quay.io/o/base:$V\n",
			map[string]string{"V": "1"}, imageRefs{Left: []string{"quay.io/o/base:$V"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "Containerfile")
			if err := os.WriteFile(p, []byte(c.cf), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := containerfileImages(p, c.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestQualified(t *testing.T) {
	for name, want := range map[string]bool{
		"quay.io/o/x:1":          true,
		"127.0.0.1:5000/o/x":     true,
		"localhost/x":            true,
		"ubi9/ubi":               false,
		"fedora":                 false,
		"quay.io/O/UPPER:1":      false, // not a valid reference
		"registry.example/x@sha": false,
	} {
		if got := qualified(name); got != want {
			t.Errorf("qualified(%q) = %v, want %v", name, got, want)
		}
	}
}
