/* SPDX-License-Identifier: ISC */
/*
 * netd.c - berth-netd's life: start and reconcile, containers, stop,
 * cleanup.
 *
 * DOC: the parts of berth-netd (one process; the table is its map)
 *
 *	part		file		runs on
 *	loop		main.c ev_*.c	every fd below, level-triggered
 *	control		ctl.c ops.c	the unix socket: requests, replies
 *	router		router.c	every tun: read, look up, write
 *	firewall	fw*.c		nft / pfctl children, one at a time
 *	kernel		route_*.c tun_*.c  netlink / ioctl, synchronous
 *	state		state.c		STATE_DIR/state.json, once per round
 *	host		host.c		host.json: settings shared by instances
 *	names		dns*.c hostdns_*.c  UDP/TCP 53 on the gateway
 *	proxy		proxy*.c	",proxy" ports: listeners, relays
 *
 * Start (netd_start) reconciles the kernel with the state file instead
 * of assuming a clean host: it removes the links of this instance that
 * no stored container owns (a crashed run's), re-opens the persistent
 * tuns of the stored containers (their servers never noticed netd was
 * gone), replaces the routes and rules of its table and the nft table
 * as a whole. Every object is found by name: the gateway tun PREFIX0,
 * container tuns "bt" + the address in hex (an address inside this
 * instance's pool, so instances never touch each other's), the routing
 * table id, the nft table PREFIX. So each kernel object exists once,
 * however often netd restarts.
 *
 * Stop (SIGTERM, "shutdown") removes everything this instance created
 * and forgets the containers: their addresses are gone, so a container
 * record would be a lie. Networks stay in the state file. `--cleanup`
 * does the same for a netd that is no longer running.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "fw.h"
#include "host.h"
#include "ipam.h"
#include "log.h"
#include "name.h"
#include "dns.h"
#include "dnssrv.h"
#include "hostdns.h"
#include "netd.h"
#include "proxy.h"
#include "pfrules.h"
#include "port.h"
#include "proto.h"
#include "route.h"
#include "tun.h"
#include "util.h"
#include "xmalloc.h"

static void	netd_port_broken(void *, struct rport *);
static void	netd_fw_reload(void *);
static size_t	netd_host_addrs(struct netd *, uint32_t **);
static void	netd_reap(struct netd *);
static void	netd_port_detach(struct netd *, struct ctr *);
static void	netd_port_release(struct ctr *, int);
static void	netd_flush(struct netd *);

/* -------------------------------------------------------------- config */

/* "bt" + 8 hex digits: a container tun of some instance. */
static int
netd_ctr_ifname(const char *name, uint32_t *addr)
{
	size_t	 i, n = strlen(NETD_CTR_IFPREFIX);

	if (strlen(name) != n + 8 || strncmp(name, NETD_CTR_IFPREFIX, n) != 0)
		return 0;
	for (i = n; i < n + 8; i++)
		if (!isxdigit((unsigned char)name[i]) ||
		    isupper((unsigned char)name[i]))
			return 0;
	if (addr != NULL)
		*addr = (uint32_t)strtoul(name + n, NULL, 16);
	return 1;
}

int
netd_config_check(struct netd_config *cfg, char **cause)
{
	struct pfr_ruleset	 rs;
	struct group		*gr;
	size_t			 i, n = strlen(cfg->prefix);
	char			 buf[CIDR_STRLEN];

	if (n == 0 || n > 14 || !islower((unsigned char)cfg->prefix[0]))
		return cause_set(cause, "prefix \"%s\": 1 to 14 characters, "
		    "starting with a lowercase letter", cfg->prefix);
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)cfg->prefix[i]) &&
		    !isdigit((unsigned char)cfg->prefix[i]) &&
		    cfg->prefix[i] != '_')
			return cause_set(cause, "prefix \"%s\": only a-z, 0-9 "
			    "and _", cfg->prefix);
	snprintf(cfg->gw_ifname, sizeof(cfg->gw_ifname), "%s0", cfg->prefix);
	if (netd_ctr_ifname(cfg->gw_ifname, NULL))
		return cause_set(cause, "prefix \"%s\": %s would look like a "
		    "container tun", cfg->prefix, cfg->gw_ifname);
	if (cfg->pool.plen < 8 || cfg->pool.plen > 29)
		return cause_set(cause, "pool %s: the prefix length must be "
		    "8..29", cidr_fmt(&cfg->pool, buf));
	cfg->gateway = cidr_gateway(&cfg->pool);
	if (cfg->table == 0 || (cfg->table >= 253 && cfg->table <= 255) ||
	    cfg->table > 0x7fffffff)
		return cause_set(cause, "table %u is reserved (use 1..252 or "
		    "256..2147483647)", cfg->table);
	if (cfg->mtu == 0)
		cfg->mtu = NETD_MTU;
	cfg->gid = (gid_t)-1;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL)
			return cause_set(cause, "no such group: %s",
			    cfg->group);
		cfg->gid = gr->gr_gid;
	}
	/* The renderer's checks of the table and interface names. */
	memset(&rs, 0, sizeof(rs));
	snprintf(rs.name, sizeof(rs.name), "%s", cfg->prefix);
	rs.pool = cfg->pool;
	rs.gateway = cfg->gateway;
	snprintf(rs.gw_ifname, sizeof(rs.gw_ifname), "%s", cfg->gw_ifname);
	snprintf(rs.ctr_ifprefix, sizeof(rs.ctr_ifprefix), "%s",
	    NETD_CTR_IFPREFIX);
	rs.fwmark = cfg->table;
	rs.egress = cfg->egress;
	rs.negress = cfg->negress;
	if (pfr_validate(&rs, cause) == -1)
		return cause_prefix(cause, "prefix \"%s\"", cfg->prefix);
	return 0;
}

static void
netd_host_self(const struct netd_config *cfg, struct host_self *h)
{
	h->prefix = cfg->prefix;
	h->pool = cfg->pool;
	h->table = cfg->table;
	h->file = cfg->host_file;
}

/* ------------------------------------------------------------ lifetime */

struct netd *
netd_new(const struct netd_config *cfg)
{
	struct netd	*d;

	d = xcalloc(1, sizeof(*d));
	d->cfg = *cfg;
	d->gw.fd = -1;
	d->gw.gateway = 1;
	d->gw.addr = cfg->gateway;
	d->lockfd = -1;
	return d;
}

void
netd_free(struct netd *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nctrs; i++)
		ctr_free(d->ctrs[i]);
	free(d->ctrs);
	free(d->dying);
	free(d->nets);
	ctl_free(d->ctl);
	fw_free(d->fw);
	router_free(d->router);
	ipam_free(d->ipam);
	ev_free(d->ev);
	if (d->lockfd != -1)
		close(d->lockfd);
	free(d);
}

static int
netd_lock(const struct netd_config *cfg, int *fdp, char **cause)
{
	char	*path;
	int	 fd;

	if (util_mkdir_p(cfg->state_dir, 0755) == -1)
		return cause_set(cause, "%s: %s", cfg->state_dir,
		    strerror(errno));
	xasprintf(&path, "%s/netd.lock", cfg->state_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		cause_set(cause, "%s: %s", path, errno == EWOULDBLOCK ?
		    "another berth-netd uses this state directory" :
		    strerror(errno));
		free(path);
		close(fd);
		return -1;
	}
	free(path);
	*fdp = fd;
	return 0;
}

static long long
netd_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------- rulesets */

/* The ruleset's head: names, pool, marks; no containers. */
static void
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

static void
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
static void
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
static int
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

static void
netd_fw_reload(void *arg)
{
	struct netd		*d = arg;
	struct pfr_ruleset	*rs = netd_ruleset(d);

	fw_reload(d->fw, rs);
	pfr_ruleset_free(rs);
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

static int
netd_gw_open(struct netd *d, char **cause)
{
	char	 ifname[TUN_NAMESIZ];

	if ((d->gw.fd = tun_open(d->cfg.gw_ifname, ifname, cause)) == -1)
		return -1;
	if (route_iface_setup(ifname, d->cfg.gateway, 0, d->cfg.mtu, 1,
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

static int
netd_port_open(struct netd *d, struct ctr *c, char **cause)
{
	char	 ifname[TUN_NAMESIZ];
	int	 fd;

	if ((fd = tun_open(c->tun, ifname, cause)) == -1)
		return -1;
	if (route_iface_setup(ifname, c->addr, d->cfg.gateway, d->cfg.mtu, 0,
	    cause) == -1)
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
	tun_destroy(fd, ifname);
	return -1;
}

static void
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
static void
netd_port_close(struct netd *d, struct ctr *c, int destroy)
{
	netd_port_detach(d, c);
	netd_port_release(c, destroy);
}

/* Stop reading and routing to a container's tun. */
static void
netd_port_detach(struct netd *d, struct ctr *c)
{
	if (c->port.fd == -1)
		return;
	router_remove(d->router, &c->port);
	ev_del(d->ev, c->port.fd);
}

/* Close a detached tun; with destroy, the interface goes too. */
static void
netd_port_release(struct ctr *c, int destroy)
{
	if (c->port.fd == -1)
		return;
	if (destroy) {
		tun_destroy(c->port.fd, c->tun);
		(void)route_iface_delete(c->tun);
	} else
		close(c->port.fd);
	c->port.fd = -1;
}

/*
 * A tun fd failed for good, most likely because someone deleted the
 * interface: make it again, so the container (or everyone, for the
 * gateway) gets its datapath back; if that fails, stop polling it.
 */
static void
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
	}
}

/* ---------------------------------------------------------- reconcile */

struct netd_sweep {
	const struct netd_config	*cfg;
	struct netd			*d;	/* NULL: remove every one */
	int				 removed;
};

/* A link of this instance that no stored container owns: remove it. */
static int
netd_sweep_link(const char *name, void *arg)
{
	struct netd_sweep	*s = arg;
	uint32_t		 a;
	size_t			 i;

	if (strcmp(name, s->cfg->gw_ifname) == 0) {
		if (s->d != NULL)
			return 0;
	} else if (!netd_ctr_ifname(name, &a) ||
	    !cidr_contains(&s->cfg->pool, a))
		return 0;
	else if (s->d != NULL) {
		for (i = 0; i < s->d->nctrs; i++)
			if (strcmp(s->d->ctrs[i]->tun, name) == 0)
				return 0;
	}
	log_info("%s: removing %s, left by an earlier run", __func__, name);
	if (route_iface_delete(name) == -1)
		log_warn("%s: %s", __func__, name);
	else
		s->removed++;
	return 0;
}

/* Take container i out of the table (it is not freed). */
static void
netd_ctr_unlink(struct netd *d, size_t i)
{
	memmove(&d->ctrs[i], &d->ctrs[i + 1],
	    (d->nctrs - i - 1) * sizeof(*d->ctrs));
	d->nctrs--;
}

static void
netd_ctr_remove_at(struct netd *d, size_t i)
{
	struct ctr	*c = d->ctrs[i];

	netd_ctr_unlink(d, i);
	ctr_free(c);
}

/* ---------------------------------------------------- proxy and names */

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

/* Serve (add) or stop serving the ",proxy" ports of a container. */
static int
netd_proxy_ctr(struct netd *d, const struct ctr *c, int add, char **cause)
{
	const struct portspec	*ps;
	size_t			 i, j;

	for (i = 0; i < c->nports; i++) {
		ps = &c->ports[i];
		if (!(ps->flags & PORTSPEC_PROXY))
			continue;
		if (!add) {
			proxy_del(d->proxy, ps->proto, ps->host_addr,
			    ps->host_lo);
			continue;
		}
		if (netd_proxy_port(d, ps, c->addr, cause) == -1) {
			for (j = 0; j < i; j++) {
				if (c->ports[j].flags & PORTSPEC_PROXY)
					proxy_del(d->proxy, c->ports[j].proto,
					    c->ports[j].host_addr,
					    c->ports[j].host_lo);
			}
			return -1;
		}
	}
	return 0;
}

/* The hosts block (or resolver) follows the zone. */
static void
netd_names_sync(struct netd *d)
{
	char	*cause = NULL;

	if (d->hdns != NULL && hostdns_sync(d->hdns, d->zone, &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

static void
netd_hostdns_conf(const struct netd_config *cfg, struct hostdns_conf *hc)
{
	memset(hc, 0, sizeof(*hc));
	hc->mode = HOSTDNS_AUTO;
	hc->prefix = cfg->prefix;
	hc->ifname = cfg->gw_ifname;
	hc->gateway = cfg->gateway;
}

/*
 * Names and the proxy, once the gateway is up and the containers are
 * back. A DNS server that cannot start is logged, not fatal: containers
 * still work by address.
 */
static void
netd_services_start(struct netd *d)
{
	struct dnssrv_conf	 dc;
	struct hostdns_conf	 hc;
	struct ctr		*c;
	char			*cause = NULL;
	size_t			 i;

	d->proxy = proxy_new(d->ev);
	d->zone = dns_zone_new(&d->cfg.pool, d->cfg.gateway);
	for (i = 0; i < d->nctrs; i++) {
		c = d->ctrs[i];
		dns_zone_add(d->zone, c->name, c->addr, c->stack, c->service);
		if (netd_proxy_ctr(d, c, 1, &cause) == -1) {
			log_warnx("%s: \"%s\": %s", __func__, c->name, cause);
			free(cause);
			cause = NULL;
		}
	}
	memset(&dc, 0, sizeof(dc));
	dc.addr = d->cfg.gateway;
	dc.zone = d->zone;
	if ((d->dns = dnssrv_new(&dc, d->ev, &cause)) == NULL) {
		log_warnx("%s: no DNS server: %s", __func__, cause);
		free(cause);
		cause = NULL;
	}
	netd_hostdns_conf(&d->cfg, &hc);
	if ((d->hdns = hostdns_start(&hc, &cause)) == NULL) {
		log_warnx("%s: the host will not resolve *.berth: %s",
		    __func__, cause);
		free(cause);
	}
	netd_names_sync(d);
}

static void
netd_services_stop(struct netd *d)
{
	dnssrv_free(d->dns);
	d->dns = NULL;
	hostdns_stop(d->hdns);
	d->hdns = NULL;
	dns_zone_free(d->zone);
	d->zone = NULL;
	proxy_free(d->proxy);
	d->proxy = NULL;
}

/* Bring back the stored containers; drop those that cannot be. */
static void
netd_reconcile_ctrs(struct netd *d)
{
	struct ctr	*c;
	char		*cause = NULL, want[TUN_NAMESIZ];
	size_t		 i = 0;

	while (i < d->nctrs) {
		c = d->ctrs[i];
		snprintf(want, sizeof(want), NETD_CTR_IFPREFIX "%08x",
		    c->addr);
		if (netd_ctr_find(d, c->name) != c)
			cause_set(&cause, "a second container of that name");
		else if (ipam_reserve(d->ipam, c->addr, &cause) == 0) {
			/* Linux: the name the address gives; macOS: any
			 * utunN, the old one died with the old netd. */
			snprintf(c->tun, sizeof(c->tun), "%s", want);
			if (netd_port_open(d, c, &cause) == 0) {
				log_debug("%s: \"%s\" on %s", __func__,
				    c->name, c->tun);
				i++;
				continue;
			}
			ipam_release(d->ipam, c->addr);
		}
		log_warnx("%s: dropping container \"%s\": %s", __func__,
		    c->name, cause);
		free(cause);
		cause = NULL;
		netd_ctr_remove_at(d, i);
	}
}

/*
 * A start that failed half way: undo it, but keep the stored containers
 * and their interfaces, whose servers may still be running.
 */
static void
netd_abort(struct netd *d)
{
	struct host_self	 hs;
	size_t			 i;

	ctl_free(d->ctl);
	d->ctl = NULL;
	netd_services_stop(d);
	netd_fw_unload(d->fw, &d->cfg, NULL);
	for (i = 0; i < d->nctrs; i++)
		netd_port_close(d, d->ctrs[i], 0);
	netd_gw_close(d, 1);
	(void)route_table_remove(d->cfg.table);
	netd_host_self(&d->cfg, &hs);
	(void)host_leave(&hs, NULL);
	d->stopped = 1;
}

int
netd_start(struct netd *d, char **cause)
{
	struct netd_sweep	 sweep = { &d->cfg, d, 0 };
	struct host_self	 hs;
	struct pfr_ruleset	*rs;
	int			 host = 0;

	if (netd_lock(&d->cfg, &d->lockfd, cause) == -1)
		return -1;
	if ((d->ev = ev_new()) == NULL)
		return cause_set(cause, "event loop: %s", strerror(errno));
	if ((d->ipam = ipam_new(&d->cfg.pool, cause)) == NULL)
		return -1;
	d->router = router_new(&d->cfg.pool, d->cfg.gateway);
	d->router->broken = netd_port_broken;
	d->router->arg = d;
	d->fw = fw_new(d->ev, netd_fw_reload, d);
	if (route_open(cause) == -1)
		return -1;
	if (state_load(d, cause) == -1)
		return -1;
	fw_set_token(d->fw, d->pf_token);

	netd_host_self(&d->cfg, &hs);
	if (host_enter(&hs, cause) == -1)
		return -1;
	host = 1;
	/* Links of a crashed run that no stored container owns. */
	if (route_iface_list(netd_sweep_link, &sweep) == -1)
		log_warn("%s: listing links", __func__);
	/* Rules and routes of the table are rebuilt from scratch. */
	(void)route_table_remove(d->cfg.table);
	if (netd_gw_open(d, cause) == -1)
		goto fail;
	if (route_rules_add(&d->cfg.pool, d->cfg.table, d->cfg.table,
	    cause) == -1)
		goto fail;
	netd_reconcile_ctrs(d);
	rs = netd_ruleset(d);
	if (fw_load(d->fw, rs, cause) == -1) {
		pfr_ruleset_free(rs);
		cause_prefix(cause, "cannot load the firewall rules");
		goto fail;
	}
	pfr_ruleset_free(rs);
	snprintf(d->pf_token, sizeof(d->pf_token), "%s", fw_token(d->fw));
	netd_services_start(d);
	d->ctl = ctl_new(d->ev, ops_handle, d);
	if (ctl_listen(d->ctl, d->cfg.socket, d->cfg.gid, cause) == -1)
		goto fail;
	(void)state_save(d);
	log_info("%s: serving %s: pool %s, %zu container(s), gateway %s",
	    __func__, d->cfg.socket, cidr_fmt(&d->cfg.pool,
	    (char[CIDR_STRLEN]){ 0 }), d->nctrs, d->cfg.gw_ifname);
	return 0;
fail:
	if (host)
		netd_abort(d);
	return -1;
}

/* ---------------------------------------------------------------- stop */

void
netd_stop(struct netd *d)
{
	struct host_self	 hs;
	char			*cause = NULL;
	size_t			 i;

	if (d->stopped)
		return;
	d->stopped = 1;
	ctl_free(d->ctl);
	d->ctl = NULL;
	netd_flush(d);
	netd_reap(d);
	netd_services_stop(d);
	netd_fw_unload(d->fw, &d->cfg, NULL);
	d->pf_token[0] = '\0';
	for (i = 0; i < d->nctrs; i++) {
		netd_port_close(d, d->ctrs[i], 1);
		ctr_free(d->ctrs[i]);
	}
	d->nctrs = 0;
	netd_gw_close(d, 1);
	(void)route_iface_delete(d->cfg.gw_ifname);
	if (route_table_remove(d->cfg.table) == -1)
		log_warn("%s: removing the rules and routes of table %u",
		    __func__, d->cfg.table);
	netd_host_self(&d->cfg, &hs);
	if (host_leave(&hs, &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	(void)state_save(d);
	log_info("%s: stopped; everything of %s removed", __func__,
	    d->cfg.prefix);
}

int
netd_cleanup(const struct netd_config *cfg, char **cause)
{
	struct netd		*d;
	struct netd_sweep	 sweep = { cfg, NULL, 0 };
	struct host_self	 hs;
	struct hostdns_conf	 hc;
	char			*why = NULL;
	int			 failed = 0, fd;
	size_t			 i;

	d = netd_new(cfg);
	if (netd_lock(cfg, &d->lockfd, cause) == -1) {
		netd_free(d);
		return -1;
	}
	d->fw = fw_new(NULL, NULL, NULL);
	if (route_open(cause) == -1 || state_load(d, cause) == -1) {
		netd_free(d);
		return -1;
	}
	fw_set_token(d->fw, d->pf_token);
	netd_fw_unload(d->fw, cfg, &failed);
	d->pf_token[0] = '\0';
	netd_hostdns_conf(cfg, &hc);
	if (hostdns_cleanup(&hc, &why) == -1) {
		log_warnx("%s: %s", __func__, why);
		free(why);
		why = NULL;
		failed = 1;
	}
	if (route_iface_list(netd_sweep_link, &sweep) == -1 ||
	    route_table_remove(cfg->table) == -1)
		failed = 1;
	netd_host_self(cfg, &hs);
	if (host_leave(&hs, &why) == -1) {
		log_warnx("%s: %s", __func__, why);
		free(why);
		failed = 1;
	}
	for (i = 0; i < d->nctrs; i++)
		ctr_free(d->ctrs[i]);
	d->nctrs = 0;
	(void)state_save(d);
	/* A socket file nobody serves any more. */
	if ((fd = proto_connect(cfg->socket, NULL)) == -1)
		(void)unlink(cfg->socket);
	else
		close(fd);
	netd_free(d);
	if (failed)
		return cause_set(cause, "some objects could not be removed "
		    "(see the log)");
	return 0;
}

/*
 * The loop. After a round that moved packets, netd polls without
 * sleeping for NETD_SPIN_US more: a request/response exchange crosses
 * netd twice per round trip, and waking a sleeping netd costs about as
 * much as the rest of the trip (sockperf ping-pong: 2.2x direct without
 * spinning, 1.7x with 20 us). The spin only runs while traffic flows;
 * BERTH_NETD_SPIN_US=0 turns it off.
 */
void
netd_run(struct netd *d)
{
	long long	 spin = NETD_SPIN_US, spin_until = 0;
	uint64_t	 seen = 0;
	const char	*e;
	unsigned long	 ul;
	int		 timeout, ptimeout;

	if ((e = getenv("BERTH_NETD_SPIN_US")) != NULL &&
	    util_parse_uint(e, 1000000, &ul) == 0)
		spin = (long long)ul;
	while (!d->quit) {
		timeout = d->dns != NULL ? dnssrv_timeout(d->dns) : -1;
		ptimeout = d->proxy != NULL ? proxy_tick(d->proxy,
		    util_now_ms()) : -1;
		if (timeout == -1 || (ptimeout != -1 && ptimeout < timeout))
			timeout = ptimeout;
		if (ev_run_once(d->ev, spin_until > 0 &&
		    netd_now_us() < spin_until ? 0 : timeout) == -1) {
			log_warn("%s: event loop", __func__);
			break;
		}
		if (d->dns != NULL)
			dnssrv_tick(d->dns);
		netd_flush(d);
		if (d->ndying > 0)
			netd_reap(d);
		if (d->router->packets != seen) {
			seen = d->router->packets;
			spin_until = spin > 0 ? netd_now_us() + spin : 0;
		}
	}
}

/*
 * The state file and the hosts block are written once per loop round,
 * after the round's replies went out: a client does not wait for the
 * write, and a burst of operations costs one write.
 */
int
netd_save(struct netd *d)
{
	d->dirty = 1;
	return 0;
}

static void
netd_flush(struct netd *d)
{
	if (d->names_dirty) {
		d->names_dirty = 0;
		netd_names_sync(d);
	}
	if (d->dirty) {
		d->dirty = 0;
		(void)state_save(d);
	}
}

/* ---------------------------------------------------------- containers */

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

/* Is host port (proto, addr, port) free? Probe it with bind(). */
static int
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
static size_t
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
		if (netd_probe(ps->proto, ps->host_addr, (uint16_t)port) == 0)
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
			if (netd_probe(ps->proto, addrs[i], (uint16_t)port) ==
			    -1 && errno == EADDRINUSE && held++ == 0)
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

/* Parse and check the published ports of a new container. */
static int
netd_ctr_ports(struct netd *d, json_t *v, struct ctr *c, char **cause)
{
	const char	*s;
	struct ctr	*o;
	size_t		 i, j, k;
	char		 buf[PORTSPEC_STRLEN];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return cause_set(cause, "ports must be an array of port "
		    "specifications");
	if (json_array_size(v) > NETD_MAX_PORTS)
		return cause_set(cause, "at most %d port specifications",
		    NETD_MAX_PORTS);
	c->ports = xcalloc(json_array_size(v) + 1, sizeof(*c->ports));
	for (i = 0; i < json_array_size(v); i++) {
		if ((s = json_string_value(json_array_get(v, i))) == NULL)
			return cause_set(cause, "ports must be strings");
		if (portspec_parse(s, &c->ports[i], cause) == -1)
			return -1;
		c->nports++;
		for (j = 0; j < i; j++)
			if (portspec_conflict(&c->ports[i], &c->ports[j]))
				return cause_set(cause, "host port %s is "
				    "published twice", portspec_fmt(
				    &c->ports[i], buf));
		for (k = 0; k < d->nctrs; k++) {
			o = d->ctrs[k];
			for (j = 0; j < o->nports; j++)
				if (portspec_conflict(&c->ports[i],
				    &o->ports[j]))
					return cause_set(cause, "host port "
					    "%u/%s is already published by "
					    "\"%s\"", c->ports[i].host_lo,
					    port_proto_name(c->ports[i].proto),
					    o->name);
		}
		if (netd_port_free(d, &c->ports[i], cause) == -1)
			return -1;
	}
	return 0;
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
	snprintf(c->tun, sizeof(c->tun), NETD_CTR_IFPREFIX "%08x", c->addr);
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
	log_info("%s: \"%s\"", __func__, c->name);
	for (i = 0; i < d->nctrs; i++) {
		if (d->ctrs[i] == c) {
			netd_ctr_unlink(d, i);
			break;
		}
	}
	d->dying = xreallocarray(d->dying, d->ndying + 1, sizeof(*d->dying));
	d->dying[d->ndying++] = c;
	(void)netd_save(d);
}

/*
 * Destroying a tun makes the kernel unregister the device, which takes
 * ~25 ms; done here, after the loop round that sent the delete's reply,
 * the client does not wait for it. The address stays reserved until the
 * tun that held it is gone.
 */
static void
netd_reap(struct netd *d)
{
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
