package build

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"golang.org/x/sys/unix"

	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
)

// plantEnv makes the test binary act as the hostile second user: it
// watches a directory with inotify and, for every name that appears or
// vanishes there (other than the final name, which it plants once up
// front), puts a symlink to the victim file in its place, as fast as the
// kernel reports the event.
const plantEnv = "OCL_TEST_PLANT_DIR"

func init() {
	if os.Getenv(plantEnv) != "" {
		plantLinks(os.Getenv(plantEnv), os.Getenv("OCL_TEST_PLANT_FINAL"), os.Getenv("OCL_TEST_PLANT_VICTIM"))
		os.Exit(0)
	}
}

func plantLinks(dir, final, victim string) {
	fd, err := unix.InotifyInit1(0)
	if err == nil {
		_, err = unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_DELETE|unix.IN_MOVED_FROM)
	}
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		return
	}
	if err := os.Symlink(victim, filepath.Join(dir, final)); err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		return
	}
	os.Stdout.WriteString("ready\n")
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafePointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if name == "" || name == final {
				continue
			}
			p := filepath.Join(dir, name)
			if ev.Mask&unix.IN_CREATE != 0 {
				if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink != 0 {
					continue
				}
				os.Remove(p)
			}
			if os.Symlink(victim, p) == nil {
				os.Stdout.WriteString("planted " + name + "\n")
			}
		}
	}
}

// build --output oci-archive: into a directory another (unprivileged) user
// can write to, while that user plants symlinks to a root-owned file at
// the final name and at every name that appears or vanishes there: the
// root-owned file is never written, and the archive is a real file.
func TestOCIArchiveRaceWithSecondUser(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)

	// The test binary, readable and executable by nobody.
	exe, err := os.Executable()
	must(t, err)
	binDir, err := os.MkdirTemp("", "ocl-planter-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(binDir) })
	must(t, os.Chmod(binDir, 0o755))
	planter := filepath.Join(binDir, "planter")
	must(t, copyExecutable(exe, planter))

	victimDir := t.TempDir()
	must(t, os.Chmod(victimDir, 0o755))
	victim := filepath.Join(victimDir, "victim")
	must(t, os.WriteFile(victim, []byte("VICTIM"), 0o644))

	// Under /tmp itself: nobody cannot traverse t.TempDir()'s 0700 parent.
	out, err := os.MkdirTemp("", "ocl-archive-race-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(out) })
	must(t, os.Chmod(out, 0o755))
	must(t, os.Chown(out, 65534, 65534)) // nobody's directory
	final := "image.tar"

	cmd := exec.Command(planter)
	cmd.Env = []string{plantEnv + "=" + out, "OCL_TEST_PLANT_FINAL=" + final, "OCL_TEST_PLANT_VICTIM=" + victim}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("the planter did not start: %q", lines.Text())
	}
	planted := make(chan []string, 1)
	go func() {
		var p []string
		for lines.Scan() {
			p = append(p, lines.Text())
		}
		planted <- p
	}()
	if fi, err := os.Lstat(filepath.Join(out, final)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("nobody could not plant the link at the final name: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err = Build(ctx, Options{
		ContextDir: contextDir(t, "FROM "+reg.BaseImage+"\nLABEL io.ocl-build.test=archive-race\n"),
		Store:      testStore(t, DriverVFS), Registry: registry.Options{TLSVerify: types.OptionalBoolFalse},
		Tag: "localhost/ocl-build/archive-race:latest", OCIArchive: filepath.Join(out, final),
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the planter act on the last events
	cmd.Process.Kill()
	cmd.Wait()
	t.Logf("the second user's actions: %v", <-planted)

	if b, _ := os.ReadFile(victim); string(b) != "VICTIM" {
		t.Fatalf("root wrote through a planted link: the victim file now holds %d bytes", len(b))
	}
	fi, err := os.Lstat(filepath.Join(out, final))
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("%s: %v, %v; want the archive as a regular 0644 file", final, fi.Mode(), err)
	}
	f, err := os.Open(filepath.Join(out, final))
	must(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		seen[h.Name] = true
	}
	if !seen["index.json"] || !seen["oci-layout"] {
		t.Errorf("%s is not an OCI archive: %v", final, seen)
	}
}

func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
