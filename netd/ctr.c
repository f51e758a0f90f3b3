/* SPDX-License-Identifier: ISC */
/*
 * ctr.c - containers and networks: create (check, address, tun,
 * firewall, proxy, name), delete, and the networks they join.
 *
 * DOC: create and delete
 * Create checks everything it can before it changes anything, then
 * takes an address, opens the tun, adds the firewall elements and the
 * proxy ports, and rolls back in reverse if a step fails. Delete stops
 * routing at once and queues the tun for teardown.c, whose thread
 * removes it off the router's path; the address is free again once the
 * tun is gone.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "capture.h"
#include "dns.h"
#include "enforce.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "teardown.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The table keeps its containers in creation order (what ps shows);
 * two chained indexes beside it find one by name or by address without
 * a walk of the table. A chain keeps its own order too, so a name or
 * an address held twice (a state file netd is still checking) finds
 * the first, as a walk would.
 */
unsigned long long	 netd_ctr_probes;

static unsigned
netd_ctr_hname(const char *name)
{
	return util_hash_str(UTIL_HASH_INIT, name) % NETD_CTR_NHASH;
}

static unsigned
netd_ctr_haddr(uint32_t a)
{
	return (a * 2654435761u) >> 21;		/* top 11 bits: 2048 */
}

struct ctr *
netd_ctr_find(struct netd *d, const char *name)
{
	struct ctr	*c;

	for (c = d->by_name[netd_ctr_hname(name)]; c != NULL;
	    c = c->name_next) {
		netd_ctr_probes++;
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

struct ctr *
netd_ctr_by_addr(struct netd *d, uint32_t a)
{
	struct ctr	*c;

	for (c = d->by_addr[netd_ctr_haddr(a)]; c != NULL;
	    c = c->addr_next) {
		netd_ctr_probes++;
		if (c->addr == a)
			return c;
	}
	return NULL;
}

/* Put c at the end of the table and of its chains, its meta in the
 * running total, its entry in the next save. Its name and address do
 * not change while it is in. */
void
netd_ctr_append(struct netd *d, struct ctr *c)
{
	struct ctr	**pp;

	d->ctrs = xreallocarray(d->ctrs, d->nctrs + 1, sizeof(*d->ctrs));
	d->ctrs[d->nctrs++] = c;
	d->meta_total += c->meta_len;
	netd_ports_count(d, c, 1);
	for (pp = &d->by_name[netd_ctr_hname(c->name)]; *pp != NULL;
	    pp = &(*pp)->name_next)
		;
	*pp = c;
	c->name_next = NULL;
	for (pp = &d->by_addr[netd_ctr_haddr(c->addr)]; *pp != NULL;
	    pp = &(*pp)->addr_next)
		;
	*pp = c;
	c->addr_next = NULL;
	state_ctr_changed(d, c);
}

/* Take container i out of the table (it is not freed). */
void
netd_ctr_unlink(struct netd *d, size_t i)
{
	struct ctr	*c = d->ctrs[i], **pp;

	enforce_ctr_removed(d->enforce, c);
	state_ctr_gone(d, c);
	d->meta_total -= c->meta_len;
	netd_ports_count(d, c, -1);
	for (pp = &d->by_name[netd_ctr_hname(c->name)]; *pp != c;
	    pp = &(*pp)->name_next)
		;
	*pp = c->name_next;
	for (pp = &d->by_addr[netd_ctr_haddr(c->addr)]; *pp != c;
	    pp = &(*pp)->addr_next)
		;
	*pp = c->addr_next;
	memmove(&d->ctrs[i], &d->ctrs[i + 1],
	    (d->nctrs - i - 1) * sizeof(*d->ctrs));
	d->nctrs--;
}

void
netd_ctr_clear(struct netd *d)
{
	size_t	 i;

	for (i = 0; i < d->nctrs; i++)
		ctr_free(d->ctrs[i]);
	d->nctrs = 0;
	d->meta_total = 0;
	d->journal.nchanged = 0;	/* they were freed */
	free(d->port_use);
	d->port_use = NULL;
	memset(d->by_name, 0, sizeof(d->by_name));
	memset(d->by_addr, 0, sizeof(d->by_addr));
}

void
netd_ctr_remove_at(struct netd *d, size_t i)
{
	struct ctr	*c = d->ctrs[i];

	netd_ctr_unlink(d, i);
	link_forget(d->links, c->addr);	/* restored with the state */
	ctr_free(c);
}
/* Every network of the spec exists. */
static int
netd_ctr_networks(struct netd *d, const struct ctr_spec *sp, char **cause)
{
	size_t	 i;

	for (i = 0; i < sp->nnetworks; i++)
		if (netd_net_find(d, sp->networks[i]) == NULL)
			return cause_set(cause, "no such network \"%s\"",
			    sp->networks[i]);
	return 0;
}

/*
 * The address of a new container: asked for, or the next free one. An
 * address whose tun is still going away (teardown.c) is taken until it
 * is gone: one asked for, or the last ones of a full pool, are claimed
 * (their teardown finishes now), as if the tun had gone at once.
 */
static int
netd_ctr_addr(struct netd *d, struct ctr_spec *sp, enum proto_code *code,
    char **cause)
{
	struct ctr	*o;
	char		 a[ADDR_STRLEN], p[CIDR_STRLEN];
	uint32_t	 next;

	if (sp->addr == 0) {
		*code = PROTO_E_EXHAUSTED;
		while (ipam_alloc(d->ipam, &sp->addr, NULL) == -1) {
			if ((next = teardown_next_addr(d->teardown)) == 0 ||
			    !teardown_claim(d->teardown, next))
				return ipam_alloc(d->ipam, &sp->addr, cause);
		}
		return 0;
	}
	*code = PROTO_E_BAD_ARGS;
	if (!cidr_contains(&d->cfg.pool, sp->addr))
		return cause_set(cause, "address %s is not in the pool %s",
		    addr_fmt(sp->addr, a), cidr_fmt(&d->cfg.pool, p));
	*code = PROTO_E_CONFLICT;
	if ((o = netd_ctr_by_addr(d, sp->addr)) != NULL)
		return cause_set(cause, "address %s is taken by \"%s\"",
		    addr_fmt(sp->addr, a), o->name);
	(void)teardown_claim(d->teardown, sp->addr);
	return ipam_reserve(d->ipam, sp->addr, cause);
}

/*
 * Apply a spec ctr_spec_parse checked: what needs netd is checked first
 * (name, networks, ports, address), then the tun, the firewall elements
 * and the proxy ports; a failure undoes what was done, in reverse.
 */
struct ctr *
netd_ctr_create(struct netd *d, struct ctr_spec *sp, enum proto_code *code,
    char **cause)
{
	struct ctr	*c = NULL;
	char		*why = NULL;
	int		 have_addr = 0, have_port = 0;

	*code = PROTO_E_EXISTS;
	if (netd_ctr_find(d, sp->name) != NULL) {
		cause_set(cause, "name \"%s\" is taken", sp->name);
		return NULL;
	}
	*code = PROTO_E_BAD_ARGS;
	if (strcmp(sp->name, "host") == 0) {
		cause_set(cause, "name \"host\" is reserved (host.berth is "
		    "the gateway)");
		return NULL;
	}
	*code = PROTO_E_EXHAUSTED;
	if (bounds_ctr_admit(d, bounds_meta_len(sp->meta), cause) == -1)
		return NULL;
	*code = PROTO_E_NOT_FOUND;
	if (netd_ctr_networks(d, sp, cause) == -1)
		return NULL;
	*code = PROTO_E_CONFLICT;
	if (netd_ctr_ports_free(d, sp, cause) == -1)
		return NULL;
	if (netd_ctr_addr(d, sp, code, cause) == -1)
		return NULL;
	have_addr = 1;
	c = ctr_from_spec(sp);
	c->meta_len = bounds_meta_len(c->meta);
	snprintf(c->tun, sizeof(c->tun), BERTH_CTR_IFPREFIX "%08x", c->addr);
	c->state = CTR_CREATED;
	c->created = (long long)time(NULL);
	*code = PROTO_E_FAILED;
	if (netd_port_open(d, c, cause) == -1)
		goto fail;
	have_port = 1;
	if (netd_fw_ctr(d, c, 1, cause) == -1)
		goto fail;
	if (netd_proxy_ctr(d, c, 1, cause) == -1) {
		*code = PROTO_E_CONFLICT;
		if (netd_fw_ctr(d, c, 0, &why) == -1) {
			log_warnx("%s: rolling back: %s", __func__, why);
			free(why);
		}
		goto fail;
	}
	netd_ctr_append(d, c);
	enforce_ctr_added(d->enforce, c);
	dns_zone_add(d->zone, c->name, c->addr, c->stack, c->service);
	kaddr_ctr(d, c, 1);
	d->names_dirty = 1;
	(void)netd_save(d);
	log_info("%s: \"%s\" %s on %s", __func__, c->name,
	    addr_fmt(c->addr, (char[ADDR_STRLEN]){ 0 }), c->tun);
	*code = PROTO_OK;
	return c;
fail:
	if (have_port)
		netd_port_close(d, c, 1);
	if (have_addr)
		ipam_release(d->ipam, c->addr);
	ctr_free(c);
	return NULL;
}

void
netd_ctr_delete(struct netd *d, struct ctr *c)
{
	char	*cause = NULL;
	size_t	 i;

	if (netd_fw_ctr(d, c, 0, &cause) == -1) {
		log_warnx("%s: \"%s\": %s", __func__, c->name, cause);
		free(cause);
	}
	(void)netd_proxy_ctr(d, c, 0, NULL);
	kaddr_ctr(d, c, 0);
	capture_ctr_gone(d, c);
	dns_zone_del(d->zone, c->name);
	d->names_dirty = 1;
	/* Stop routing to it now; the tun goes on teardown's thread. */
	netd_port_detach(d, c);
	link_forget(d->links, c->addr);
	log_info("%s: \"%s\"", __func__, c->name);
	for (i = 0; i < d->nctrs; i++) {
		if (d->ctrs[i] == c) {
			netd_ctr_unlink(d, i);
			break;
		}
	}
	netd_tun_remove(d, c->port.fd, c->tun, c->addr, c);
	c->port.fd = -1;
	(void)netd_save(d);
}

/* ------------------------------------------------------------ networks */

static struct network	 netd_default_net = { "default", 0 };

struct network *
netd_net_find(struct netd *d, const char *name)
{
	size_t	 i;

	if (strcmp(name, "default") == 0)
		return &netd_default_net;
	for (i = 0; i < d->nnets; i++)
		if (strcmp(d->nets[i].name, name) == 0)
			return &d->nets[i];
	return NULL;
}

int
netd_net_create(struct netd *d, const char *name, int internal,
    enum proto_code *code, char **cause)
{
	*code = PROTO_E_BAD_ARGS;
	if (name_check(name, "network name", cause) == -1)
		return -1;
	*code = PROTO_E_EXISTS;
	if (netd_net_find(d, name) != NULL)
		return cause_set(cause, "network \"%s\" exists", name);
	*code = PROTO_E_EXHAUSTED;
	if (bounds_net_admit(d, cause) == -1)
		return -1;
	d->nets = xreallocarray(d->nets, d->nnets + 1, sizeof(*d->nets));
	memset(&d->nets[d->nnets], 0, sizeof(*d->nets));
	snprintf(d->nets[d->nnets].name, sizeof(d->nets->name), "%s", name);
	d->nets[d->nnets++].internal = internal;
	enforce_world_changed(d->enforce);
	(void)netd_save(d);
	return 0;
}

int
netd_net_delete(struct netd *d, const char *name, enum proto_code *code,
    char **cause)
{
	struct network	*n;
	size_t		 i, j;

	*code = PROTO_E_CONFLICT;
	if (strcmp(name, "default") == 0)
		return cause_set(cause, "the default network cannot be "
		    "removed");
	*code = PROTO_E_NOT_FOUND;
	if ((n = netd_net_find(d, name)) == NULL)
		return cause_set(cause, "no such network \"%s\"", name);
	*code = PROTO_E_CONFLICT;
	for (i = 0; i < d->nctrs; i++)
		for (j = 0; j < d->ctrs[i]->nnetworks; j++)
			if (strcmp(d->ctrs[i]->networks[j], name) == 0)
				return cause_set(cause, "network \"%s\" is in "
				    "use by \"%s\"", name, d->ctrs[i]->name);
	i = (size_t)(n - d->nets);
	memmove(&d->nets[i], &d->nets[i + 1],
	    (d->nnets - i - 1) * sizeof(*d->nets));
	d->nnets--;
	enforce_world_changed(d->enforce);
	(void)netd_save(d);
	return 0;
}
