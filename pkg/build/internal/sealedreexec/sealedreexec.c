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
#include <sys/ioctl.h>
#include <sys/stat.h>
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

	if (raw == NULL)
		return; // not a child started by unshare.Cmd
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
}
