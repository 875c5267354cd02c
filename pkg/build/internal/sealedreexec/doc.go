// Package sealedreexec removes the second of the two full copies of the
// executable that every RUN step under chroot isolation used to cost.
//
// buildah runs each RUN through two nested re-executions of this binary
// (containers/storage pkg/unshare). In each child, the storage library's C
// constructor protects the binary on disk from the container (the runc
// CVE-2019-5736 defence) by copying /proc/self/exe into a sealed memfd and
// re-executing that. The first hop has no mount namespace, so it always
// copies; the second hop tries a read-only bind mount first, but its
// /proc/self/exe is by then the first hop's memfd, which cannot be bind
// mounted, so it copies again. With an 80 MB binary that is ~0.08 s per copy,
// two per RUN, read 2 KiB at a time.
//
// Importing this package links a constructor that runs before the storage
// library's: when the child already runs from a fully sealed memfd (the
// first hop's copy), it performs the library's child-side handshake itself
// (PID pipe, continue pipe, setsid, setpgrp, controlling terminal, unshare)
// and skips the clone, which would only copy one sealed, unwritable image
// into another. The on-disk binary stays exactly as protected as before: the
// first hop still copies it. Children with user-namespace mappings, and any
// child not running from a sealed memfd, are left to the library untouched.
//
// The handshake mirrors containers/storage v1.57 (pinned in go.mod); the
// tests in this package fail if the two ever disagree.
package sealedreexec

import "C"
