package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

// terminalOf returns w as a terminal and its width, or ok false.
func terminalOf(w io.Writer) (f *os.File, width int, ok bool) {
	f, ok = w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, 0, false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		width = 80
	}
	return f, width, true
}

// rpmdiffProgress shows which layer of which image is being read, as mpb
// bars (containers/image's progress library) on a terminal, never with
// --quiet or on a pipe or file. mpb keeps each bar within the terminal's
// width, so nothing wraps and leaves stale lines; the returned func removes
// the bars.
func rpmdiffProgress(cmd *cobra.Command, g *globalOptions, r *rpmdiff.Reader) func() {
	f, width, ok := terminalOf(cmd.ErrOrStderr())
	if g.quiet || !ok {
		return func() {}
	}
	p := mpb.New(mpb.WithOutput(f), mpb.WithWidth(min(30, width/4)))
	var mu sync.Mutex
	bars := map[string]*mpb.Bar{}
	// "reading REF " + bar + " layer NN/NN (NNN.N MiB)": the name gets
	// what the bar and counters leave of the width.
	nameWidth := max(12, width-min(30, width/4)-26)
	r.Progress = func(pr rpmdiff.Progress) {
		mu.Lock()
		defer mu.Unlock()
		b := bars[pr.Ref]
		if b == nil {
			size := pr.Size
			b = p.AddBar(int64(pr.Layers),
				mpb.PrependDecorators(decor.Name(ellipsize("reading "+pr.Ref, nameWidth), decor.WC{W: nameWidth + 1, C: decor.DindentRight})),
				mpb.AppendDecorators(decor.Any(func(s decor.Statistics) string {
					return " layer " + itoa(s.Current) + "/" + itoa(s.Total) + " (" + humanBytes(size) + ")"
				})),
				mpb.BarRemoveOnComplete())
			bars[pr.Ref] = b
		}
		b.SetTotal(int64(pr.Layers), false)
		b.SetCurrent(int64(pr.Layer))
	}
	return func() {
		mu.Lock()
		for _, b := range bars {
			b.Abort(true) // the database was found before the last layer: drop the bar
		}
		mu.Unlock()
		p.Wait()
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// ellipsize keeps s within n runes, eliding the middle (a reference's
// registry and tag are what tell two apart).
func ellipsize(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 5 {
		return s
	}
	head := (n - 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// progressWriter is where containers/image's copy report goes. On a
// terminal it draws mpb bars itself; on a pipe or file it prints a line per
// blob, and would print the whole list again on every retry: here each
// such line appears once per run, and everything else (retry notices,
// errors) passes.
func progressWriter(w io.Writer) io.Writer {
	if _, _, ok := terminalOf(w); ok {
		return w
	}
	return &onceLines{w: w, seen: map[string]bool{}}
}

type onceLines struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	seen    map[string]bool
}

// repeatable says whether a copy report line is one a retry repeats.
func repeatable(line string) bool {
	return strings.HasPrefix(line, "Copying blob ") || strings.HasPrefix(line, "Copying config ") ||
		line == "Getting image source signatures" || line == "Writing manifest to image destination"
}

func (o *onceLines) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		line := string(o.partial[:i])
		o.partial = o.partial[i+1:]
		key := strings.TrimSpace(line)
		if repeatable(key) {
			if o.seen[key] {
				continue
			}
			o.seen[key] = true
		}
		if _, err := io.WriteString(o.w, line+"\n"); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}
