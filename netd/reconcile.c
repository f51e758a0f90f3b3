/* SPDX-License-Identifier: ISC */
/*
 * reconcile.c - containers the kernel still knows when the state file
 * does not.
 *
 * DOC: a damaged state file costs the records, never the containers
 * Each container tun carries a label naming its container (Linux: the
 * link's ifalias, "berth:NAME"; its name already gives the address).
 * When the state file cannot be read (not a regular file, too large,
 * not JSON, the wrong shape, damaged entries), state.c moves it aside
 * (state.json.bad) and netd starts degraded: before the sweep of
 * leftover links, reconcile_adopt() turns every tun of this instance's
 * pool that no stored container owns back into a container, named by
 * its label (or "adopted-HEX" without one), with its address, in the
 * default network, without ports or meta, its creator unknown (so only
 * root may change it). Servers bound to those addresses keep running
 * and keep being routed; hello reports why netd is degraded and berth
 * doctor explains it.
 *
 * A stored entry that netd_reconcile_ctrs drops (a second container of
 * one name, an address outside the pool or taken, a tun that will not
 * open) leaves a tun nobody owns; reconcile_dropped() removes it, unless
 * it may be someone else's (below).
 *
 * macOS: utun interfaces die with the netd that opened them and take no
 * label, so there is nothing to adopt; a damaged file is still kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enforce.h"
#include "host.h"
#include "ipam.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "route.h"
#include "util.h"
#include "xmalloc.h"

/* The label of a container's tun: its name (route_iface_setup). */
const char *
reconcile_label(const struct ctr *c, char *buf, size_t len)
{
	snprintf(buf, len, RECONCILE_LABEL "%s", c->name);
	return buf;
}

struct reconcile_found {
	struct netd	*d;
	char		**names;
	size_t		  n;
};

/* A container tun of this instance: its name, an address in the pool. */
static int
reconcile_ifaddr(const struct netd *d, const char *name, uint32_t *addr)
{
	return netd_ctr_ifname(name, addr) &&
	    cidr_contains(&d->cfg.pool, *addr) && *addr != d->cfg.gateway;
}

static int
reconcile_collect(const char *ifname, void *arg)
{
	struct reconcile_found	*f = arg;
	uint32_t		 a;
	size_t			 i;

	if (!reconcile_ifaddr(f->d, ifname, &a))
		return 0;
	for (i = 0; i < f->d->nctrs; i++)
		if (strcmp(f->d->ctrs[i]->tun, ifname) == 0 ||
		    f->d->ctrs[i]->addr == a)
			return 0;
	f->names = xreallocarray(f->names, f->n + 1, sizeof(*f->names));
	f->names[f->n++] = xstrdup(ifname);
	return 0;
}

/* A container for a tun nobody stored, named by its label. */
static struct ctr *
reconcile_ctr(struct netd *d, const char *ifname)
{
	struct ctr	*c;
	char		 label[128];
	const char	*name = NULL;

	c = xcalloc(1, sizeof(*c));
	c->port.fd = -1;
	(void)reconcile_ifaddr(d, ifname, &c->addr);
	snprintf(c->tun, sizeof(c->tun), "%s", ifname);
	if (route_iface_get_label(ifname, label, sizeof(label)) == 0 &&
	    strncmp(label, RECONCILE_LABEL, strlen(RECONCILE_LABEL)) == 0)
		name = label + strlen(RECONCILE_LABEL);
	if (name == NULL || strlen(name) > NAME_MAX_LEN ||
	    name_check(name, "name", NULL) == -1 ||
	    netd_ctr_find(d, name) != NULL)
		snprintf(c->name, sizeof(c->name), "adopted-%08x", c->addr);
	else
		memcpy(c->name, name, strlen(name) + 1);
	c->networks = xcalloc(2, sizeof(char *));
	c->networks[c->nnetworks++] = xstrdup("default");
	c->ports = xcalloc(1, sizeof(*c->ports));
	c->state = CTR_CREATED;
	c->created = (long long)time(NULL);
	c->uid = -1;
	c->meta = json_pack("{s:b}", "adopted", 1);
	c->meta_len = bounds_meta_len(c->meta);
	return c;
}

/*
 * netd is degraded: adopt the tuns of the pool that no stored container
 * owns, before the sweep would remove them. Returns how many.
 */
int
reconcile_adopt(struct netd *d)
{
	struct reconcile_found	 f = { d, NULL, 0 };
	struct ctr		*c;
	size_t			 i;
	int			 n = 0;

	if (route_iface_list(reconcile_collect, &f) == -1)
		log_warn("%s: listing links", __func__);
	for (i = 0; i < f.n; i++) {
		c = reconcile_ctr(d, f.names[i]);
		if (bounds_ctr_admit(d, c->meta_len, NULL) == -1 ||
		    netd_ctr_find(d, c->name) != NULL) {
			ctr_free(c);
			continue;
		}
		log_warnx("%s: adopting %s as \"%s\" (%s)", __func__, c->tun,
		    c->name, addr_fmt(c->addr, (char[ADDR_STRLEN]){ 0 }));
		netd_ctr_append(d, c);
		enforce_ctr_added(d->enforce, c);
		n++;
	}
	for (i = 0; i < f.n; i++)
		free(f.names[i]);
	free(f.names);
	return n;
}

/*
 * A stored entry netd_reconcile_ctrs dropped: remove its tun (named for
 * its address) unless a kept container has that address (it is that
 * one's). Inside this pool a tun of that name is this instance's; one
 * outside it (netd restarted with another --pool) is removed only when
 * its label names this entry and no other live netd's pool holds the
 * address, so another instance's tun is never touched.
 */
void
reconcile_dropped(struct netd *d, const struct ctr *c)
{
	struct host_self	 hs;
	char			 tun[TUN_NAMESIZ], label[128];
	char			 want[RECONCILE_LABEL_SIZE];
	uint32_t		 a = c->addr;
	size_t			 i;

	if (a == 0 || a == d->cfg.gateway)
		return;
	for (i = 0; i < d->nctrs; i++)
		if (d->ctrs[i]->addr == a)
			return;
	/* (Removing a name that does not exist costs nothing.) */
	snprintf(tun, sizeof(tun), BERTH_CTR_IFPREFIX "%08x", a);
	if (cidr_contains(&d->cfg.pool, a)) {
		log_info("%s: removing %s of the dropped \"%s\"", __func__,
		    tun, c->name);
		netd_tun_remove(d, -1, tun, ipam_reserve(d->ipam, a, NULL) ==
		    0 ? a : 0, NULL);
		return;
	}
	(void)reconcile_label(c, want, sizeof(want));
	netd_host_self(&d->cfg, &hs);
	if (route_iface_get_label(tun, label, sizeof(label)) == -1 ||
	    strcmp(label, want) != 0 || host_pool_user(&hs, a) != 0) {
		log_warnx("%s: keeping %s of the dropped \"%s\": outside the "
		    "pool, and maybe not ours", __func__, tun, c->name);
		return;
	}
	log_info("%s: removing %s of the dropped \"%s\" (outside the pool)",
	    __func__, tun, c->name);
	netd_tun_remove(d, -1, tun, 0, NULL);
}

/*
 * Keep a state file netd cannot use: it is kept as state.json.bad (or
 * .bad.N when that exists), netd starts degraded with why. 0, or -1
 * when the file cannot be kept (then netd must not start: it could not
 * write its state either).
 *
 * A file is linked, not moved, and stays in place until netd_start
 * replaces it with the rebuilt state: a netd killed in between (Ctrl-C
 * of a restart) finds it damaged again and adopts again, where an empty
 * place would have meant "no containers" and a sweep of every tun. A
 * directory cannot be linked or replaced: it is moved.
 */
int
reconcile_damaged(struct netd *d, const char *path, const char *why,
    char **cause)
{
	char	*bad = NULL;
	int	 i;

	for (i = 0; i < 100; i++) {
		free(bad);
		if (i == 0)
			xasprintf(&bad, "%s.bad", path);
		else
			xasprintf(&bad, "%s.bad.%d", path, i);
		if (access(bad, F_OK) == -1 && errno == ENOENT)
			break;
	}
	if (link(path, bad) == -1 && rename(path, bad) == -1) {
		cause_set(cause, "%s is damaged (%s) and cannot be moved "
		    "aside: %s", path, why, strerror(errno));
		free(bad);
		return -1;
	}
	log_warnx("%s: %s: %s; kept as %s, starting degraded", __func__,
	    path, why, bad);
	free(d->degraded);
	xasprintf(&d->degraded, "the state file was damaged (%s); it is "
	    "kept as %s, and the containers were rebuilt from the kernel's "
	    "interfaces: their names and addresses, not their ports, "
	    "networks or meta", why, bad);
	free(bad);
	return 0;
}
