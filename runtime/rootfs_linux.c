/* SPDX-License-Identifier: ISC */
/*
 * rootfs_linux.c - what a binary loads, from ldd(1), and device nodes.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "util.h"
#include "xmalloc.h"

static void
rootfs_add(char ***paths, size_t *n, const char *p)
{
	*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
	(*paths)[(*n)++] = xstrdup(p);
}

/*
 * ldd prints "name => /path (0x...)" and "/lib64/ld-linux... (0x...)".
 * glibc also loads NSS modules at run time, which ldd cannot see: take
 * libnss_files and libnss_dns from libc's directory.
 */
int
rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause)
{
	FILE	*f;
	char	 line[1024], path[1024], *cmd, *q, *p;
	char	 libdir[1024] = "";
	int	 status;

	*paths = NULL;
	*n = 0;
	/* bin came from PATH or realpath(): quote it for the shell. */
	for (p = (char *)bin; *p != '\0'; p++) {
		if (*p == '\'')
			return cause_set(cause, "%s: quote in path", bin);
	}
	xasprintf(&cmd, "ldd '%s' 2>/dev/null", bin);
	f = popen(cmd, "r");
	free(cmd);
	if (f == NULL)
		return cause_set(cause, "ldd: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((p = strstr(line, "=> /")) != NULL)
			p += 3;
		else if ((p = strchr(line, '/')) == NULL)
			continue;
		if (sscanf(p, "%1023s", path) != 1)
			continue;
		rootfs_add(paths, n, path);
		if (strstr(path, "/libc.so") != NULL &&
		    (q = strrchr(path, '/')) != NULL) {
			*q = '\0';
			snprintf(libdir, sizeof(libdir), "%s", path);
		}
	}
	status = pclose(f);
	if (*n == 0 && status != 0) {
		/* "not a dynamic executable": a static binary needs nothing */
		return 0;
	}
	if (libdir[0] != '\0') {
		static const char *const nss[] = { "libnss_files.so.2",
		    "libnss_dns.so.2", "libresolv.so.2" };
		size_t	 i;

		for (i = 0; i < nitems(nss); i++) {
			snprintf(path, sizeof(path), "%s/%s", libdir, nss[i]);
			if (access(path, R_OK) == 0)
				rootfs_add(paths, n, path);
		}
	}
	return 0;
}

int
rootfs_devices(const char *dir, char **cause)
{
	static const struct { const char *name; unsigned int minor; } devs[] = {
		{ "null", 3 }, { "zero", 5 }, { "urandom", 9 },
	};
	char	*path;
	size_t	 i;

	xasprintf(&path, "%s/dev", dir);
	if (util_mkdir_p(path, 0755) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	for (i = 0; i < nitems(devs); i++) {
		xasprintf(&path, "%s/dev/%s", dir, devs[i].name);
		unlink(path);
		if (mknod(path, S_IFCHR | 0666, makedev(1, devs[i].minor)) ==
		    -1 || chmod(path, 0666) == -1) {
			cause_set(cause, "%s: %s (root is needed)", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}
