/* SPDX-License-Identifier: ISC */
/*
 * ruleset.c - netd's firewall ruleset: the head (names, pool, marks)
 * from the configuration, a container and its kernel-path ports from
 * the container table, handed to fw.c whole or one container at a time.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "log.h"
#include "netd.h"
#include "pfrules.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

/* The ruleset's head: names, pool, marks; no containers. */
void
netd_ruleset_head(const struct netd_config *cfg, struct pfr_ruleset *rs)
{
	size_t	 i;

	memset(rs, 0, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", cfg->prefix);
	rs->pool = cfg->pool;
	rs->gateway = cfg->gateway;
	snprintf(rs->gw_ifname, sizeof(rs->gw_ifname), "%s", cfg->gw_ifname);
	snprintf(rs->ctr_ifprefix, sizeof(rs->ctr_ifprefix), "%s",
	    NETD_CTR_IFPREFIX);
	rs->fwmark = cfg->table;
	rs->negress = cfg->negress;
	rs->egress = xcalloc(cfg->negress + 1, sizeof(char *));
	for (i = 0; i < cfg->negress; i++)
		rs->egress[i] = xstrdup(cfg->egress[i]);
}

void
netd_ruleset_head_free(struct pfr_ruleset *rs)
{
	size_t	 i;

	for (i = 0; i < rs->negress; i++)
		free(rs->egress[i]);
	free(rs->egress);
	rs->egress = NULL;
	rs->negress = 0;
}

/* Remove everything loaded into the firewall; log what fails. */
void
netd_fw_unload(struct fw *fw, const struct netd_config *cfg, int *failed)
{
	struct pfr_ruleset	 rs;
	char			*cause = NULL;

	netd_ruleset_head(cfg, &rs);
	if (fw_unload(fw, &rs, &cause) == -1) {
		log_warnx("%s: removing the firewall rules: %s", __func__,
		    cause);
		free(cause);
		if (failed != NULL)
			*failed = 1;
	}
	netd_ruleset_head_free(&rs);
}

static int
netd_ctr_nonat(struct netd *d, const struct ctr *c)
{
	struct network	*n;
	size_t		 i;

	for (i = 0; i < c->nnetworks; i++) {
		n = netd_net_find(d, c->networks[i]);
		if (n == NULL || !n->internal)
			return 0;
	}
	return c->nnetworks > 0;
}

static void
netd_pfr_container(struct netd *d, const struct ctr *c,
    struct pfr_container *pc)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", c->name);
	pc->addr = c->addr;
	pc->nonat = netd_ctr_nonat(d, c);
}

/* The kernel-path ports of c (",proxy" ones are the proxy's). */
static size_t
netd_pfr_ports(const struct ctr *c, struct pfr_port *out)
{
	size_t	 i, n = 0;

	for (i = 0; i < c->nports; i++) {
		if (c->ports[i].flags & PORTSPEC_PROXY)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].proto = c->ports[i].proto;
		out[n].host_addr = c->ports[i].host_addr;
		out[n].host_lo = c->ports[i].host_lo;
		out[n].host_hi = c->ports[i].host_hi;
		out[n].ctr_addr = c->addr;
		out[n].ctr_lo = c->ports[i].ctr_lo;
		out[n].ctr_hi = c->ports[i].ctr_hi;
		snprintf(out[n].ctr_name, sizeof(out[n].ctr_name), "%s",
		    c->name);
		n++;
	}
	return n;
}

struct pfr_ruleset *
netd_ruleset(struct netd *d)
{
	struct pfr_ruleset	*rs;
	size_t			 i, nports = 0;

	rs = xcalloc(1, sizeof(*rs));
	netd_ruleset_head(&d->cfg, rs);
	for (i = 0; i < d->nctrs; i++)
		nports += d->ctrs[i]->nports;
	rs->ctrs = xcalloc(d->nctrs + 1, sizeof(*rs->ctrs));
	rs->ports = xcalloc(nports + 1, sizeof(*rs->ports));
	for (i = 0; i < d->nctrs; i++) {
		netd_pfr_container(d, d->ctrs[i], &rs->ctrs[rs->nctrs++]);
		rs->nports += netd_pfr_ports(d->ctrs[i],
		    rs->ports + rs->nports);
	}
	return rs;
}

/* Apply (add) or remove one container's elements, asynchronously. */
int
netd_fw_ctr(struct netd *d, const struct ctr *c, int add, char **cause)
{
	struct pfr_ruleset	 rs;
	struct pfr_container	 pc;
	struct pfr_port		*ports;
	size_t			 n;
	int			 ret;

	netd_ruleset_head(&d->cfg, &rs);
	netd_pfr_container(d, c, &pc);
	ports = xcalloc(c->nports + 1, sizeof(*ports));
	n = netd_pfr_ports(c, ports);
	ret = fw_change(d->fw, &rs, &pc, ports, n, add, cause);
	free(ports);
	netd_ruleset_head_free(&rs);
	return ret;
}

void
netd_fw_reload(void *arg)
{
	struct netd		*d = arg;
	struct pfr_ruleset	*rs = netd_ruleset(d);

	fw_reload(d->fw, rs);
	pfr_ruleset_free(rs);
}
