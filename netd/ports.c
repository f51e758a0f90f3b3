/* SPDX-License-Identifier: ISC */
/*
 * ports.c - published ports: checked against the host and the other
 * containers at create, ",proxy" ones served by proxy.c (the others are
 * the firewall's, ruleset.c).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "netd.h"
#include "os.h"
#include "port.h"
#include "proxy.h"
#include "util.h"
#include "xmalloc.h"

/* Is host port (proto, addr, port) free? Probe it with bind(). */
int
netd_probe(uint8_t proto, uint32_t addr, uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 s, one = 1, ret, saved;

	s = socket(AF_INET, proto == PORT_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (s == -1)
		return -1;
	/* TIME_WAIT leftovers are no conflict; listeners are. */
	if (proto == PORT_TCP)
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	ret = bind(s, (struct sockaddr *)&sin, sizeof(sin));
	saved = errno;
	close(s);
	errno = saved;
	return ret;
}

/*
 * The host addresses a published port on every address catches: all
 * IPv4 addresses but berth's own (any instance's tuns).
 */
size_t
netd_host_addrs(struct netd *d, uint32_t **out)
{
	struct ifaddrs	*ifa, *p;
	uint32_t	 a;
	size_t		 n = 0;

	*out = NULL;
	if (getifaddrs(&ifa) == -1)
		return 0;
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_INET)
			continue;
		a = ntohl(((struct sockaddr_in *)(void *)p->ifa_addr)->
		    sin_addr.s_addr);
		if (cidr_contains(&d->cfg.pool, a) ||
		    netd_ctr_ifname(p->ifa_name, NULL))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof(**out));
		(*out)[n++] = a;
	}
	freeifaddrs(ifa);
	return n;
}

static int
netd_port_free(struct netd *d, const struct portspec *ps, char **cause)
{
	uint32_t	*addrs = NULL;
	size_t		 naddrs = 0, i;
	unsigned	 port;
	char		 a[ADDR_STRLEN];
	int		 ret = 0, looked = 0;
	size_t		 held;

	for (port = ps->host_lo; port <= ps->host_hi && ret == 0; port++) {
		if (d->kern->port_probe(ps->proto, ps->host_addr,
		    (uint16_t)port) == 0)
			continue;
		if (errno == EADDRNOTAVAIL) {
			ret = cause_set(cause, "host address %s is not an "
			    "address of this host", addr_fmt(ps->host_addr,
			    a));
			break;
		}
		if (errno != EADDRINUSE || ps->host_addr != 0) {
			ret = cause_set(cause, "host port %u/%s is in use on "
			    "this host", port, port_proto_name(ps->proto));
			break;
		}
		/*
		 * The wildcard probe also collides with containers bound
		 * to their own addresses: look at each host address.
		 */
		if (!looked) {
			naddrs = netd_host_addrs(d, &addrs);
			looked = 1;
		}
		for (i = 0, held = 0; i < naddrs; i++) {
			if (d->kern->port_probe(ps->proto, addrs[i],
			    (uint16_t)port) == -1 && errno == EADDRINUSE &&
			    held++ == 0)
				addr_fmt(addrs[i], a);
		}
		/* taken on every address: a listener on 0.0.0.0 */
		if (held > 0)
			ret = cause_set(cause, "host port %u/%s is in use on "
			    "this host (%s)", port, port_proto_name(ps->proto),
			    held == naddrs && naddrs > 1 ? "0.0.0.0" : a);
	}
	free(addrs);
	return ret;
}

/*
 * How many published ports of the containers in the table take each
 * host port, by protocol (every host address and one address alike).
 * A new port whose range nobody holds needs no look at the others: the
 * check costs the range's length, not the number of containers.
 */
static uint32_t *
netd_port_use(struct netd *d, uint8_t proto)
{
	if (d->port_use == NULL)
		d->port_use = xcalloc(2 * 65536, sizeof(*d->port_use));
	return d->port_use + (proto == PORT_UDP ? 65536 : 0);
}

void
netd_ports_count(struct netd *d, const struct ctr *c, int delta)
{
	uint32_t	*use;
	size_t		 i;
	unsigned	 p;

	for (i = 0; i < c->nports; i++) {
		use = netd_port_use(d, c->ports[i].proto);
		for (p = c->ports[i].host_lo; p <= c->ports[i].host_hi; p++)
			use[p] += (uint32_t)delta;
	}
}

/* Does any container's published port take a port of p's range? */
static int
netd_port_held(struct netd *d, const struct portspec *p)
{
	uint32_t	*use = netd_port_use(d, p->proto);
	unsigned	 q;

	for (q = p->host_lo; q <= p->host_hi; q++)
		if (use[q] != 0)
			return 1;
	return 0;
}

/*
 * The published ports of a new container (checked by ctr_spec_parse)
 * against the other containers' and the host's. Only a port some
 * container holds is looked for among them (which one, and whether on
 * the same host address).
 */
int
netd_ctr_ports_free(struct netd *d, const struct ctr_spec *sp, char **cause)
{
	struct ctr	*o;
	size_t		 i, j, k;

	for (i = 0; i < sp->nports; i++) {
		for (k = 0; netd_port_held(d, &sp->ports[i]) &&
		    k < d->nctrs; k++) {
			o = d->ctrs[k];
			netd_ctr_probes++;
			for (j = 0; j < o->nports; j++)
				if (portspec_conflict(&sp->ports[i],
				    &o->ports[j]))
					return cause_set(cause, "host port "
					    "%u/%s is already published by "
					    "\"%s\"", sp->ports[i].host_lo,
					    port_proto_name(sp->ports[i].proto),
					    o->name);
		}
		if (netd_port_free(d, &sp->ports[i], cause) == -1)
			return -1;
	}
	return 0;
}

/*
 * Serve one ",proxy" port. "Every host address" is each address of the
 * host's own interfaces, bound one by one: a wildcard listener would
 * also take the port on every container address (they are local too),
 * so a container could not listen on its own port of the same number.
 */
static int
netd_proxy_port(struct netd *d, const struct portspec *ps, uint32_t addr,
    char **cause)
{
	uint32_t	*addrs = NULL, one = ps->host_addr;
	size_t		 n = 1, i;
	int		 rc = 0;

	if (ps->host_addr == 0)
		n = netd_host_addrs(d, &addrs);
	for (i = 0; i < n && rc == 0; i++)
		rc = proxy_add(d->proxy, ps->proto, addrs != NULL ? addrs[i] :
		    one, ps->host_lo, ps->host_hi, addr, ps->ctr_lo, cause);
	if (rc == -1)
		proxy_del(d->proxy, ps->proto, ps->host_addr, ps->host_lo);
	free(addrs);
	return rc;
}

/* ",proxy" ports, and every port where os_proxy_ports says so. */
static int
netd_port_proxied(const struct portspec *ps)
{
	return os_proxy_ports || (ps->flags & PORTSPEC_PROXY);
}

/* Serve (add) or stop serving the proxied ports of a container. */
int
netd_proxy_ctr(struct netd *d, const struct ctr *c, int add, char **cause)
{
	const struct portspec	*ps;
	size_t			 i, j;

	for (i = 0; i < c->nports; i++) {
		ps = &c->ports[i];
		if (!netd_port_proxied(ps))
			continue;
		if (!add) {
			proxy_del(d->proxy, ps->proto, ps->host_addr,
			    ps->host_lo);
			continue;
		}
		if (netd_proxy_port(d, ps, c->addr, cause) == -1) {
			for (j = 0; j < i; j++) {
				if (netd_port_proxied(&c->ports[j]))
					proxy_del(d->proxy, c->ports[j].proto,
					    c->ports[j].host_addr,
					    c->ports[j].host_lo);
			}
			return -1;
		}
	}
	return 0;
}

