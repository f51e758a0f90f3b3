/* SPDX-License-Identifier: ISC */
/*
 * ctr.c - containers and networks: create (check, address, tun,
 * firewall, proxy, name), delete, and the networks they join.
 *
 * DOC: create and delete
 * Create checks everything it can before it changes anything, then
 * takes an address, opens the tun, adds the firewall elements and the
 * proxy ports, and rolls back in reverse if a step fails. Delete stops
 * routing at once and queues the tun (d->dying); netd_reap destroys it
 * after the reply went out.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "dns.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "util.h"
#include "xmalloc.h"

struct ctr *
netd_ctr_find(struct netd *d, const char *name)
{
	size_t	 i;

	for (i = 0; i < d->nctrs; i++)
		if (strcmp(d->ctrs[i]->name, name) == 0)
			return d->ctrs[i];
	return NULL;
}

static struct ctr *
netd_ctr_by_addr(struct netd *d, uint32_t a)
{
	size_t	 i;

	for (i = 0; i < d->nctrs; i++)
		if (d->ctrs[i]->addr == a)
			return d->ctrs[i];
	return NULL;
}
/* Take container i out of the table (it is not freed). */
void
netd_ctr_unlink(struct netd *d, size_t i)
{
	memmove(&d->ctrs[i], &d->ctrs[i + 1],
	    (d->nctrs - i - 1) * sizeof(*d->ctrs));
	d->nctrs--;
}

void
netd_ctr_remove_at(struct netd *d, size_t i)
{
	struct ctr	*c = d->ctrs[i];

	netd_ctr_unlink(d, i);
	ctr_free(c);
}
static int
netd_ctr_networks(struct netd *d, json_t *v, struct ctr *c, char **cause)
{
	const char	*s;
	size_t		 i, j;

	if (v == NULL || json_is_null(v)) {
		c->networks = xcalloc(1, sizeof(char *));
		c->networks[c->nnetworks++] = xstrdup("default");
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return cause_set(cause, "networks must be a non-empty array "
		    "of names");
	if (json_array_size(v) > NETD_MAX_NETS)
		return cause_set(cause, "at most %d networks",
		    NETD_MAX_NETS);
	c->networks = xcalloc(json_array_size(v), sizeof(char *));
	for (i = 0; i < json_array_size(v); i++) {
		if ((s = json_string_value(json_array_get(v, i))) == NULL)
			return cause_set(cause, "networks must be strings");
		if (name_check(s, "network name", cause) == -1)
			return -1;
		if (netd_net_find(d, s) == NULL)
			return cause_set(cause, "no such network \"%s\"", s);
		for (j = 0; j < c->nnetworks; j++)
			if (strcmp(c->networks[j], s) == 0)
				break;
		if (j == c->nnetworks)
			c->networks[c->nnetworks++] = xstrdup(s);
	}
	return 0;
}

static int
netd_ctr_optname(json_t *args, const char *key, const char *what,
    char **out, char **cause)
{
	json_t	*v = json_object_get(args, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cause_set(cause, "%s must be a string", key);
	if (name_check(json_string_value(v), what, cause) == -1)
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* The address of a new container: asked for, or the next free one. */
static int
netd_ctr_addr(struct netd *d, json_t *v, struct ctr *c, char **cause)
{
	struct ctr	*o;
	const char	*s;
	char		 a[ADDR_STRLEN], p[CIDR_STRLEN];

	if (v == NULL || json_is_null(v))
		return ipam_alloc(d->ipam, &c->addr, cause);
	if ((s = json_string_value(v)) == NULL)
		return cause_set(cause, "ip must be a string");
	if (addr_parse(s, &c->addr) == -1)
		return cause_set(cause, "bad address \"%.20s\"", s);
	if (!cidr_contains(&d->cfg.pool, c->addr))
		return cause_set(cause, "address %s is not in the pool %s",
		    addr_fmt(c->addr, a), cidr_fmt(&d->cfg.pool, p));
	if ((o = netd_ctr_by_addr(d, c->addr)) != NULL)
		return cause_set(cause, "address %s is taken by \"%s\"",
		    addr_fmt(c->addr, a), o->name);
	return ipam_reserve(d->ipam, c->addr, cause);
}

struct ctr *
netd_ctr_create(struct netd *d, json_t *args, char **cause)
{
	struct ctr	*c;
	json_t		*v;
	const char	*name;
	char		*enc;
	size_t		 len;
	int		 have_addr = 0, have_port = 0;

	c = xcalloc(1, sizeof(*c));
	c->port.fd = -1;
	v = json_object_get(args, "name");
	if ((name = json_string_value(v)) == NULL) {
		cause_set(cause, "create needs a container name");
		goto fail;
	}
	if (name_check(name, "container name", cause) == -1)
		goto fail;
	if (netd_ctr_find(d, name) != NULL) {
		cause_set(cause, "name \"%s\" is taken", name);
		goto fail;
	}
	if (strcmp(name, "host") == 0) {
		cause_set(cause, "name \"host\" is reserved (host.berth is "
		    "the gateway)");
		goto fail;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (netd_ctr_networks(d, json_object_get(args, "networks"), c,
	    cause) == -1 ||
	    netd_ctr_optname(args, "stack", "stack name", &c->stack,
	    cause) == -1 ||
	    netd_ctr_optname(args, "service", "service name", &c->service,
	    cause) == -1)
		goto fail;
	v = json_object_get(args, "meta");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v)) {
			cause_set(cause, "meta must be an object");
			goto fail;
		}
		enc = json_dumps(v, JSON_COMPACT);
		len = enc != NULL ? strlen(enc) : 0;
		free(enc);
		if (len > NETD_META_MAX) {
			cause_set(cause, "meta is too large (%zu bytes, at "
			    "most %d)", len, NETD_META_MAX);
			goto fail;
		}
		c->meta = json_deep_copy(v);
	} else
		c->meta = json_object();
	if (netd_ctr_ports(d, json_object_get(args, "ports"), c, cause) == -1)
		goto fail;
	if (netd_ctr_addr(d, json_object_get(args, "ip"), c, cause) == -1)
		goto fail;
	have_addr = 1;
	snprintf(c->tun, sizeof(c->tun), BERTH_CTR_IFPREFIX "%08x", c->addr);
	c->state = CTR_CREATED;
	c->created = (long long)time(NULL);
	if (netd_port_open(d, c, cause) == -1)
		goto fail;
	have_port = 1;
	if (netd_fw_ctr(d, c, 1, cause) == -1)
		goto fail;
	if (netd_proxy_ctr(d, c, 1, cause) == -1) {
		char	*why = NULL;

		if (netd_fw_ctr(d, c, 0, &why) == -1) {
			log_warnx("%s: rolling back: %s", __func__, why);
			free(why);
		}
		goto fail;
	}
	d->ctrs = xreallocarray(d->ctrs, d->nctrs + 1, sizeof(*d->ctrs));
	d->ctrs[d->nctrs++] = c;
	dns_zone_add(d->zone, c->name, c->addr, c->stack, c->service);
	d->names_dirty = 1;
	(void)netd_save(d);
	log_info("%s: \"%s\" %s on %s", __func__, c->name,
	    addr_fmt(c->addr, (char[ADDR_STRLEN]){ 0 }), c->tun);
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
	dns_zone_del(d->zone, c->name);
	d->names_dirty = 1;
	/* Stop routing to it now; the tun goes after the reply is sent. */
	netd_port_detach(d, c);
	link_forget(d->links, c->addr);
	log_info("%s: \"%s\"", __func__, c->name);
	for (i = 0; i < d->nctrs; i++) {
		if (d->ctrs[i] == c) {
			netd_ctr_unlink(d, i);
			break;
		}
	}
	d->dying = xreallocarray(d->dying, d->ndying + 1, sizeof(*d->dying));
	d->dying[d->ndying++] = c;
	ev_defer(d->ev, &d->reap_ev);
	(void)netd_save(d);
}

/*
 * Destroying a tun makes the kernel unregister the device, which takes
 * ~25 ms; done here, after the loop round that sent the delete's reply,
 * the client does not wait for it. The address stays reserved until the
 * tun that held it is gone.
 */
void
netd_reap(void *arg)
{
	struct netd	*d = arg;
	struct ctr	*c;
	size_t		 i;

	for (i = 0; i < d->ndying; i++) {
		c = d->dying[i];
		netd_port_release(c, 1);
		ipam_release(d->ipam, c->addr);
		ctr_free(c);
	}
	d->ndying = 0;
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
    char **cause)
{
	if (name_check(name, "network name", cause) == -1)
		return -1;
	if (netd_net_find(d, name) != NULL)
		return cause_set(cause, "network \"%s\" exists", name);
	d->nets = xreallocarray(d->nets, d->nnets + 1, sizeof(*d->nets));
	memset(&d->nets[d->nnets], 0, sizeof(*d->nets));
	snprintf(d->nets[d->nnets].name, sizeof(d->nets->name), "%s", name);
	d->nets[d->nnets++].internal = internal;
	(void)netd_save(d);
	return 0;
}

int
netd_net_delete(struct netd *d, const char *name, char **cause)
{
	struct network	*n;
	size_t		 i, j;

	if (strcmp(name, "default") == 0)
		return cause_set(cause, "the default network cannot be "
		    "removed");
	if ((n = netd_net_find(d, name)) == NULL)
		return cause_set(cause, "no such network \"%s\"", name);
	for (i = 0; i < d->nctrs; i++)
		for (j = 0; j < d->ctrs[i]->nnetworks; j++)
			if (strcmp(d->ctrs[i]->networks[j], name) == 0)
				return cause_set(cause, "network \"%s\" is in "
				    "use by \"%s\"", name, d->ctrs[i]->name);
	i = (size_t)(n - d->nets);
	memmove(&d->nets[i], &d->nets[i + 1],
	    (d->nnets - i - 1) * sizeof(*d->nets));
	d->nnets--;
	(void)netd_save(d);
	return 0;
}
