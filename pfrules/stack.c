/* SPDX-License-Identifier: ISC */
/*
 * stack.c - the ruleset a stack file would load (berth rules --dry-run).
 *
 * DOC: from services to containers
 * One container per service, in file order, named by its container_name
 * (stack.c defaults it to STACK-SERVICE). Addresses: a service's "ip"
 * when it has one; every other service, in file order, gets the lowest
 * usable address above the gateway that no service requested and no
 * earlier service got. The same file therefore always renders the same
 * rules (netd's IPAM, which also knows other stacks, may choose
 * differently for services without "ip"). A service whose networks are
 * all internal is nonat: no egress and no NAT. Ports marked ",proxy"
 * belong to the userspace proxy and get no kernel rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ir.h"
#include "pfrules.h"
#include "port.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"

static int
pfr_stack_internal(const struct stack *st, const struct stack_service *s)
{
	size_t	 i, j;

	if (s->nnetworks == 0)
		return 0;
	for (i = 0; i < s->nnetworks; i++) {
		for (j = 0; j < st->nnetworks; j++) {
			if (strcmp(st->networks[j].name, s->networks[i]) == 0)
				break;
		}
		if (j == st->nnetworks || !st->networks[j].internal)
			return 0;
	}
	return 1;
}

/* Is a taken by one of the first n containers (0 = not yet assigned)? */
static int
pfr_stack_taken(const struct pfr_ruleset *rs, size_t n, uint32_t a)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (rs->ctrs[i].addr == a)
			return 1;
	}
	return 0;
}

static int
pfr_stack_addrs(struct pfr_ruleset *rs, const struct stack *st,
    char **cause)
{
	char		 pb[CIDR_STRLEN];
	uint32_t	 next = rs->gateway + 1;
	size_t		 i;

	for (i = 0; i < st->nservices; i++)
		rs->ctrs[i].addr = st->services[i].ip;
	for (i = 0; i < st->nservices; i++) {
		if (rs->ctrs[i].addr != 0)
			continue;
		while (next < cidr_last(&rs->pool) &&
		    pfr_stack_taken(rs, st->nservices, next))
			next++;
		if (next >= cidr_last(&rs->pool))
			return cause_set(cause, "services.%s: the pool %s is "
			    "full", st->services[i].name,
			    cidr_fmt(&rs->pool, pb));
		rs->ctrs[i].addr = next++;
	}
	return 0;
}

static void
pfr_stack_ports(struct pfr_ruleset *rs, const struct stack *st)
{
	const struct stack_service	*s;
	const struct portspec		*ps;
	struct pfr_port			*p;
	size_t				 i, j, n = 0;

	for (i = 0; i < st->nservices; i++)
		n += st->services[i].nports;
	rs->ports = xcalloc(n > 0 ? n : 1, sizeof(*rs->ports));
	for (i = 0; i < st->nservices; i++) {
		s = &st->services[i];
		for (j = 0; j < s->nports; j++) {
			ps = &s->ports[j];
			if (ps->flags & PORTSPEC_PROXY)
				continue;
			p = &rs->ports[rs->nports++];
			p->proto = ps->proto;
			p->host_addr = ps->host_addr;
			p->host_lo = ps->host_lo;
			p->host_hi = ps->host_hi;
			p->ctr_addr = rs->ctrs[i].addr;
			p->ctr_lo = ps->ctr_lo;
			p->ctr_hi = ps->ctr_hi;
			memcpy(p->ctr_name, rs->ctrs[i].name,
			    sizeof(p->ctr_name));
		}
	}
}

struct pfr_ruleset *
pfr_from_stack(const struct stack *st, const char *name, uint32_t fwmark,
    char **egress, size_t negress, char **cause)
{
	struct pfr_ruleset	*rs;
	const char		*cn;
	size_t			 i;

	if (name == NULL)
		name = PFR_DEFAULT_NAME;
	if (pfr_check_table(name, cause) == -1)
		return NULL;
	rs = xcalloc(1, sizeof(*rs));
	snprintf(rs->name, sizeof(rs->name), "%s", name);
	rs->pool = st->pool;
	rs->gateway = cidr_gateway(&st->pool);
	snprintf(rs->gw_ifname, sizeof(rs->gw_ifname), "%s",
	    PFR_DEFAULT_GW_IFNAME);
	snprintf(rs->ctr_ifprefix, sizeof(rs->ctr_ifprefix), "%s",
	    PFR_DEFAULT_CTR_IFPREFIX);
	rs->fwmark = fwmark != 0 ? fwmark : PFR_DEFAULT_FWMARK;
	rs->egress = xcalloc(negress + 1, sizeof(*rs->egress));
	for (i = 0; i < negress; i++)
		rs->egress[rs->negress++] = xstrdup(egress[i]);

	rs->ctrs = xcalloc(st->nservices > 0 ? st->nservices : 1,
	    sizeof(*rs->ctrs));
	rs->nctrs = st->nservices;
	for (i = 0; i < st->nservices; i++) {
		cn = st->services[i].container_name;
		if (cn == NULL || strlen(cn) > PFR_NAME_MAX) {
			cause_set(cause, "services.%s: container name missing "
			    "or too long", st->services[i].name);
			goto fail;
		}
		memcpy(rs->ctrs[i].name, cn, strlen(cn) + 1);
		rs->ctrs[i].nonat = pfr_stack_internal(st, &st->services[i]);
	}
	if (pfr_stack_addrs(rs, st, cause) == -1)
		goto fail;
	pfr_stack_ports(rs, st);
	if (pfr_validate(rs, cause) == -1)
		goto fail;
	return rs;
fail:
	pfr_ruleset_free(rs);
	return NULL;
}

void
pfr_ruleset_free(struct pfr_ruleset *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->negress; i++)
		free(rs->egress[i]);
	free(rs->egress);
	free(rs->ctrs);
	free(rs->ports);
	free(rs);
}
