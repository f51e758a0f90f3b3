/* SPDX-License-Identifier: ISC */
/*
 * kernhold - netd's cgroup BPF programs (netd/kern_linux.c) for one
 * container, without netd, so that a benchmark can put a server of its
 * own network namespace under them (bench/publish-parts).
 *
 *   kernhold PREFIX POOL NAME ADDR
 *
 * Attaches the programs to berth-PREFIX on the cgroup2 mount, as netd
 * does for its instance, makes the container cgroup berth-PREFIX/NAME
 * with ADDR in the map, prints that cgroup's directory and holds the
 * programs (their links are this process's) until SIGTERM, SIGINT or
 * SIGHUP; then detaches and removes the cgroups if they are empty (the
 * caller moves its processes out or ends them first).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "kern.h"

int
main(int argc, char **argv)
{
	struct kern	*k;
	struct cidr	 pool;
	sigset_t	 set;
	uint32_t	 addr;
	char		*cause = NULL;
	int		 sig;

	if (argc != 5) {
		fprintf(stderr, "usage: kernhold PREFIX POOL NAME ADDR\n");
		return 2;
	}
	if (cidr_parse(argv[2], &pool, &cause) == -1 ||
	    addr_parse(argv[4], &addr) == -1) {
		fprintf(stderr, "kernhold: bad pool or address\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((k = kern_open(argv[1], &pool, &cause)) == NULL) {
		fprintf(stderr, "kernhold: %s\n", cause);
		kern_sweep(argv[1], NULL, NULL);	/* its base, if made */
		return 1;
	}
	if (kern_ctr_add(k, argv[3], addr, 0, &cause) == -1) {
		fprintf(stderr, "kernhold: %s\n", cause);
		kern_close(k);
		kern_sweep(argv[1], NULL, NULL);
		return 1;
	}
	printf("%s/%s\n", kern_cgroup_dir(k), argv[3]);
	fflush(stdout);
	sigwait(&set, &sig);
	kern_close(k);
	kern_sweep(argv[1], NULL, NULL);
	return 0;
}
