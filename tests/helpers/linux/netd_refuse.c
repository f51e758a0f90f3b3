/* SPDX-License-Identifier: ISC */
/*
 * netd_refuse_linux - berth-netd whose Nth nf_tables batch the kernel
 * refuses, for tests/integ/netd_nl_fallback.sh.
 *
 * It is berth-netd (netd/main.c and netd's library) linked with
 * -Wl,--wrap=fw_nl_send: the wrapper below sees every batch netd sends
 * and, for the BERTH_TEST_NL_REFUSE'th (1 when unset; 0: none), turns
 * the first message after BATCH_BEGIN into one the kernel has no
 * handler for, as a kernel older than the message would see it. The
 * batch still goes to the kernel, which refuses it (EINVAL, nothing of
 * it applied), and netd gets that answer through its own code. berth-
 * netd itself has no such hook.
 */
#include <sys/types.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <stdint.h>
#include <stdlib.h>

#include "fw_nl.h"

int	__real_fw_nl_send(struct fw_nl *, char *, size_t, char **);
int	__wrap_fw_nl_send(struct fw_nl *, char *, size_t, char **);

/* One past every nf_tables message type a kernel has (u8). */
#define NETD_REFUSE_TYPE	0xff

int
__wrap_fw_nl_send(struct fw_nl *nl, char *batch, size_t len, char **cause)
{
	static unsigned long	 sent;
	const char		*e = getenv("BERTH_TEST_NL_REFUSE");
	unsigned long		 n = e != NULL ? strtoul(e, NULL, 10) : 1;
	struct nlmsghdr		*h = (struct nlmsghdr *)batch;

	if (++sent == n && len >= sizeof(*h) &&
	    NLMSG_ALIGN(h->nlmsg_len) + sizeof(*h) <= len) {
		h = (struct nlmsghdr *)(batch + NLMSG_ALIGN(h->nlmsg_len));
		h->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) |
		    NETD_REFUSE_TYPE);
	}
	return __real_fw_nl_send(nl, batch, len, cause);
}
