/* SPDX-License-Identifier: ISC */
/*
 * cmd_rootfs.c - berth rootfs build DIR -- BINARY...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rootfs.h"

int
cmd_rootfs(int argc, char **argv)
{
	char	*cause = NULL;
	int	 i = 2;

	if (argc < 4 || strcmp(argv[1], "build") != 0)
		return cli_usage("rootfs");
	if (i < argc && strcmp(argv[i], "--") == 0)
		return cli_usage("rootfs");
	i++;				/* DIR */
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cli_usage("rootfs");
	if (rootfs_build(argv[2], argv + i, (size_t)(argc - i), &cause) ==
	    -1) {
		cli_error("rootfs", "%s", cause);
		free(cause);
		return 1;
	}
	printf("%s\n", argv[2]);
	return 0;
}
