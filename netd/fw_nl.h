/* SPDX-License-Identifier: ISC */
/*
 * fw_nl.h - container changes as nfnetlink batches, without nft.
 *
 * Linux (fw_nl_linux.c): the elements one change adds or deletes
 * (those of pfr_nft_container and pfr_nft_port) encoded as one
 * nf_tables batch and sent on a netlink socket netd owns. macOS
 * (fw_nl_darwin.c) has none: fw_nl_open fails and fw.c keeps its jobs.
 */
#ifndef BERTH_FW_NL_H
#define BERTH_FW_NL_H

#include <stddef.h>

#include "pfrules.h"

struct fw_nl;

/* NULL with *cause when the socket cannot be had. */
struct fw_nl	*fw_nl_open(char **cause);
void		 fw_nl_close(struct fw_nl *);
/*
 * One change as one batch (xmalloc'd, *len bytes): the same checks as
 * the text path (pfr_check_change), then every element. -1 with *cause:
 * refused, or E2BIG: larger than one send takes (a long port range),
 * for the text path then.
 */
int		 fw_nl_encode(const struct pfr_ruleset *,
		    const struct pfr_container *, const struct pfr_port *,
		    size_t nports, int add, char **batch, size_t *len,
		    char **cause);
/*
 * Send a batch and read its acks; the kernel applies it inside the send
 * (all or nothing), so they are waiting when it returns. -1 with errno
 * (the first error's) and *cause naming the message that failed.
 */
int		 fw_nl_send(struct fw_nl *, char *batch, size_t len,
		    char **cause);

#endif
