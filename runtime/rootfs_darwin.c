/* SPDX-License-Identifier: ISC */
/*
 * rootfs_darwin.c - what a binary loads, from otool -L. Not compiled on
 * Linux.
 *
 * Since macOS 11 the system's libraries live only in the dyld shared
 * cache, not as files: libraries that exist on disk (Homebrew's) are
 * copied, plus /usr/lib/dyld and the cache itself, which the kernel
 * maps relative to the chroot. A chroot needs SIP off (docs/runtime.md,
 * research/macos.md section 7).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "util.h"

/* The shared cache's files (macOS 13+: in the OS cryptex). */
static void
rootfs_cache(char ***paths, size_t *n)
{
	static const char *const dirs[] = {
		"/System/Volumes/Preboot/Cryptexes/OS/System/Library/dyld",
		"/System/Library/dyld",
	};
	struct dirent	*de;
	DIR		*d;
	char		 path[1024];
	size_t		 i;

	for (i = 0; i < nitems(dirs); i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "dyld_shared_cache_", 18) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
			    de->d_name);
			rootfs_add(paths, n, path);
		}
		closedir(d);
		return;
	}
}

int
rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause)
{
	char	*argv[4], *out, *line, *save = NULL, *p, *e;
	int	 status, cached = 0;

	*paths = NULL;
	*n = 0;
	argv[0] = (char *)"otool";
	argv[1] = (char *)"-L";
	argv[2] = (char *)bin;
	argv[3] = NULL;
	if (rootfs_run(argv, &out, &status, cause) == -1)
		return -1;
	/* "\t/usr/lib/libSystem.B.dylib (compatibility version ...)" */
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '\t' || (p = strchr(line, '/')) == NULL)
			continue;
		if ((e = strstr(p, " (")) != NULL)
			*e = '\0';
		if (access(p, R_OK) == 0)
			rootfs_add(paths, n, p);
		else
			cached = 1;	/* in the shared cache */
	}
	free(out);
	if (access("/usr/lib/dyld", R_OK) == 0)
		rootfs_add(paths, n, "/usr/lib/dyld");
	if (cached)
		rootfs_cache(paths, n);
	return 0;
}
