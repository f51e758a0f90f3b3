/* SPDX-License-Identifier: ISC */
/*
 * rootfs_darwin.c - what a binary loads, from otool -L, and device nodes.
 * System libraries live in the dyld shared cache on macOS 11+, not as
 * files: only libraries that exist on disk (Homebrew's) are copied, and
 * a chroot needs SIP off (docs/runtime.md). Not compiled on Linux.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "util.h"
#include "xmalloc.h"

int
rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause)
{
	FILE	*f;
	char	 line[1024], path[1024], *cmd;

	*paths = NULL;
	*n = 0;
	if (strchr(bin, '\'') != NULL)
		return cause_set(cause, "%s: quote in path", bin);
	xasprintf(&cmd, "otool -L '%s' 2>/dev/null", bin);
	f = popen(cmd, "r");
	free(cmd);
	if (f == NULL)
		return cause_set(cause, "otool: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "\t/path/lib.dylib (compatibility version ...)" */
		if (line[0] != '\t' || sscanf(line + 1, "%1023s", path) != 1 ||
		    path[0] != '/' || access(path, R_OK) == -1)
			continue;
		*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
		(*paths)[(*n)++] = xstrdup(path);
	}
	pclose(f);
	if (access("/usr/lib/dyld", R_OK) == 0) {
		*paths = xreallocarray(*paths, *n + 1, sizeof(char *));
		(*paths)[(*n)++] = xstrdup("/usr/lib/dyld");
	}
	return 0;
}

int
rootfs_devices(const char *dir, char **cause)
{
	static const char *const devs[] = { "null", "zero", "urandom" };
	struct stat	 st;
	char		*path, *src;
	size_t		 i;

	for (i = 0; i < nitems(devs); i++) {
		xasprintf(&src, "/dev/%s", devs[i]);
		xasprintf(&path, "%s/dev/%s", dir, devs[i]);
		if (stat(src, &st) == -1 || (util_mkdir_p(dir, 0755), 0) ||
		    (unlink(path), mknod(path, st.st_mode, st.st_rdev)) == -1) {
			cause_set(cause, "%s: %s", path, strerror(errno));
			free(src);
			free(path);
			return -1;
		}
		free(src);
		free(path);
	}
	return 0;
}
