// Command regproxy runs the counting proxy for bench/push.bench.sh: it
// prints its host:port on stdout and serves until SIGTERM; SIGUSR1 writes
// the counters as JSON to the file named by -stats, SIGUSR2 zeroes them
// first (and the file is written at exit too).
package main

import (
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/push/internal/regproxy"
)

func main() {
	upstream := flag.String("upstream", "", "registry host:port (HTTPS)")
	ca := flag.String("ca", "", "CA file verifying the registry")
	cert := flag.String("cert", "", "TLS certificate to serve")
	key := flag.String("key", "", "TLS key to serve")
	stats := flag.String("stats", "", "file receiving the counters (JSON) on SIGUSR1 and at exit")
	flag.Parse()
	pem, err := os.ReadFile(*ca)
	if err != nil {
		fail(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail(fmt.Errorf("%s: no certificate", *ca))
	}
	p, err := regproxy.Start(regproxy.Config{Upstream: *upstream, RootCAs: pool, CertFile: *cert, KeyFile: *key})
	if err != nil {
		fail(err)
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
			_ = p.Close()
			return
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "regproxy:", err)
	os.Exit(2)
}
