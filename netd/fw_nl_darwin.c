/* SPDX-License-Identifier: ISC */
/*
 * fw_nl_darwin.c - no nfnetlink on macOS: pf's changes stay jobs.
 */
#include <errno.h>

#include "fw_nl.h"
#include "util.h"

struct fw_nl *
fw_nl_open(char **cause)
{
	cause_set(cause, "no nfnetlink on this system");
	errno = EOPNOTSUPP;
	return NULL;
}

void
fw_nl_close(struct fw_nl *nl)
{
	(void)nl;
}

int
fw_nl_encode(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **batch,
    size_t *len, char **cause)
{
	(void)rs;
	(void)c;
	(void)ports;
	(void)nports;
	(void)add;
	*batch = NULL;
	*len = 0;
	errno = EOPNOTSUPP;
	return cause_set(cause, "no nfnetlink on this system");
}

int
fw_nl_send(struct fw_nl *nl, char *batch, size_t len, char **cause)
{
	(void)nl;
	(void)batch;
	(void)len;
	errno = EOPNOTSUPP;
	return cause_set(cause, "no nfnetlink on this system");
}
