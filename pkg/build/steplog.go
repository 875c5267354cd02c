package build

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/ocl-build/ocl-build/internal/redact"
)

// tailLines is how much of a failing step's output an error carries.
const tailLines = 15

// stepRE matches buildah's step banners: "STEP 3/7: RUN …", with a
// "[2/2] " stage prefix in multi-stage builds.
var stepRE = regexp.MustCompile(`^((?:\[\d+/\d+\] )?STEP \d+(?:/\d+)?): (.*)$`)

// stepLog sits between buildah and the user's writers. It forwards
// everything and remembers the current step and the last lines of output
// since it began, so a failing RUN can be reported with its context even
// when the stream itself is hidden (--quiet).
type stepLog struct {
	mu      sync.Mutex
	step    string   // "[2/2] STEP 5/7"
	instr   string   // "RUN dnf install -y foo"
	lines   []string // ring of the step's last output lines
	partial map[*stepWriter][]byte
}

type stepWriter struct {
	log *stepLog
	to  io.Writer
}

func newStepLog() *stepLog { return &stepLog{partial: map[*stepWriter][]byte{}} }

// writer returns an io.Writer that forwards to `to` (nil discards) and feeds
// the log. Out and Err get one each; they share the tail.
func (l *stepLog) writer(to io.Writer) io.Writer {
	if to == nil {
		to = io.Discard
	}
	return &stepWriter{log: l, to: to}
}

func (w *stepWriter) Write(p []byte) (int, error) {
	l := w.log
	l.mu.Lock()
	buf := append(l.partial[w], p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		l.addLine(string(buf[:i]))
		buf = buf[i+1:]
	}
	l.partial[w] = append([]byte(nil), buf...)
	l.mu.Unlock()
	// Forward without credentials (the re-executed RUN helpers log their
	// environment, proxy build args included, at debug level); a broken
	// output must not fail the build.
	_, _ = w.to.Write([]byte(redact.String(string(p))))
	return len(p), nil
}

func (l *stepLog) addLine(s string) {
	s = strings.TrimRight(s, "\r")
	if m := stepRE.FindStringSubmatch(s); m != nil {
		l.step, l.instr, l.lines = m[1], m[2], nil
		return
	}
	// buildah's own bookkeeping says nothing about why a step failed.
	if strings.HasPrefix(s, "COMMIT") || strings.HasPrefix(s, "--> ") || strings.HasPrefix(s, "subprocess exited with status ") {
		return
	}
	l.lines = append(l.lines, s)
	if len(l.lines) > tailLines {
		l.lines = l.lines[len(l.lines)-tailLines:]
	}
}

// current reports the step in progress and its output tail, flushing
// unterminated output first.
func (l *stepLog) current() (step, instr string, tail []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for w, b := range l.partial {
		if len(b) > 0 {
			l.addLine(string(b))
			l.partial[w] = nil
		}
	}
	return l.step, l.instr, append([]string(nil), l.lines...)
}
