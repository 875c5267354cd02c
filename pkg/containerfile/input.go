package containerfile

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ocl-build/ocl-build/pkg/kubedoc"

	"github.com/ocl-build/ocl-build/pkg/findings"
)

// MaxInputSize bounds what LintFile reads: a MachineOSConfig's content is at
// most 4096 characters, so a megabyte is far beyond any real input.
const MaxInputSize = 1 << 20

// InputError is input that cannot be linted at all (not text, too large,
// not a Containerfile or MachineOSConfig): the one input error type of the
// reader (pkg/kubedoc), one line naming the file and, where known, the line
// and field.
type InputError = kubedoc.InputError

func inputErr(file string, line int, format string, args ...any) error {
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	return &InputError{File: file, Line: line, Msg: msg}
}

// checkText rejects what is not a text file: oversized, NUL bytes or other
// binary control bytes, invalid UTF-8. Empty is text (and valid content).
func checkText(file string, data []byte) error {
	if len(data) > MaxInputSize {
		return inputErr(file, 0, "file is too large (%d bytes; the limit is %d)", len(data), MaxInputSize)
	}
	line := 1
	for _, b := range data {
		if b == '\n' {
			line++
		} else if b < 0x20 && b != '\t' && b != '\r' && b != '\f' && b != '\v' {
			return inputErr(file, line, "not a text file (binary data: control byte 0x%02x)", b)
		}
	}
	if !utf8.Valid(data) {
		line = 1
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return inputErr(file, line, "not valid UTF-8 text (byte 0x%02x)", data[i])
			}
			if r == '\n' {
				line++
			}
			i += n
		}
	}
	return nil
}

var (
	instructionRe = regexp.MustCompile(`(?i)^(from|arg|run|copy|add|env|label|user|workdir|cmd|entrypoint|expose|healthcheck|volume|stopsignal|onbuild|shell|maintainer)(\s|$)`)
	yamlStartRe   = regexp.MustCompile(`^(---|%YAML|\{|\[|- |-$|"?[A-Za-z_][\w.-]*"?\s*:(\s|$))`)
)

// IsYAML decides whether data is a YAML/JSON manifest rather than a
// Containerfile: by extension first, then by the first line that is neither
// blank nor a comment (a Containerfile instruction is a keyword and a space;
// YAML starts with ---, a key and a colon, a list item or a flow collection).
func IsYAML(path string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	for _, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(l, "\ufeff"))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if instructionRe.MatchString(t) {
			return false
		}
		return yamlStartRe.MatchString(t)
	}
	return false
}

// LintFile lints a Containerfile or a YAML file of MachineOSConfigs (each
// spec.containerFile[].content, with findings at the YAML file's own lines),
// telling them apart with IsYAML. path names the file in findings and errors.
// Input that cannot be linted returns an *InputError.
func LintFile(path string, data []byte, opts Options) ([]findings.Finding, error) {
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	data = stripBOM(data)
	if IsYAML(path, data) {
		return lintYAML(path, data, opts)
	}
	return LintContent(path, string(data), opts)
}
