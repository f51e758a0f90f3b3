/* SPDX-License-Identifier: ISC */
/*
 * main.c - berth's main(): everything else is in libcli (verbs.c).
 */
#include "cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
