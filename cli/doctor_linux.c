/* SPDX-License-Identifier: ISC */
/*
 * doctor_linux.c - berth doctor on Linux: tun, nft, the "lookup local"
 * rule, and what a crashed netd left behind.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"
#include "instance.h"
#include "xmalloc.h"

void
doctor_os(int repair, int running)
{
	const char	*prefix = cli_cfg.prefix != NULL ? cli_cfg.prefix :
			    BERTH_DEFAULT_PREFIX;
	const char	*table = cli_cfg.table;
	char		*cmd, *netd, deftable[16];
	int		 ok, left;

	if (table == NULL) {
		snprintf(deftable, sizeof(deftable), "%u",
		    (unsigned)BERTH_DEFAULT_TABLE);
		table = deftable;
	}

	doctor_report(access("/dev/net/tun", R_OK | W_OK) == 0,
	    "/dev/net/tun usable", "load the tun module (modprobe tun)");
	doctor_report(doctor_sh_output("command -v nft"), "nft installed",
	    "install nftables (scripts/deps)");
	ok = doctor_sh_output("ip rule show | grep -w 'lookup local'");
	if (!ok && repair) {
		char *const add[] = { (char *)"ip", (char *)"rule",
		    (char *)"add", (char *)"pref", (char *)"0",
		    (char *)"lookup", (char *)"local", NULL };

		ok = doctor_run(add) == 0;
		printf("--   restored the \"lookup local\" rule at pref 0\n");
	}
	doctor_report(ok, "host has a \"lookup local\" ip rule",
	    "local delivery is broken; berth doctor --repair adds it back");

	if (running) {
		doctor_report(1, "leftovers: none; netd (running, or "
		    "restarted by the next command) owns its objects", NULL);
		return;
	}
	/* netd is down: any object of this instance is a leftover. */
	xasprintf(&cmd, "{ ip -o link show | awk -F': ' '{print $2}' | "
	    "grep -x '%s0'; ip rule show | grep -w 'lookup %s'; "
	    "nft list tables 2>/dev/null | grep -x 'table inet %s'; } "
	    "2>/dev/null", prefix, table, prefix);
	left = doctor_sh_output(cmd);
	if (left && repair) {
		char	*argv[14];
		int	 n = 0;

		netd = client_netd_path();
		argv[n++] = netd;
		argv[n++] = (char *)"--cleanup";
		argv[n++] = (char *)"-s";
		argv[n++] = (char *)cli_cfg.socket;
		argv[n++] = (char *)"--prefix";
		argv[n++] = (char *)prefix;
		argv[n++] = (char *)"--table";
		argv[n++] = (char *)table;
		argv[n++] = (char *)"--state-dir";
		argv[n++] = (char *)cli_cfg.state_dir;
		if (cli_cfg.pool != NULL) {
			argv[n++] = (char *)"--pool";
			argv[n++] = (char *)cli_cfg.pool;
		}
		argv[n] = NULL;
		if (doctor_run(argv) == 0)
			printf("--   removed the leftovers of a stopped "
			    "netd\n");
		free(netd);
		left = doctor_sh_output(cmd);
	}
	free(cmd);
	doctor_report(!left, "no leftovers of a stopped netd",
	    "berth doctor --repair removes them");
}
