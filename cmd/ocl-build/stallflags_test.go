package main

import (
	"strings"
	"testing"
)

// rpmdiff and inspect honour --log-level (they set up the libraries'
// logging like build and push), and every registry command checks
// --stall-timeout before doing anything.
func TestRegistryFlagsValidated(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-level", "chatty", "rpmdiff", "a", "b"}, "--log-level"},
		{[]string{"--log-level", "chatty", "inspect", "a"}, "--log-level"},
		{[]string{"rpmdiff", "--stall-timeout", "-1s", "a", "b"}, "--stall-timeout -1s"},
		{[]string{"inspect", "--stall-timeout", "-1s", "a"}, "--stall-timeout -1s"},
		{[]string{"push", "--stall-timeout", "-1s", "oci:/nonexistent", "127.0.0.1:1/x:y"}, "--stall-timeout -1s"},
		{[]string{"push", "--retry", "-1", "oci:/nonexistent", "127.0.0.1:1/x:y"}, "--retry -1"},
		{[]string{"build", "--stall-timeout", "-1s", "--base-image", "quay.io/o/x:1"}, "--stall-timeout -1s"},
		{[]string{"build", "--retry", "-2", "--base-image", "quay.io/o/x:1"}, "--retry -2"},
		{[]string{"build", "--retry-delay", "0s", "--base-image", "quay.io/o/x:1"}, "--retry-delay 0s"},
		{[]string{"preflight", "--stall-timeout", "-1s", "--base-image", "quay.io/o/x:1"}, "--stall-timeout -1s"},
		{[]string{"preflight", "--retry", "-1", "--base-image", "quay.io/o/x:1"}, "--retry -1"},
	} {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code != exitInput || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %s", tc.args, code, errOut, exitInput, tc.want)
		}
	}
}
