/* SPDX-License-Identifier: ISC */
/*
 * rootfs.c - building a minimal root filesystem (see rootfs.h).
 *
 * DOC: what goes in, and where
 * Every file keeps its absolute path inside the tree, so the loader and
 * the libraries are found where they were linked. A file is copied to
 * its real path (realpath(3): no symlinks in it), and each name that
 * led to it (/usr/bin/sh for dash, /lib64/ld-linux-x86-64.so.2 for the
 * loader in /usr/lib...) becomes a symlink to that real path unless it
 * already resolves inside the tree. The host's top-level symlinks of a
 * merged /usr (/bin -> usr/bin, /lib -> usr/lib, ...) are mirrored as
 * relative links first. So everything berth creates in the tree is a
 * directory, a regular file, a relative link that stays inside the
 * tree, or a link at a file's own name: root never writes through a
 * link to the host. Files are replaced by rename, so rebuilding a tree
 * that containers use does not hit ETXTBSY, and skipped when size and
 * modification time already match.
 *
 * What a binary loads comes from the OS layer (ldd on Linux, otool -L
 * on macOS). Interpreted programs need their libraries too (python3's
 * /usr/lib/python3.X): ldd cannot see those, nor anything dlopen()ed
 * but glibc's NSS modules, which rootfs_linux.c adds.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "run.h"
#include "util.h"
#include "xmalloc.h"

#define ROOTFS_MAX_FILE	(1024LL * 1024 * 1024)

int
rootfs_run(char *const argv[], char **out, int *status, char **cause)
{
	struct run_spec	 sp = { .argv = argv, .search = RUN_PATH,
			    .fd = { RUN_INHERIT, RUN_PIPE, RUN_DEVNULL } };
	char		*buf = NULL;
	size_t		 len = 0;
	pid_t		 pid;
	int		 fd;

	*out = NULL;
	if ((pid = run_start(&sp, NULL, &fd, cause)) == -1)
		return -1;
	(void)run_pump(-1, fd, NULL, &buf, &len, 1);
	close(fd);
	if (run_wait(pid, status) == -1) {
		free(buf);
		return cause_set(cause, "%s: waitpid: %s", argv[0],
		    strerror(errno));
	}
	if (WIFEXITED(*status) && WEXITSTATUS(*status) == 127 && len == 0) {
		free(buf);
		return cause_set(cause, "cannot run %s", argv[0]);
	}
	*out = buf != NULL ? buf : xstrdup("");
	return 0;
}

void
rootfs_add(char ***paths, size_t *n, const char *p)
{
	*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
	(*paths)[(*n)++] = xstrdup(p);
}

/* Find bin through PATH unless it holds a slash. */
static char *
rootfs_which(const char *bin)
{
	const char	*path = getenv("PATH");
	char		*dirs, *d, *save = NULL, *full, abs[PATH_MAX];

	if (strchr(bin, '/') != NULL) {
		if (access(bin, R_OK) == -1)
			return NULL;
		if (*bin == '/')
			return xstrdup(bin);
		if (getcwd(abs, sizeof(abs)) == NULL)
			return NULL;
		xasprintf(&full, "%s/%s", abs, bin);
		return full;
	}
	dirs = xstrdup(path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		if (*d != '/')
			continue;	/* "." in PATH: not for root */
		xasprintf(&full, "%s/%s", d, bin);
		if (access(full, X_OK) == 0) {
			free(dirs);
			return full;
		}
		free(full);
	}
	free(dirs);
	return NULL;
}

/*
 * The directory that will hold path, resolved, must be dir or inside it:
 * a symlink in the tree (planted by whoever owns it, or by a container
 * running as root in it) must never lead root's writes out to the host.
 * Links that stay inside the tree (lib -> usr/lib) are fine.
 */
static int
rootfs_inside(const char *dir, const char *path, char **cause)
{
	char	*top = NULL, *parent, *slash, *real = NULL;
	size_t	 n;
	int	 rc = -1;

	parent = xstrdup(path);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	if ((top = realpath(dir, NULL)) == NULL ||
	    (real = realpath(parent, NULL)) == NULL) {
		cause_set(cause, "%s: %s", top == NULL ? dir : parent,
		    strerror(errno));
		goto out;
	}
	n = strlen(top);
	if (strcmp(top, "/") != 0 && (strncmp(real, top, n) != 0 ||
	    (real[n] != '\0' && real[n] != '/'))) {
		cause_set(cause, "%s: leads out of %s (a symlink?)", path, dir);
		goto out;
	}
	rc = 0;
out:
	free(top);
	free(real);
	free(parent);
	return rc;
}

static int
rootfs_mkdirs(const char *dir, const char *sub, char **cause)
{
	char	*path, *slash;
	int	 rc = 0;

	xasprintf(&path, "%s%s", dir, sub);
	if ((slash = strrchr(path, '/')) != NULL && slash != path)
		*slash = '\0';
	if (util_mkdir_p(path, 0755) == -1)
		rc = cause_set(cause, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* Copy the regular file real to dir/real, unless it is there already. */
static int
rootfs_copy_file(const char *dir, const char *real, char **cause)
{
	struct stat	 st, have;
	struct timeval	 tv[2];
	char		*dst, *tmp = NULL, buf[65536];
	ssize_t		 n;
	int		 in = -1, out = -1, rc = -1;

	xasprintf(&dst, "%s%s", dir, real);
	if ((in = open(real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &st) == -1) {
		cause_set(cause, "%s: %s", real, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ROOTFS_MAX_FILE) {
		cause_set(cause, "%s: not a regular file", real);
		goto out;
	}
	if (lstat(dst, &have) == 0 && S_ISREG(have.st_mode) &&
	    have.st_size == st.st_size && have.st_mtime == st.st_mtime) {
		rc = 0;
		goto out;
	}
	if (rootfs_mkdirs(dir, real, cause) == -1 ||
	    rootfs_inside(dir, dst, cause) == -1)
		goto out;
	xasprintf(&tmp, "%s.berth-%ld", dst, (long)getpid());
	(void)unlink(tmp);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		cause_set(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || write(out, buf, (size_t)n) != n) {
			cause_set(cause, "copying %s: %s", real,
			    strerror(errno));
			goto out;
		}
	}
	tv[0].tv_sec = st.st_atime;
	tv[1].tv_sec = st.st_mtime;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	/* no setuid bits inside a container's tree */
	if (fchmod(out, st.st_mode & 0777) == -1 || futimes(out, tv) == -1 ||
	    close(out) == -1 || rename(tmp, dst) == -1) {
		out = -1;
		cause_set(cause, "%s: %s", dst, strerror(errno));
		goto out;
	}
	out = -1;
	rc = 0;
out:
	if (out != -1)
		close(out);
	if (tmp != NULL && rc == -1)
		unlink(tmp);
	if (in != -1)
		close(in);
	free(tmp);
	free(dst);
	return rc;
}

/*
 * Copy path into the tree at its real path; make path itself a link to
 * it unless path already resolves inside the tree.
 */
static int
rootfs_copy(const char *dir, const char *path, char **cause)
{
	struct stat	 st;
	char		 real[PATH_MAX], *alias = NULL;
	int		 rc = -1;

	if (realpath(path, real) == NULL)
		return cause_set(cause, "%s: %s", path, strerror(errno));
	if (rootfs_copy_file(dir, real, cause) == -1)
		return -1;
	if (strcmp(path, real) == 0)
		return 0;
	xasprintf(&alias, "%s%s", dir, path);
	if (stat(alias, &st) == 0 || lstat(alias, &st) == 0) {
		rc = 0;		/* resolves, or a link of its own */
		goto out;
	}
	if (rootfs_mkdirs(dir, path, cause) == -1)
		goto out;
	if (symlink(real, alias) == -1 && errno != EEXIST) {
		cause_set(cause, "%s: %s", alias, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(alias);
	return rc;
}

/*
 * The host's merged-/usr links (/bin -> usr/bin), relative, with their
 * targets made so that they never dangle.
 */
static int
rootfs_toplinks(const char *dir, char **cause)
{
	static const char *const tops[] = { "bin", "sbin", "lib", "lib32",
	    "lib64", "libx32" };
	struct stat	 st;
	char		 host[64], target[PATH_MAX], *in, *to;
	const char	*t;
	ssize_t		 n;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < nitems(tops) && rc == 0; i++) {
		snprintf(host, sizeof(host), "/%s", tops[i]);
		if (lstat(host, &st) == -1 || !S_ISLNK(st.st_mode) ||
		    (n = readlink(host, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		for (t = target; *t == '/'; t++)
			;
		if (*t == '\0' || strstr(t, "..") != NULL)
			continue;	/* only "usr/bin"-like targets */
		xasprintf(&in, "%s/%s", dir, tops[i]);
		xasprintf(&to, "%s/%s", dir, t);
		if (util_mkdir_p(to, 0755) == -1 ||
		    (lstat(in, &st) == -1 && symlink(t, in) == -1))
			rc = cause_set(cause, "%s: %s", in, strerror(errno));
		free(in);
		free(to);
	}
	return rc;
}

static int
rootfs_file(const char *dir, const char *rel, const char *text,
    mode_t mode, char **cause)
{
	char	*path;
	int	 rc = 0;

	xasprintf(&path, "%s/%s", dir, rel);
	if (rootfs_inside(dir, path, cause) == -1)
		rc = -1;
	else if (util_write_file_atomic(path, text, strlen(text), mode) == -1)
		rc = cause_set(cause, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* passwd and group: root, nobody, and the user who runs the build. */
static int
rootfs_etc(const char *dir, char **cause)
{
	struct passwd	*pw;
	struct group	*gr;
	const char	*sudo = getenv("SUDO_UID");
	char		*passwd = NULL, *group = NULL, *resolv, *path;
	char		*u_pw = NULL, *u_gr = NULL;
	unsigned long	 uid = getuid();
	int		 rc = -1;

	xasprintf(&path, "%s/etc", dir);
	if (util_mkdir_p(path, 0755) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (sudo != NULL && util_parse_uint(sudo, 0x7fffffff, &uid) == -1)
		uid = getuid();
	if (uid != 0 && (pw = getpwuid((uid_t)uid)) != NULL &&
	    strcmp(pw->pw_name, "nobody") != 0) {
		xasprintf(&u_pw, "%s:x:%u:%u::%s:/bin/sh\n", pw->pw_name,
		    (unsigned int)pw->pw_uid, (unsigned int)pw->pw_gid,
		    pw->pw_dir);
		gr = getgrgid(pw->pw_gid);
		if (gr != NULL && pw->pw_gid != 0 && pw->pw_gid != 65534)
			xasprintf(&u_gr, "%s:x:%u:\n", gr->gr_name,
			    (unsigned int)gr->gr_gid);
	}
	xasprintf(&passwd, "root:x:0:0:root:/root:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n%s",
	    u_pw != NULL ? u_pw : "");
	xasprintf(&group, "root:x:0:\nnogroup:x:65534:\n%s",
	    u_gr != NULL ? u_gr : "");
	resolv = util_read_file("/etc/resolv.conf", 65536, NULL);
	if (rootfs_file(dir, "etc/passwd", passwd, 0644, cause) == -1 ||
	    rootfs_file(dir, "etc/group", group, 0644, cause) == -1 ||
	    rootfs_file(dir, "etc/hosts", "127.0.0.1\tlocalhost\n"
	    "::1\tlocalhost ip6-localhost ip6-loopback\n", 0644, cause) ==
	    -1 ||
	    rootfs_file(dir, "etc/resolv.conf", resolv != NULL ? resolv : "",
	    0644, cause) == -1 ||
	    rootfs_file(dir, "etc/nsswitch.conf", "passwd: files\n"
	    "group: files\nshadow: files\nhosts: files dns\n"
	    "networks: files\nprotocols: files\nservices: files\n", 0644,
	    cause) == -1)
		goto out;
	rc = 0;
out:
	free(resolv);
	free(passwd);
	free(group);
	free(u_pw);
	free(u_gr);
	return rc;
}

/* /dev/null, /dev/zero, /dev/urandom: the host's device numbers. */
static int
rootfs_devices(const char *dir, char **cause)
{
	static const char *const devs[] = { "null", "zero", "urandom" };
	struct stat	 st, have;
	char		*path, host[32];
	size_t		 i;
	int		 rc = 0;

	xasprintf(&path, "%s/dev", dir);
	if (util_mkdir_p(path, 0755) == -1)
		rc = cause_set(cause, "%s: %s", path, strerror(errno));
	free(path);
	for (i = 0; i < nitems(devs) && rc == 0; i++) {
		snprintf(host, sizeof(host), "/dev/%s", devs[i]);
		if (stat(host, &st) == -1 || !S_ISCHR(st.st_mode))
			return cause_set(cause, "%s: not a device", host);
		xasprintf(&path, "%s/dev/%s", dir, devs[i]);
		if (rootfs_inside(dir, path, cause) == -1) {
			free(path);
			return -1;
		}
		if (lstat(path, &have) == 0 && S_ISCHR(have.st_mode) &&
		    have.st_rdev == st.st_rdev) {
			free(path);
			continue;
		}
		unlink(path);
		if (mknod(path, S_IFCHR | 0666, st.st_rdev) == -1 ||
		    chmod(path, 0666) == -1)
			rc = cause_set(cause, "%s: %s%s", path, strerror(errno),
			    errno == EPERM ? " (device nodes need root)" : "");
		free(path);
	}
	return rc;
}

static int
rootfs_binary(const char *dir, const char *name, char **cause)
{
	char	*bin, **deps = NULL;
	size_t	 i, ndeps = 0;
	int	 rc = -1;

	if ((bin = rootfs_which(name)) == NULL)
		return cause_set(cause, "%s: not found%s", name,
		    strchr(name, '/') == NULL ? " in PATH" : "");
	if (rootfs_copy(dir, bin, cause) == -1 ||
	    rootfs_deps(bin, &deps, &ndeps, cause) == -1)
		goto out;
	for (i = 0; i < ndeps; i++) {
		if (rootfs_copy(dir, deps[i], cause) == -1)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < ndeps; i++)
		free(deps[i]);
	free(deps);
	free(bin);
	return rc;
}

int
rootfs_build(const char *dir, char **bins, size_t n, char **cause)
{
	char	 abs[PATH_MAX], *tmp;
	size_t	 i;
	int	 rc;

	if (n == 0)
		return cause_set(cause, "no binaries given");
	if (util_mkdir_p(dir, 0755) == -1)
		return cause_set(cause, "%s: %s", dir, strerror(errno));
	if (realpath(dir, abs) == NULL)
		return cause_set(cause, "%s: %s", dir, strerror(errno));
	if (strcmp(abs, "/") == 0)
		return cause_set(cause, "%s: that is the host's root", dir);
	if (rootfs_toplinks(abs, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (rootfs_binary(abs, bins[i], cause) == -1)
			return -1;
	}
	xasprintf(&tmp, "%s/tmp", abs);
	rc = util_mkdir_p(tmp, 01777) == -1 || chmod(tmp, 01777) == -1 ?
	    cause_set(cause, "%s: %s", tmp, strerror(errno)) : 0;
	free(tmp);
	if (rc == -1 || rootfs_etc(abs, cause) == -1 ||
	    rootfs_devices(abs, cause) == -1)
		return -1;
	return 0;
}
