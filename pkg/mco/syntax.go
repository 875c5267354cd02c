package mco

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/openshift/imagebuilder/dockerfile/command"
	ibparser "github.com/openshift/imagebuilder/dockerfile/parser"
)

// ContainerfileValidationError is the final failure of a MachineOSBuild whose
// rendered Containerfile does not pass the operator's syntax check
// (release-4.23+: buildrequest.go validateContainerfileSyntax). The cluster
// creates no build Job and does not retry.
type ContainerfileValidationError struct {
	Version ocpversion.Version
	Err     error
}

func (e *ContainerfileValidationError) Error() string {
	return fmt.Sprintf("OpenShift %s rejects the rendered Containerfile before building (nothing is built on the cluster): %v", e.Version, e.Err)
}

func (e *ContainerfileValidationError) Unwrap() error { return e.Err }

var hasFROM = regexp.MustCompile(`(?mi)^\s*FROM`)

// argsRequired are the instructions the 4.23+ check refuses without
// arguments, with what is missing (read from buildrequest.go on main).
var argsRequired = map[string]string{
	command.Add: "source and destination paths", command.Arg: "a variable name",
	command.Cmd: "a command or arguments", command.Copy: "source and destination paths",
	command.Entrypoint: "a command or arguments", command.Env: "key=value pairs",
	command.Expose: "a port", command.From: "a base image", command.Label: "key=value pairs",
	command.Onbuild: "an instruction to execute", command.Run: "a command",
	command.Shell: "a shell command array", command.StopSignal: "a signal",
	command.User: "a username or UID", command.Volume: "a mount point", command.Workdir: "a directory path",
}

// ValidateContainerfileSyntax applies the operator's 4.23+ check with the
// same parser (github.com/openshift/imagebuilder's, whose parser package is
// unchanged between the v1.2.15 ocl-build links and the v1.2.21 the operator
// vendors): a Containerfile of only comments passes; otherwise it needs a
// FROM line, must parse (errors the operator treats as parser limits —
// heredocs, LABEL/ENV values with unquoted spaces — pass), and every
// instruction must be known and carry its required arguments.
func ValidateContainerfileSyntax(cf string) error {
	if onlyComments(cf) {
		return nil
	}
	if !hasFROM.MatchString(cf) {
		//lint:ignore ST1005 the operator's own message, word for word (buildrequest.go on main)
		return fmt.Errorf("Containerfile must contain at least one FROM instruction")
	}
	res, err := ibparser.Parse(strings.NewReader(cf))
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "<<") || strings.Contains(msg, "heredoc"):
			return nil
		case strings.Contains(msg, "can't find = in") || strings.Contains(msg, "must be of the form: name=value"):
			return envLabelWithoutEquals(cf)
		}
		return fmt.Errorf("failed to parse Containerfile: %w", err)
	}
	if res.AST == nil {
		return nil
	}
	for _, n := range res.AST.Children {
		if n == nil || n.Value == "" {
			continue
		}
		if _, ok := command.Commands[n.Value]; !ok {
			return fmt.Errorf("line %d: unknown Dockerfile instruction: %s", n.StartLine, n.Value)
		}
		if n.Value == command.Healthcheck && n.Next != nil && strings.EqualFold(n.Next.Value, "NONE") {
			continue
		}
		need, ok := argsRequired[n.Value]
		if ok && (n.Next == nil || n.Next.Value == "") && len(n.Attributes) == 0 {
			return fmt.Errorf("line %d: %s instruction requires %s", n.StartLine, strings.ToUpper(n.Value), need)
		}
	}
	return nil
}

func onlyComments(cf string) bool {
	for _, l := range strings.Split(cf, "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

// envLabelWithoutEquals finds an ENV or LABEL line with no '=' at all: the
// operator's test for a malformed one (unquoted spaces alone pass).
func envLabelWithoutEquals(cf string) error {
	for i, l := range strings.Split(cf, "\n") {
		t := strings.TrimSpace(l)
		for _, inst := range []string{"ENV", "LABEL"} {
			p := inst + " "
			if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) && !strings.Contains(t[len(p):], "=") {
				return fmt.Errorf("line %d: %s instruction must use key=value form", i+1, inst)
			}
		}
	}
	return nil
}
