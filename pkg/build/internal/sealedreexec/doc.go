// Package sealedreexec lets every RUN step under chroot isolation start from
// one sealed copy of the executable made once per build, instead of two
// copies made per RUN.
//
// buildah runs each RUN through two nested re-executions of this binary
// (containers/storage pkg/unshare). In each child, the storage library's C
// constructor protects the binary on disk from the container (the runc
// CVE-2019-5736 defence) by copying /proc/self/exe, 2 KiB at a time, into a
// sealed memfd and re-executing that. The first hop has no mount namespace,
// so it always copies; the second hop tries a read-only bind mount first,
// but its /proc/self/exe is by then the first hop's memfd, which cannot be
// bind mounted, so it copies again: ~0.08 s per copy for an 80 MB binary,
// two per RUN.
//
// Copy makes the sealed copy once; Build keeps it open while it runs.
// Importing the package links a constructor that runs before the storage
// library's in every child it starts. When the child already runs from a
// fully sealed memfd, or its parent holds a sealed copy of this same
// executable, the constructor performs the library's child-side handshake
// itself (PID pipe, continue pipe, setsid, setpgrp, controlling terminal,
// unshare) and then executes that sealed copy instead of making a new one.
// No child ever runs from the file on disk, so the protection is the one the
// library gives. Children with user-namespace mappings, or with nothing
// sealed at hand, are left to the library untouched.
//
// The handshake mirrors containers/storage v1.57 (pinned in go.mod); the
// package's tests run it through the library's own unshare.Cmd and fail if
// the two ever disagree.
package sealedreexec

import "C"
