package sealedreexec

// GuardComm is the process name (/proc/PID/comm) of the RUN guard that the
// constructor leaves behind in buildah's "buildah-chroot-exec" step
// (OCL_GUARD_COMM in sealedreexec.c). The guard is a child subreaper above
// the RUN's command: when the command ends, or when the build above it dies
// (even by SIGKILL), it kills and reaps every process the RUN left, so no
// RUN outlives its build and its mount namespace (with the entitlement bind
// mount) goes away with it. Whoever stops a RUN from outside kills the
// processes below the guard, never the guard itself: it does the rest.
const GuardComm = "ocl-build-guard"

// GuardedArgv0 is the re-executed step that gets a guard: buildah's chroot
// isolation runs the RUN's command as the child of this one.
const GuardedArgv0 = "buildah-chroot-exec"
