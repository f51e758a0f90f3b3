/* SPDX-License-Identifier: ISC */
/*
 * cmd_rootfs.c - berth rootfs build DIR -- BINARY...
 *
 * A root filesystem for --rootfs: the binaries, what they load, a
 * minimal /etc, /dev/null, /dev/zero, /dev/urandom and /tmp
 * (runtime/rootfs.c). Needs no daemon. The "--" is optional.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rootfs.h"

int
cmd_rootfs(int argc, char **argv)
{
	const char	*dir;
	char		*cause = NULL;
	int		 i;

	if (argc < 2 || strcmp(argv[1], "build") != 0) {
		if (argc >= 2)
			cli_error("rootfs", "unknown command \"%.40s\"",
			    argv[1]);
		return cli_usage("rootfs");
	}
	if (argc < 3 || strcmp(argv[2], "--") == 0 || argv[2][0] == '-') {
		cli_error("rootfs", "build: no directory given");
		return cli_usage("rootfs");
	}
	dir = argv[2];
	i = 3;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		cli_error("rootfs", "build: no binaries given");
		return cli_usage("rootfs");
	}
	if (rootfs_build(dir, argv + i, (size_t)(argc - i), &cause) == -1) {
		cli_error("rootfs", "%s", cause);
		free(cause);
		return 1;
	}
	return 0;
}
