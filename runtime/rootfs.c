/* SPDX-License-Identifier: ISC */
/*
 * rootfs.c - building a minimal root filesystem (see rootfs.h).
 *
 * DOC: what goes in
 * Each binary keeps its absolute path inside the tree, and so does each
 * library the OS layer lists for it (ldd on Linux, otool -L on macOS),
 * so the loader finds them where they were linked. Symlinks among them
 * are copied as files: the tree needs no link targets. /etc holds just
 * enough for name lookups of users and hosts; berth run writes hosts and
 * resolv.conf again for each container.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "util.h"
#include "xmalloc.h"

/* Find bin through PATH unless it holds a slash. */
static char *
rootfs_which(const char *bin)
{
	const char	*path = getenv("PATH");
	char		*dirs, *d, *save = NULL, *full;

	if (strchr(bin, '/') != NULL)
		return access(bin, X_OK) == 0 ? realpath(bin, NULL) : NULL;
	dirs = xstrdup(path != NULL ? path : "/usr/bin:/bin");
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
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

/* Copy file src to dir/src (the same absolute path inside the tree). */
static int
rootfs_copy(const char *dir, const char *src, char **cause)
{
	struct stat	 st;
	char		*dst, *parent, *slash, *buf;
	size_t		 len;
	int		 rc = -1;

	if (stat(src, &st) == -1)
		return cause_set(cause, "%s: %s", src, strerror(errno));
	xasprintf(&dst, "%s%s", dir, src);
	parent = xstrdup(dst);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	if (util_mkdir_p(parent, 0755) == -1) {
		cause_set(cause, "%s: %s", parent, strerror(errno));
		goto out;
	}
	if ((buf = util_read_file(src, 512 * 1024 * 1024, &len)) == NULL) {
		cause_set(cause, "%s: %s", src, strerror(errno));
		goto out;
	}
	rc = util_write_file_atomic(dst, buf, len, st.st_mode & 07755);
	free(buf);
	if (rc == -1)
		cause_set(cause, "%s: %s", dst, strerror(errno));
out:
	free(parent);
	free(dst);
	return rc;
}

static int
rootfs_etc(const char *dir, char **cause)
{
	struct passwd	*pw;
	const char	*sudo = getenv("SUDO_UID");
	char		*passwd, *group, *path, *extra_pw = NULL;
	char		*extra_gr = NULL;
	unsigned long	 uid;
	int		 rc = 0;
	static const struct { const char *name, *text; } files[] = {
		{ "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n" },
		{ "etc/resolv.conf", "" },
		{ "etc/nsswitch.conf", "passwd: files\ngroup: files\n"
		    "hosts: files dns\n" },
	};
	size_t		 i;

	xasprintf(&path, "%s/etc", dir);
	if (util_mkdir_p(path, 0755) == -1)
		rc = cause_set(cause, "%s: %s", path, strerror(errno));
	free(path);
	if (rc == -1)
		return -1;
	/* The invoking user (sudo's) gets an entry so --user NAME works. */
	if (sudo != NULL && util_parse_uint(sudo, 0x7fffffff, &uid) == 0 &&
	    uid != 0 && (pw = getpwuid((uid_t)uid)) != NULL) {
		xasprintf(&extra_pw, "%s:x:%u:%u::/tmp:/bin/sh\n",
		    pw->pw_name, (unsigned int)pw->pw_uid,
		    (unsigned int)pw->pw_gid);
		xasprintf(&extra_gr, "%s:x:%u:\n", pw->pw_name,
		    (unsigned int)pw->pw_gid);
	}
	xasprintf(&passwd, "root:x:0:0:root:/root:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n%s",
	    extra_pw != NULL ? extra_pw : "");
	xasprintf(&group, "root:x:0:\nnogroup:x:65534:\n%s",
	    extra_gr != NULL ? extra_gr : "");
	for (i = 0; i < nitems(files) + 2 && rc == 0; i++) {
		const char	*name, *text;

		name = i == 0 ? "etc/passwd" : i == 1 ? "etc/group" :
		    files[i - 2].name;
		text = i == 0 ? passwd : i == 1 ? group : files[i - 2].text;
		xasprintf(&path, "%s/%s", dir, name);
		if (util_write_file_atomic(path, text, strlen(text),
		    0644) == -1)
			rc = cause_set(cause, "%s: %s", path, strerror(errno));
		free(path);
	}
	free(passwd);
	free(group);
	free(extra_pw);
	free(extra_gr);
	return rc;
}

int
rootfs_build(const char *dir, char **bins, size_t n, char **cause)
{
	char		*bin, **deps, *tmp;
	size_t		 i, j, ndeps;
	int		 rc = -1;

	if (n == 0)
		return cause_set(cause, "no binaries given");
	if (util_mkdir_p(dir, 0755) == -1)
		return cause_set(cause, "%s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if ((bin = rootfs_which(bins[i])) == NULL)
			return cause_set(cause, "%s: not found in PATH",
			    bins[i]);
		if (rootfs_copy(dir, bin, cause) == -1 ||
		    rootfs_deps(bin, &deps, &ndeps, cause) == -1) {
			free(bin);
			return -1;
		}
		free(bin);
		for (j = 0; j < ndeps; j++) {
			if (rc != -2 && rootfs_copy(dir, deps[j], cause) == -1)
				rc = -2;
			free(deps[j]);
		}
		free(deps);
		if (rc == -2)
			return -1;
	}
	xasprintf(&tmp, "%s/tmp", dir);
	if (util_mkdir_p(tmp, 01777) == -1 || chmod(tmp, 01777) == -1) {
		cause_set(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	free(tmp);
	if (rootfs_etc(dir, cause) == -1 || rootfs_devices(dir, cause) == -1)
		return -1;
	return 0;
}
