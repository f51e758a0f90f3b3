/* SPDX-License-Identifier: ISC */
/*
 * endpoint.c - netd's tun endpoints: the gateway tun and one tun per
 * container, opened, attached to the router and the loop, closed.
 *
 * DOC: endpoints
 * An endpoint is a struct rport: a tun fd the event loop reads and the
 * router writes. Closing one is two steps: detach (stop reading and
 * routing to it, at once) and release (close the fd; with destroy, the
 * interface goes too). Removing an interface costs the kernel ~25 ms,
 * so a deleted container's tun, a leftover of a crashed run and a
 * stored entry dropped at start go to teardown.c (netd_tun_remove),
 * whose thread removes them off the router's path; their address is
 * taken until they are gone. A tun that fails for good is made again
 * (netd_port_broken).
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "netd.h"
#include "ipam.h"
#include "route.h"
#include "router.h"
#include "teardown.h"
#include "tun.h"
#include "util.h"

/* "bt" + 8 hex digits: a container tun of some instance. */
int
netd_ctr_ifname(const char *name, uint32_t *addr)
{
	size_t	 i, n = strlen(BERTH_CTR_IFPREFIX);

	if (strlen(name) != n + 8 || strncmp(name, BERTH_CTR_IFPREFIX, n) != 0)
		return 0;
	for (i = n; i < n + 8; i++)
		if (!isxdigit((unsigned char)name[i]) ||
		    isupper((unsigned char)name[i]))
			return 0;
	if (addr != NULL)
		*addr = (uint32_t)strtoul(name + n, NULL, 16);
	return 1;
}

/* --------------------------------------------------------------- ports */

static void
netd_port_event(int fd, int events, void *arg)
{
	struct rport	*p = arg;

	(void)fd;
	(void)events;
	router_input(p->router, p);
}

int
netd_gw_open(struct netd *d, char **cause)
{
	char	 ifname[TUN_NAMESIZ];

	if ((d->gw.fd = tun_open(d->cfg.gw_ifname, ifname, cause)) == -1)
		return -1;
	if (route_iface_setup(ifname, d->cfg.gateway, 0, d->cfg.mtu, 1, NULL,
	    cause) == -1 || route_pool_add(&d->cfg.pool, ifname,
	    d->cfg.gateway, d->cfg.table, cause) == -1)
		goto fail;
	if (ev_add(d->ev, d->gw.fd, EV_READ, netd_port_event, &d->gw) == -1) {
		cause_set(cause, "ev_add: %s", strerror(errno));
		goto fail;
	}
	snprintf(d->cfg.gw_ifname, sizeof(d->cfg.gw_ifname), "%s", ifname);
	router_add(d->router, &d->gw);
	return 0;
fail:
	tun_destroy(d->gw.fd, ifname);
	d->gw.fd = -1;
	return -1;
}

int
netd_port_open(struct netd *d, struct ctr *c, char **cause)
{
	char	 ifname[TUN_NAMESIZ], label[RECONCILE_LABEL_SIZE];
	int	 fd;

	if ((fd = d->kern->tun_open(c->tun, ifname, cause)) == -1)
		return -1;
	if (d->kern->iface_setup(ifname, c->addr, d->cfg.gateway, d->cfg.mtu,
	    0, reconcile_label(c, label, sizeof(label)), cause) == -1)
		goto fail;
	c->port.fd = fd;
	c->port.addr = c->addr;
	c->port.owner = c;
	if (ev_add(d->ev, fd, EV_READ, netd_port_event, &c->port) == -1) {
		cause_set(cause, "ev_add: %s", strerror(errno));
		goto fail;
	}
	snprintf(c->tun, sizeof(c->tun), "%s", ifname);
	router_add(d->router, &c->port);
	return 0;
fail:
	c->port.fd = -1;
	d->kern->tun_destroy(fd, ifname);
	return -1;
}

void
netd_gw_close(struct netd *d, int destroy)
{
	if (d->gw.fd == -1)
		return;
	router_remove(d->router, &d->gw);
	ev_del(d->ev, d->gw.fd);
	if (destroy)
		tun_destroy(d->gw.fd, d->cfg.gw_ifname);
	else
		close(d->gw.fd);
	d->gw.fd = -1;
}

/* Stop routing to c; destroy: remove its interface too. */
void
netd_port_close(struct netd *d, struct ctr *c, int destroy)
{
	netd_port_detach(d, c);
	netd_port_release(d, c, destroy);
}

/* Stop reading and routing to a container's tun. */
void
netd_port_detach(struct netd *d, struct ctr *c)
{
	if (c->port.fd == -1)
		return;
	router_remove(d->router, &c->port);
	ev_del(d->ev, c->port.fd);
}

/* Close a detached tun; with destroy, the interface goes too. */
void
netd_port_release(struct netd *d, struct ctr *c, int destroy)
{
	if (c->port.fd == -1)
		return;
	if (destroy) {
		d->kern->tun_destroy(c->port.fd, c->tun);
		(void)d->kern->iface_delete(c->tun);
	} else
		close(c->port.fd);
	c->port.fd = -1;
}

/*
 * A tun fd failed for good, most likely because someone deleted the
 * interface: make it again, so the container (or everyone, for the
 * gateway) gets its datapath back; if that fails, stop polling it.
 */
void
netd_port_broken(void *arg, struct rport *p)
{
	struct netd	*d = arg;
	struct ctr	*c = p->owner;
	char		*cause = NULL;

	if (p->gateway) {
		log_warnx("%s: gateway tun %s failed; making it again",
		    __func__, d->cfg.gw_ifname);
		netd_gw_close(d, 0);
		if (netd_gw_open(d, &cause) == -1) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
		}
		return;
	}
	log_warnx("%s: tun %s of \"%s\" failed; making it again", __func__,
	    c->tun, c->name);
	netd_port_close(d, c, 0);
	if (netd_port_open(d, c, &cause) == -1) {
		log_warnx("%s: \"%s\": %s", __func__, c->name, cause);
		free(cause);
	} else
		state_ctr_changed(d, c);	/* its tun (utunN on macOS) */
}

/* On the loop, a tun teardown.c removed: its address is free again. */
static void
netd_tun_gone(void *arg, uint32_t addr, void *cookie)
{
	struct netd	*d = arg;

	if (addr != 0)
		ipam_release(d->ipam, addr);
	ctr_free(cookie);
}

/*
 * The teardown queue: netd_start makes it with a thread; anyone else
 * (--cleanup, unit tests) gets one that runs on the loop, a tun per
 * round.
 */
struct teardown *
netd_teardown(struct netd *d)
{
	if (d->teardown == NULL)
		d->teardown = teardown_new(d->ev, d->kern, 0, netd_tun_gone,
		    d);
	return d->teardown;
}

/* netd_start: the queue with its thread. */
void
netd_teardown_start(struct netd *d)
{
	if (d->teardown == NULL)
		d->teardown = teardown_new(d->ev, d->kern, 1, netd_tun_gone,
		    d);
}

/*
 * Remove a tun off the router's path: fd (detached; -1: by name, a
 * leftover) closed and the interface gone on teardown's thread. addr
 * (reserved in IPAM, or 0) is released and c (or NULL) freed once it
 * is gone.
 */
void
netd_tun_remove(struct netd *d, int fd, const char *ifname, uint32_t addr,
    struct ctr *c)
{
	log_debug("%s: %s", __func__, ifname);
	teardown_add(netd_teardown(d), fd, ifname, addr, c);
}

const struct netd_kernel netd_kernel_os = {
	tun_open,
	tun_destroy,
	route_iface_setup,
	route_iface_delete,
	netd_probe,
};
