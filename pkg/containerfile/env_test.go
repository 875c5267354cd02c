package containerfile

import (
	"reflect"
	"strings"
	"testing"
)

func TestBraceExpand(t *testing.T) {
	for in, want := range map[string][]string{
		"kernel-{devel,headers}-1": {"kernel-devel-1", "kernel-headers-1"},
		"kernel-{,core-}5.14.rpm":  {"kernel-5.14.rpm", "kernel-core-5.14.rpm"},
		"${X}":                     {"${X}"},
		"plain":                    {"plain"},
	} {
		if got := braceExpand(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	// 2^40 words are not made.
	if got := braceExpand(strings.Repeat("{a,b}", 40)); len(got) > maxBraceWords {
		t.Errorf("%d words", len(got))
	}
}
