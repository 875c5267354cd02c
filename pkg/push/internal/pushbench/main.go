package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/push/internal/regproxy"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: pushbench proxy|addlayer [flags]"))
	}
	var err error
	switch os.Args[1] {
	case "proxy":
		err = proxy(os.Args[2:])
	case "addlayer":
		err = addLayer(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func proxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	upstream := fs.String("upstream", "", "registry host:port (HTTPS)")
	ca := fs.String("ca", "", "CA file verifying the registry")
	cert := fs.String("cert", "", "TLS certificate to serve")
	key := fs.String("key", "", "TLS key to serve")
	stats := fs.String("stats", "", "file receiving the counters (JSON)")
	_ = fs.Parse(args)
	pem, err := os.ReadFile(*ca)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("%s: no certificate", *ca)
	}
	p, err := regproxy.Start(regproxy.Config{Upstream: *upstream, RootCAs: pool, CertFile: *cert, KeyFile: *key})
	if err != nil {
		return err
	}
	fmt.Println(p.Host)
	dump := func() {
		if *stats == "" {
			return
		}
		b, _ := json.Marshal(p.Stats())
		if err := atomicfile.WriteFile(*stats, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	dump()
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	for s := range sig {
		switch s {
		case syscall.SIGUSR1:
			dump()
		case syscall.SIGUSR2:
			p.Reset()
			dump()
		default:
			dump()
			return p.Close()
		}
	}
	return nil
}

func addLayer(args []string) error {
	fs := flag.NewFlagSet("addlayer", flag.ExitOnError)
	src := fs.String("src", "", "OCI layout holding one image")
	dst := fs.String("dst", "", "OCI layout to create")
	size := fs.Int64("size", 8<<20, "bytes of random data in the new layer")
	_ = fs.Parse(args)
	lp, err := layout.FromPath(*src)
	if err != nil {
		return err
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	if len(im.Manifests) != 1 {
		return fmt.Errorf("%s: want one image, found %d", *src, len(im.Manifests))
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		return err
	}
	l, err := random.Layer(*size, types.OCILayer)
	if err != nil {
		return err
	}
	img2, err := mutate.AppendLayers(img, l)
	if err != nil {
		return err
	}
	out, err := layout.Write(*dst, empty.Index)
	if err != nil {
		return err
	}
	if err := out.AppendImage(img2); err != nil {
		return err
	}
	n, err := l.Size()
	if err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pushbench:", err)
	os.Exit(2)
}
