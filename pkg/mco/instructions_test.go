package mco

import (
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The instruction sequence of the 4.19 template, read off the operator's
// Containerfile.on-cluster-build-template; the two extension instructions
// appear only when extensions are requested and an extensions image is known.
var (
	opHead = []string{"from", "copy", "run", "from", "copy", "run"}
	opExt  = []string{"run", "run"}
	opTail = []string{"run", "run", "copy", "run", "label", "label", "label"}
)

func instructions(t *testing.T, containerfile string) []*parser.Node {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(containerfile))
	if err != nil {
		t.Fatalf("buildkit cannot parse the rendered Containerfile: %v", err)
	}
	return res.AST.Children
}

func TestRenderedInstructionsFollowTheOperatorTemplate(t *testing.T) {
	img := mustOSImages(t)
	user := readFile(t, td+"/user.Containerfile")
	ext := mustLoad(t, "extensions")
	for _, withExt := range []bool{false, true} {
		opts := RenderOptions{Containerfile: user, BaseImage: img.BaseOSContainerImage, ExtensionsImage: img.BaseOSExtensionsContainerImage}
		want := append([]string{}, opHead...)
		if withExt {
			opts.MachineConfigs = ext.MachineConfigs
			want = append(want, opExt...)
		}
		want = append(want, opTail...)
		want = append(want, "from", "run") // the user's two instructions
		r, err := Render(opts)
		if err != nil {
			t.Fatal(err)
		}
		nodes := instructions(t, r.Containerfile)
		var got []string
		for _, n := range nodes {
			got = append(got, strings.ToLower(n.Value))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("extensions=%v: instructions %v\nwant %v", withExt, got, want)
		}
		// Both FROMs name the base image by its literal pull spec and the
		// stage names the user's content builds on.
		if nodes[0].Next.Value != img.BaseOSContainerImage || nodes[3].Next.Value != img.BaseOSContainerImage ||
			!strings.EqualFold(nodes[0].Next.Next.Next.Value, "extract") || !strings.EqualFold(nodes[3].Next.Next.Next.Value, "configs") {
			t.Fatalf("FROM lines: %s / %s", nodes[0].Original, nodes[3].Original)
		}
		if withExt {
			run := nodes[6]
			if !strings.Contains(run.Original, "--mount=type=bind,from="+img.BaseOSExtensionsContainerImage+",source=/,target=/tmp/mco-extensions/os-extensions-content") ||
				!strings.Contains(run.Original, `extensions="usbguard krb5-workstation libkadm5"`) {
				t.Fatalf("extensions RUN: %s", run.Original)
			}
		}
		// The user's content is verbatim at the end.
		if !strings.HasSuffix(r.Containerfile, user) {
			t.Fatal("user content is not verbatim at the end")
		}
	}
}
