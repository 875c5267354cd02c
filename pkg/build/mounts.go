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

// stageMount copies src into a fresh directory under tmp and hands the
// copy to buildah as --volume copy:dst:z,rw, as the cluster's build script
// does; the copy keeps the admin's files safe from RUN steps that write to
// the mount. The cluster makes everything in the copy 0755, and so do we
// for repo files and GPG keys. The entitlement is a client key: its copy is
// 0600 files in 0700 directories (RUN steps run as root, so dnf still reads
// it; a step under a non-root USER cannot, which is the point).
func stageMount(tmp, src, dst string) (string, error) {
	dirMode, fileMode := os.FileMode(0o755), os.FileMode(0o755)
	if dst == EntitlementMountPoint {
		dirMode, fileMode = 0o700, 0o600
	}
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
			return os.Mkdir(to, dirMode)
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
			return copyFile(p, to, fileMode)
		case d.Type().IsRegular():
			return copyFile(p, to, fileMode)
		default:
			return fmt.Errorf("%s: not a regular file or directory", p)
		}
	})
	if err != nil {
		return "", fmt.Errorf("copying %s for %s: %w", src, dst, err)
	}
	// The top directory too (MkdirTemp made it 0700).
	if err := os.Chmod(dir, dirMode); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s:%s:z,rw", dir, dst), nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	// Created with at most the final mode, so no copy is ever wider.
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
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
	return os.Chmod(to, mode) // umask-proof
}
