// See doc.go for why this exists. Written for the child side of the
// protocol of containers/storage v1.57 pkg/unshare (Cmd.Start is the parent
// side); the package's tests check the two still agree.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

// Must equal SealedExeName in sealedreexec.go (the tests check).
#define OCL_SEALED_EXE_NAME "ocl-build-sealed-exe"

#ifndef F_GET_SEALS
#define F_GET_SEALS (1024 + 10)
#endif
#define OCL_SEALS_ALL (0x0001 | 0x0002 | 0x0004 | 0x0008) /* SEAL, SHRINK, GROW, WRITE */

extern char **environ;

// ocl_env_int reads one of the _Containers-* variables and removes it, so
// that containers/storage's own constructor, running after this one, finds
// nothing to do. Absent: -1.
static long ocl_env_int(const char *name)
{
	const char *v = getenv(name);
	char *end = NULL;
	long n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0') {
		fprintf(stderr, "ocl-build: bad value %s=%s\n", name, v);
		_exit(1);
	}
	unsetenv(name);
	return n;
}

static void ocl_die(const char *what)
{
	fprintf(stderr, "ocl-build: %s: %m\n", what);
	_exit(1);
}

static int ocl_fully_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS); // EINVAL on anything but a memfd
	return seals >= 0 && (seals & OCL_SEALS_ALL) == OCL_SEALS_ALL;
}

// ocl_exe_is_sealed_copy: is this process already running from a memfd that
// can never be written again? That is what the storage library's re-exec
// would produce, so another copy protects nothing more.
static int ocl_exe_is_sealed_copy(void)
{
	int fd, ok;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ok = ocl_fully_sealed(fd);
	close(fd);
	return ok;
}

// ocl_parent_copy opens the sealed copy of this executable that the parent
// (pkg/build, once per build) holds open, or returns -1. Its size must match
// our own executable's.
static int ocl_parent_copy(void)
{
	char dir[64], link[PATH_MAX], path[PATH_MAX + 64];
	const char *want = "/memfd:" OCL_SEALED_EXE_NAME " ";
	struct stat self, st;
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int fd = -1;

	if (stat("/proc/self/exe", &self) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int) getppid());
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while (fd < 0 && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, want, strlen(want)) != 0)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ocl_fully_sealed(fd) || fstat(fd, &st) != 0 || st.st_size != self.st_size) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

// ocl_cmdline returns our own argv, read back from /proc/self/cmdline (as
// the storage library does; constructors get no portable argv).
static char **ocl_cmdline(void)
{
	size_t cap = 4096, len = 0, argc = 0, i;
	char *buf = malloc(cap), **argv;
	ssize_t n;
	int fd;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || buf == NULL)
		ocl_die("reading /proc/self/cmdline");
	for (;;) {
		if (len == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			ocl_die("reading /proc/self/cmdline");
		n = read(fd, buf + len, cap - len);
		if (n < 0)
			ocl_die("reading /proc/self/cmdline");
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			argc++;
	argv = calloc(argc + 1, sizeof(char *));
	if (argv == NULL)
		ocl_die("reading /proc/self/cmdline");
	for (i = 0, argc = 0; i < len; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	return argv;
}


// The RUN guard (see guard.go). buildah's chroot isolation starts the RUN's
// command from "buildah-chroot-exec" with a parent-death signal, but only
// that one process has it: whatever the command forks (a shell's children,
// dnf's scriptlets, a daemon that called setsid) is reparented to init when
// the build dies and keeps the RUN's mount namespace, with the entitlement
// bind mount, alive. So buildah-chroot-exec forks once before Go starts: the
// child runs buildah's code as before, the original process stays behind as
// a child subreaper, every orphan of the RUN comes back to it, and when the
// RUN ends, or the build above it dies, it kills and reaps all of them
// before it exits with the RUN's status.

// Must equal GuardComm in guard.go (the tests check).
#define OCL_GUARD_COMM "ocl-build-guard"
#define OCL_GUARDED_ARGV0 "buildah-chroot-exec"

static int ocl_argv0_is(const char *want)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

// ocl_kill_children SIGKILLs every current child of this process.
static void ocl_kill_children(void)
{
	char path[64], buf[512], *p;
	struct dirent *de;
	pid_t self = getpid();
	long ppid;
	ssize_t n;
	DIR *d;
	int fd;

	d = opendir("/proc");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		p = strrchr(buf, ')');
		if (p == NULL || sscanf(p + 1, " %*c %ld", &ppid) != 1)
			continue;
		if (ppid == self)
			kill((pid_t) atol(de->d_name), SIGKILL);
	}
	closedir(d);
}

// ocl_guard_loop never returns: it waits for the RUN (child) to end or for
// its own parent to go, then kills and reaps every process left below it.
static void ocl_guard_loop(pid_t child, pid_t parent, sigset_t *set)
{
	struct timespec tick = {1, 0};
	int status = 0, have_status = 0, orphaned = 0, sig, st;
	siginfo_t si;
	pid_t pid;

	for (;;) {
		sig = sigtimedwait(set, &si, &tick);
		if (getppid() != parent) {
			orphaned = 1;
			break;
		}
		if (sig == SIGCHLD || sig < 0) {
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				if (pid == child) {
					status = st;
					have_status = 1;
				}
			}
			if (have_status)
				break;
			continue;
		}
		// A signal buildah forwarded to us, meant for the RUN.
		kill(child, sig);
	}
	if (orphaned)
		kill(child, SIGKILL);
	for (;;) {
		ocl_kill_children();
		pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; // ECHILD: nothing is left below us
		}
		if (pid == child && !have_status) {
			status = st;
			have_status = 1;
		}
	}
	if (orphaned || !have_status)
		_exit(1);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		sigprocmask(SIG_UNBLOCK, set, NULL);
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

static void ocl_guard(void)
{
	sigset_t set, old;
	pid_t parent, child;
	int fd;

	if (getenv("_Containers-unshare") != NULL || !ocl_argv0_is(OCL_GUARDED_ARGV0))
		return;
	parent = getppid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return; // no guard: buildah's own parent-death signals still apply
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, &old);
	child = fork();
	if (child < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		return;
	}
	if (child == 0) {
		// The RUN side: buildah's code, dying with the guard.
		pid_t guard = getppid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != guard)
			_exit(1);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	// The guard: told by SIGHUP (instead of buildah's SIGKILL) when the
	// process above dies, so it can clean up first.
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	prctl(PR_SET_NAME, OCL_GUARD_COMM);
	for (fd = 3; fd < 1024; fd++)
		close(fd); // the RUN's pipes are the child's business
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		// Nothing more is written; a reader's pipe must not wait on us.
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	ocl_guard_loop(child, parent, &set);
}

// Priority 101 runs before the storage library's default-priority
// constructor. When it applies, it does that constructor's work in the same
// order, and either skips the clone (we already run from a sealed copy) or
// executes the parent's sealed copy instead of making one; otherwise it
// leaves everything to the library.
__attribute__((constructor(101))) static void ocl_sealed_reexec(void)
{
	const char *raw = getenv("_Containers-unshare");
	long flags, fd;
	int exe = -1;
	char buf[256];
	int n, len;

	if (raw == NULL) {
		ocl_guard(); // not a child started by unshare.Cmd (or past it)
		return;
	}
	if (strtol(raw, NULL, 10) & CLONE_NEWUSER)
		return; // ID-mapped children: keep the library's own path
	if (!ocl_exe_is_sealed_copy() && (exe = ocl_parent_copy()) < 0)
		return; // nothing sealed at hand: the library copies the binary
	flags = ocl_env_int("_Containers-unshare");

	// The parent learns our PID, then closes the continue pipe, or writes
	// an error into it.
	fd = ocl_env_int("_Containers-pid-pipe");
	if (fd >= 0) {
		len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long) getpid());
		if (write((int) fd, buf, len) != len)
			ocl_die("writing PID to the pid pipe");
		close((int) fd);
	}
	fd = ocl_env_int("_Containers-continue-pipe");
	if (fd >= 0) {
		n = read((int) fd, buf, sizeof(buf));
		if (n > 0) {
			fprintf(stderr, "Error: %.*s\n", n, buf);
			_exit(1);
		}
		close((int) fd);
	}
	if (ocl_env_int("_Containers-setsid") == 1 && setsid() == -1)
		ocl_die("setsid");
	if (ocl_env_int("_Containers-setpgrp") == 1 && setpgrp() == -1)
		ocl_die("setpgrp");
	fd = ocl_env_int("_Containers-ctty");
	if (fd >= 0 && ioctl((int) fd, TIOCSCTTY, 0) == -1)
		ocl_die("setting the controlling terminal");
	if (flags != 0 && unshare((int) flags) == -1)
		ocl_die("unshare");
	if (exe >= 0) {
		fexecve(exe, ocl_cmdline(), environ);
		ocl_die("executing the sealed copy");
	}
	ocl_guard();
}
