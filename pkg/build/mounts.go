package build

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Where the operator mounts its optional secrets and config maps into every
// RUN of the on-cluster build (buildrequest's build script, 4.19).
const (
	EntitlementMountPoint = "/etc/pki/entitlement"
	YumReposMountPoint    = "/etc/yum.repos.d"
	RPMGPGMountPoint      = "/etc/pki/rpm-gpg"
)

// stageMount copies src into a fresh 0700 directory under tmp and makes
// everything in the copy 0755, as the cluster's build script does before
// handing the copy to buildah with --volume copy:dst:z,rw. The copy keeps the
// admin's files safe from RUN steps that write to the mount.
func stageMount(tmp, src, dst string) (string, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("mount for %s: %w", dst, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("mount for %s: %s is not a directory", dst, src)
	}
	dir, err := os.MkdirTemp(tmp, "mount-")
	if err != nil {
		return "", err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dir, rel)
		switch {
		case d.IsDir():
			if rel == "." {
				return nil
			}
			return os.Mkdir(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			// Config maps and secrets arrive as files; follow links the
			// way `cp -r` of a kubelet volume would see them.
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			if fi.IsDir() {
				return fmt.Errorf("%s: symlink to a directory is not supported", p)
			}
			return copyFile(p, to)
		case d.Type().IsRegular():
			return copyFile(p, to)
		default:
			return fmt.Errorf("%s: not a regular file or directory", p)
		}
	})
	if err != nil {
		return "", fmt.Errorf("copying %s for %s: %w", src, dst, err)
	}
	// The top directory too: RUN steps may run as any user.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s:%s:z,rw", dir, dst), nil
}

func copyFile(from, to string) error {
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
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(to, 0o755) // umask-proof
}
