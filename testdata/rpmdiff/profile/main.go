// Command profile runs one cold rpmdiff in-process under the CPU profiler
// (for tuning against bench/rpmdiff.bench.sh's floor).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/rpmdiff"
)

func main() {
	out := flag.String("cpuprofile", "/tmp/rpmdiff.pprof", "profile file")
	flag.Parse()
	opts := image.Options{Registry: registry.Options{AuthFile: os.Getenv("AUTH"), CertDir: os.Getenv("CERTS")}, CacheDir: "-"}
	f, _ := os.Create(*out)
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	r := rpmdiff.NewReader(opts)
	a, err := r.Read(context.Background(), flag.Arg(0))
	if err != nil {
		panic(err)
	}
	t1 := time.Now()
	b, err := r.Read(context.Background(), flag.Arg(1))
	if err != nil {
		panic(err)
	}
	t2 := time.Now()
	pprof.StopCPUProfile()
	fmt.Println(rpmdiff.Diff(a.Packages, b.Packages).Summary(), "A", t1.Sub(t0), "B", t2.Sub(t1))
}
