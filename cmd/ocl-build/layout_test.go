package main

import (
	"context"
	"strings"
	"testing"

	istorage "github.com/containers/image/v5/storage"

	"github.com/ocl-build/ocl-build/pkg/build"
)

// The operator builds without --layers: one layer per stage on top of the
// base. Content without FROM runs in the configs stage, so the image is the
// base's layers plus one.
func TestBuildClusterLayout(t *testing.T) {
	w := e2eWorld(t)
	dir := t.TempDir()
	cf := bldWriteFile(t, dir, "Containerfile", "RUN echo one > /etc/one\nRUN echo two > /etc/two\nRUN echo three > /etc/three\n")
	so, store := bldStoreFlags(t, build.DriverOverlay)
	code, out, errOut := runCLI(t, "", append([]string{"build", "--containerfile", cf, "--base-image", w.BaseImage,
		"--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir, "--cluster-layout", "--quiet"}, store...)...)
	if code != 0 {
		t.Fatalf("build: code %d\n%s", code, errOut)
	}
	st, err := build.OpenStore(so)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Shutdown(false)
	ref, err := istorage.Transport.ParseStoreReference(st, strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	img, err := ref.NewImage(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if got := len(img.LayerInfos()); got != w.BaseLayers+1 {
		t.Fatalf("layers %d, want the base's %d + 1 (the configs stage)", got, w.BaseLayers)
	}
}
