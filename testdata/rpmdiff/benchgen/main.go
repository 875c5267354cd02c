// Command benchgen builds the RHCOS-scale rpmdiff benchmark and runs it:
// a base image of 40+ layers (≥ 1 GiB compressed) whose rpmdb (≥ 500
// packages, written by real rpm) sits in a middle layer, and a layered
// image on top, both pushed to the fixture world's TLS + htpasswd
// registry. It then times, alternating and in one run: ocl-build rpmdiff
// cold and warm, the peer pipeline (skopeo copy, extract, rpm -qa, diff),
// and the physical floor (fetch and decompress only the layers that must
// be read). Lives under testdata so `go build ./...` leaves it alone; run
// it through bench/rpmdiff.bench.sh.
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/transports/alltransports"
	ctypes "github.com/containers/image/v5/types"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/pgzip"
	"github.com/opencontainers/go-digest"

	"github.com/ocl-build/ocl-build/internal/fixture"
)

const genVersion = "1"

var (
	work     = flag.String("work", "", "directory for generated layers and RPMs (kept between runs)")
	bin      = flag.String("bin", "bin/ocl-build", "ocl-build binary")
	layers   = flag.Int("layers", 40, "base image layers")
	layerMiB = flag.Int("layer-mib", 26, "incompressible MiB per base layer")
	packages = flag.Int("packages", 520, "packages in the base rpmdb")
	runs     = flag.Int("runs", 3, "alternating runs of the cold measurements")
	warmRuns = flag.Int("warm-runs", 5, "runs of the warm measurement")
	peerRuns = flag.Int("peer-runs", 1, "runs of the peer pipeline (slow)")
	serve    = flag.Bool("serve", false, "only push the images, print how to reach them, and keep the registry up until stdin closes")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func sh(dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// spec writes one spec whose subpackages are the given name→version pairs.
func spec(path string, pkgs [][2]string) error {
	var b strings.Builder
	b.WriteString("Name: bench-meta\nVersion: 1\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n%description\nbench\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "%%package -n %s\nVersion: %s\nSummary: %s\n%%description -n %s\nbench package\n%%files -n %s\n", p[0], p[1], p[0], p[0], p[0])
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// rpmdbs builds real RPMs with rpmbuild and registers them with rpm
// --justdb: base.db has n packages, layered.db upgrades 10 and adds 15.
func rpmdbs(dir string, n int) (string, string, error) {
	baseDB, layDB := filepath.Join(dir, "db-base"), filepath.Join(dir, "db-layered")
	if _, err := os.Stat(filepath.Join(layDB, ".done")); err == nil {
		return baseDB, layDB, nil
	}
	os.RemoveAll(dir)
	top := filepath.Join(dir, "rpmbuild")
	var base, upd [][2]string
	for i := 0; i < n; i++ {
		base = append(base, [2]string{fmt.Sprintf("bench-pkg-%03d", i), "1.0"})
	}
	for i := 0; i < 10; i++ {
		upd = append(upd, [2]string{fmt.Sprintf("bench-pkg-%03d", i), "1.1"})
	}
	for i := 0; i < 15; i++ {
		upd = append(upd, [2]string{fmt.Sprintf("bench-new-%02d", i), "2.0"})
	}
	for name, ps := range map[string][][2]string{"base": base, "upd": upd} {
		os.MkdirAll(filepath.Join(top, name), 0o755)
		sp := filepath.Join(dir, name+".spec")
		if err := spec(sp, ps); err != nil {
			return "", "", err
		}
		if err := sh(dir, "rpmbuild", "-bb", "--quiet", "--define", "_topdir "+filepath.Join(top, name), sp); err != nil {
			return "", "", err
		}
	}
	install := func(db, mode string, glob string) error {
		rpms, _ := filepath.Glob(glob)
		sort.Strings(rpms)
		args := append([]string{"--dbpath", db, "--define", "_db_backend sqlite", mode, "--justdb", "--nodeps", "--noscripts", "--nosignature", "--nodigest"}, rpms...)
		return sh(dir, "rpm", args...)
	}
	os.MkdirAll(baseDB, 0o755)
	if err := install(baseDB, "-i", filepath.Join(top, "base/RPMS/noarch/bench-pkg-*.rpm")); err != nil {
		return "", "", err
	}
	if err := sh(dir, "cp", "-a", baseDB+"/.", layDB); err != nil {
		return "", "", err
	}
	if err := install(layDB, "-U", filepath.Join(top, "upd/RPMS/noarch/bench-*.rpm")); err != nil {
		return "", "", err
	}
	return baseDB, layDB, os.WriteFile(filepath.Join(layDB, ".done"), nil, 0o644)
}

type fileEnt struct {
	name string
	data []byte
	link string
}

func tarBytes(ents []fileEnt) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.data)), ModTime: time.Unix(1700000000, 0)}
		if e.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		must(tw.WriteHeader(h))
		tw.Write(e.data)
	}
	must(tw.Close())
	return buf.Bytes()
}

// gzLayer writes (once) a gzip layer file and opens it as a layer.
func gzLayer(path string, content func() []byte) (v1.Layer, error) {
	if _, err := os.Stat(path); err != nil {
		var buf bytes.Buffer
		zw, _ := pgzip.NewWriterLevel(&buf, pgzip.BestSpeed)
		zw.Write(content())
		zw.Close()
		if err := os.WriteFile(path+".tmp", buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return nil, err
		}
	}
	return tarball.LayerFromFile(path, tarball.WithMediaType(types.OCILayer))
}

func dbEnts(dir, at string) []fileEnt {
	var out []fileEnt
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "rpmdb.sqlite") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			must(err)
			out = append(out, fileEnt{name: at + "/" + e.Name(), data: b})
		}
	}
	return out
}

func images(dir string) (base, layered v1.Image, dbLayer int, err error) {
	baseDB, layDB, err := rpmdbs(filepath.Join(dir, "rpms"), *packages)
	if err != nil {
		return nil, nil, 0, err
	}
	ldir := filepath.Join(dir, fmt.Sprintf("layers-v%s-%dx%d-%d", genVersion, *layers, *layerMiB, *packages))
	os.MkdirAll(ldir, 0o755)
	dbLayer = *layers / 2
	var ls []v1.Layer
	for i := 0; i < *layers; i++ {
		i := i
		l, err := gzLayer(filepath.Join(ldir, fmt.Sprintf("%02d.tar.gz", i)), func() []byte {
			r := rand.New(rand.NewChaCha8([32]byte{byte(i), 'o', 'c', 'l'}))
			blob := make([]byte, *layerMiB<<20)
			for j := 0; j+8 <= len(blob); j += 8 {
				v := r.Uint64()
				for k := 0; k < 8; k++ {
					blob[j+k] = byte(v >> (8 * k))
				}
			}
			ents := []fileEnt{{name: fmt.Sprintf("usr/lib/bench/blob-%02d", i), data: blob}}
			// small files too, so tar headers are not all there is
			for k := 0; k < 200; k++ {
				ents = append(ents, fileEnt{name: fmt.Sprintf("usr/share/bench/%02d/f%03d", i, k), data: []byte(fmt.Sprintf("file %d %d\n", i, k))})
			}
			if i == 0 {
				ents = append(ents, fileEnt{name: "var/lib/rpm", link: "../../usr/share/rpm"},
					fileEnt{name: "usr/lib/os-release", data: []byte("NAME=\"Bench CoreOS\"\nID=rhcos\nVERSION_ID=4.19\n")})
			}
			if i == dbLayer {
				ents = append(ents, dbEnts(baseDB, "usr/share/rpm")...)
			}
			return tarBytes(ents)
		})
		if err != nil {
			return nil, nil, 0, err
		}
		ls = append(ls, l)
	}
	mk := func(ls []v1.Layer) v1.Image {
		img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), ls...)
		must(err)
		return img
	}
	base = mk(ls)
	top, err := gzLayer(filepath.Join(ldir, "layered-db.tar.gz"), func() []byte { return tarBytes(dbEnts(layDB, "usr/share/rpm")) })
	if err != nil {
		return nil, nil, 0, err
	}
	noise, err := gzLayer(filepath.Join(ldir, "layered-noise.tar.gz"), func() []byte {
		return tarBytes([]fileEnt{{name: "etc/auto.master", data: []byte("/misc /etc/auto.misc\n")}})
	})
	if err != nil {
		return nil, nil, 0, err
	}
	layered = mk(append(append([]v1.Layer{}, ls...), top, noise))
	return base, layered, dbLayer, nil
}

type sample struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

// timed runs a command under GNU time for its peak RSS: the rusage Go
// gets from wait4 would include this (large) process's RSS, inherited
// through vfork+exec.
func timed(env []string, name string, args ...string) (sample, string, error) {
	rss, err := os.CreateTemp("", "bench-rss-")
	if err != nil {
		return sample{}, "", err
	}
	rss.Close()
	defer os.Remove(rss.Name())
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rss.Name(), name}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	err = cmd.Run()
	s := sample{wall: time.Since(t0)}
	if b, e := os.ReadFile(rss.Name()); e == nil {
		fmt.Sscan(lastLine(string(b)), &s.maxRSS)
	}
	if err != nil {
		return s, "", fmt.Errorf("%s: %v\n%s", name, err, errb.String())
	}
	return s, out.String(), nil
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

func median(ss []sample) sample {
	sort.Slice(ss, func(i, j int) bool { return ss[i].wall < ss[j].wall })
	m := ss[len(ss)/2]
	for _, s := range ss {
		if s.maxRSS > m.maxRSS {
			m.maxRSS = s.maxRSS // report the worst peak
		}
	}
	return m
}

const peerScript = `set -euo pipefail
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
for side in a b; do
  ref=$A; [ $side = b ] && ref=$B
  skopeo copy -q --authfile "$AUTH" --src-cert-dir "$CERTS" "docker://$ref" "dir:$t/$side"
  mkdir "$t/$side-root"
  for l in $(jq -r '.layers[].digest' "$t/$side/manifest.json"); do
    tar -xzf "$t/$side/${l#sha256:}" -C "$t/$side-root"
  done
  rm -rf "$t/$side"
  rpm -qa --dbpath "$t/$side-root/usr/share/rpm" --qf '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\n' | sort > "$t/$side.txt"
  rm -rf "$t/$side-root"
done
diff "$t/a.txt" "$t/b.txt" > "$t/diff.txt" || true
grep -c '^[<>]' "$t/diff.txt"
`

func run() error {
	if *work == "" {
		d, _ := os.UserCacheDir()
		*work = filepath.Join(d, "ocl-build", "bench-rpmdiff")
	}
	binAbs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	os.MkdirAll(*work, 0o755)
	fmt.Fprintln(os.Stderr, "benchgen: building images (cached in", *work+")")
	base, layered, dbLayer, err := images(*work)
	if err != nil {
		return err
	}
	w, stop, err := fixture.StartProcess("")
	if err != nil {
		return err
	}
	defer stop()
	refA := w.ReleaseRegistry + "/bench/rhcos:base"
	refB := w.ReleaseRegistry + "/bench/rhcos:layered"
	for ref, img := range map[string]v1.Image{refA: base, refB: layered} {
		tag, err := name.NewTag(ref)
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "benchgen: pushing", ref)
		if err := remote.Write(tag, img, w.RemoteOptions(false)...); err != nil {
			return err
		}
	}
	if *serve {
		fmt.Printf("A=docker://%s B=docker://%s AUTH=%s CERTS=%s\n", refA, refB, w.MergedSecretFile, w.CertDir)
		io.Copy(io.Discard, os.Stdin)
		return nil
	}
	var total int64
	ls, _ := base.Layers()
	for _, l := range ls {
		s, _ := l.Size()
		total += s
	}
	// The floor: top of each image down to its rpmdb layer, shared once:
	// layered's two new layers plus base's layers dbLayer..top.
	lsB, _ := layered.Layers()
	need := append([]v1.Layer{lsB[len(lsB)-1], lsB[len(lsB)-2]}, ls[dbLayer:]...)
	var needBytes int64
	for _, l := range need {
		s, _ := l.Size()
		needBytes += s
	}
	// The floor: containers/image fetch + the same gzip decompressor, no
	// tar parsing, nothing else; one image source per image.
	sys := &ctypes.SystemContext{AuthFilePath: w.MergedSecretFile, DockerCertPath: w.CertDir}
	floor := func() (sample, error) {
		t0 := time.Now()
		var srcs []ctypes.ImageSource
		for _, ref := range []string{refB, refA} {
			ir, err := alltransports.ParseImageName("docker://" + ref)
			if err != nil {
				return sample{}, err
			}
			src, err := ir.NewImageSource(context.Background(), sys)
			if err != nil {
				return sample{}, err
			}
			defer src.Close()
			srcs = append(srcs, src)
		}
		for i, l := range need {
			d, _ := l.Digest()
			src := srcs[1]
			if i < 2 {
				src = srcs[0]
			}
			rc, _, err := src.GetBlob(context.Background(), ctypes.BlobInfo{Digest: digest.Digest(d.String()), Size: -1}, none.NoCache)
			if err != nil {
				return sample{}, err
			}
			zr, err := pgzip.NewReader(rc)
			if err != nil {
				return sample{}, err
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				return sample{}, err
			}
			rc.Close()
		}
		return sample{wall: time.Since(t0)}, nil
	}
	// The same with go-containerregistry, which also verifies each layer's
	// sha256 while reading (ocl-build does not re-hash layers).
	floorVerified := func() (sample, error) {
		t0 := time.Now()
		var remotes []v1.Image
		for _, ref := range []string{refB, refA} {
			r, err := name.ParseReference(ref)
			if err != nil {
				return sample{}, err
			}
			img, err := remote.Image(r, w.RemoteOptions(false)...)
			if err != nil {
				return sample{}, err
			}
			remotes = append(remotes, img)
		}
		for i, l := range need {
			d, _ := l.Digest()
			src := remotes[1]
			if i < 2 {
				src = remotes[0]
			}
			rl, err := src.LayerByDigest(d)
			if err != nil {
				return sample{}, err
			}
			rc, err := rl.Compressed()
			if err != nil {
				return sample{}, err
			}
			zr, err := pgzip.NewReader(rc)
			if err != nil {
				return sample{}, err
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				return sample{}, err
			}
			rc.Close()
		}
		return sample{wall: time.Since(t0)}, nil
	}
	cache, _ := os.MkdirTemp("", "bench-rpmdiff-cache-")
	defer os.RemoveAll(cache)
	env := []string{"XDG_CACHE_HOME=" + cache}
	ocl := func() (sample, string, error) {
		return timed(env, binAbs, "rpmdiff", "--quiet", "--authfile", w.MergedSecretFile, "--cert-dir", w.CertDir, "docker://"+refA, "docker://"+refB)
	}
	peerEnv := []string{"A=" + refA, "B=" + refB, "AUTH=" + w.MergedSecretFile, "CERTS=" + w.CertDir}
	var cold, warm, peer, fl, flv []sample
	var oclOut, peerOut string
	for i := 0; i < *runs; i++ {
		os.RemoveAll(cache)
		os.MkdirAll(cache, 0o700)
		s, out, err := ocl()
		if err != nil {
			return err
		}
		cold, oclOut = append(cold, s), out
		f, err := floor()
		if err != nil {
			return err
		}
		fl = append(fl, f)
		fv, err := floorVerified()
		if err != nil {
			return err
		}
		flv = append(flv, fv)
		if i < *peerRuns {
			s, out, err := timed(peerEnv, "bash", "-c", peerScript)
			if err != nil {
				return err
			}
			peer, peerOut = append(peer, s), out
		}
		fmt.Fprintf(os.Stderr, "benchgen: run %d: cold %v floor %v\n", i+1, cold[i].wall.Round(time.Millisecond), f.wall.Round(time.Millisecond))
	}
	for i := 0; i < *warmRuns; i++ {
		s, _, err := ocl()
		if err != nil {
			return err
		}
		warm = append(warm, s)
	}
	c, wm, p, f, fv := median(cold), median(warm), median(peer), median(fl), median(flv)
	res := map[string]any{
		"baseLayers": len(ls), "baseCompressedBytes": total, "rpmdbLayer": dbLayer, "basePackages": *packages,
		"layersToRead": len(need), "bytesToRead": needBytes,
		"oclColdSeconds": c.wall.Seconds(), "oclWarmSeconds": wm.wall.Seconds(), "peerSeconds": p.wall.Seconds(),
		"floorSeconds": f.wall.Seconds(), "floorVerifiedSeconds": fv.wall.Seconds(), "oclColdMaxRSSKiB": c.maxRSS, "oclWarmMaxRSSKiB": wm.maxRSS, "peerMaxRSSKiB": p.maxRSS,
		"speedupVsPeer": p.wall.Seconds() / c.wall.Seconds(), "coldOverFloor": c.wall.Seconds() / f.wall.Seconds(),
		"oclSummary": strings.TrimSpace(oclOut), "peerChangedLines": strings.TrimSpace(peerOut),
	}
	fmt.Printf("rpmdiff benchmark: base %d layers, %.2f GiB compressed, %d packages, rpmdb in layer %d; must read %d layers (%.0f MiB)\n",
		len(ls), float64(total)/(1<<30), *packages, dbLayer, len(need), float64(needBytes)/(1<<20))
	fmt.Printf("%-34s %10s %12s\n", "", "median s", "peak RSS MB")
	fmt.Printf("%-34s %10.2f %12.1f\n", "ocl-build rpmdiff (cold)", c.wall.Seconds(), float64(c.maxRSS)/1024)
	fmt.Printf("%-34s %10.3f %12.1f\n", "ocl-build rpmdiff (warm)", wm.wall.Seconds(), float64(wm.maxRSS)/1024)
	fmt.Printf("%-34s %10.2f %12.1f\n", "peer: skopeo copy+extract+rpm -qa", p.wall.Seconds(), float64(p.maxRSS)/1024)
	fmt.Printf("%-34s %10.2f %12s\n", "floor: fetch+gunzip needed layers", f.wall.Seconds(), "-")
	fmt.Printf("%-34s %10.2f %12s\n", "  same + sha256 verify (ggcr)", fv.wall.Seconds(), "-")
	fmt.Printf("speedup vs peer %.1fx (target >= 10x); cold/floor %.2f (target <= 1.3); warm %.3fs (target < 0.5s); peak RSS %.0f MB (target < 150)\n",
		res["speedupVsPeer"], res["coldOverFloor"], wm.wall.Seconds(), float64(max(c.maxRSS, wm.maxRSS))/1024)
	fmt.Printf("ocl-build: %s | peer: %s changed lines\n", res["oclSummary"], res["peerChangedLines"])
	b, _ := json.Marshal(res)
	fmt.Println("json:", string(b))
	return nil
}
