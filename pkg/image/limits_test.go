package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/fuzzseed"
)

func indexBytes(t *testing.T, layer []byte, keep Keep, limits Limits) (*LayerIndex, error) {
	t.Helper()
	return IndexTar(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layer)), nil
	}, keep, t.TempDir(), limits)
}

func keepAll(string) bool { return true }

// Every limit fails with its own named error, quickly, and without echoing
// a hostile name whole.
func TestLimits(t *testing.T) {
	deep := strings.Repeat("a/", 3000) + "f" // 6001 bytes, 3000 directories
	for _, c := range []struct {
		name   string
		layer  []byte
		limits Limits
		want   error
	}{
		{"gzip bomb", fuzzseed.Gzip(fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: "z", Mode: 0o644}, Body: make([]byte, 2<<20)})),
			Limits{MaxLayerBytes: 1 << 20}, ErrLayerTooLarge},
		{"kept file", fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: "k", Mode: 0o644}, Body: make([]byte, 2048)}),
			Limits{MaxFileBytes: 1024}, ErrFileTooLarge},
		{"entries", fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: "a"}}, fuzzseed.Entry{Header: tar.Header{Name: "b"}}, fuzzseed.Entry{Header: tar.Header{Name: "c"}}),
			Limits{MaxEntries: 2}, ErrTooManyEntries},
		// One entry, but its name makes 60 directories.
		{"implied directories", fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: strings.Repeat("d/", 60) + "f"}}),
			Limits{MaxEntries: 50}, ErrTooManyEntries},
		{"name over MaxPathBytes", fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: deep}}), Limits{}, ErrHeaderTooLarge},
		{"link target over MaxPathBytes", fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: deep}}), Limits{}, ErrHeaderTooLarge},
		{"PAX header over 1 MiB", fuzzseed.Concat(fuzzseed.PAX(bytes.Repeat([]byte("16 OCL.pad=xxxx\n"), 70000)), fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: "f"}})),
			Limits{}, ErrHeaderTooLarge},
		{"GNU long name over 1 MiB", fuzzseed.Concat(fuzzseed.GNUHeader("././@LongLink", 'L', 2<<20), make([]byte, 2<<20)), Limits{}, ErrHeaderTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := indexBytes(t, c.layer, keepAll, c.limits)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
	// At the limits, the same shapes pass.
	if _, err := indexBytes(t, fuzzseed.Tar(fuzzseed.Entry{Header: tar.Header{Name: deep}}), keepAll, Limits{MaxPathBytes: len(deep)}); err != nil {
		t.Fatalf("a name exactly at MaxPathBytes: %v", err)
	}
	if DefaultLimits.MaxPathBytes != 4096 || (Limits{}).withDefaults() != DefaultLimits {
		t.Fatalf("defaults: %+v", (Limits{}).withDefaults())
	}
}
