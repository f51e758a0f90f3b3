/* SPDX-License-Identifier: ISC */
/*
 * netd.c - berth-netd's life: start and reconcile, stop, cleanup, the
 * loop. Containers, endpoints, ports and the ruleset have their own
 * files (the table in netd.h).
 *
 * DOC: the parts of berth-netd (one process; the table is its map)
 *
 *	part		file		runs on
 *	loop		main.c ev*.c	every fd below, timers, deferred work
 *	control		ctl.c ops.c	the unix socket: requests, replies
 *	containers	ctr.c		create (checked spec), delete, networks
 *	endpoints	endpoint.c	the tuns: open, attach, detach, release
 *	ports		ports.c		published ports: conflicts, the proxy's
 *	ruleset		ruleset.c	the firewall ruleset (pfrules/build.c)
 *	router		router.c	every tun: read, look up, write
 *	firewall	fw*.c		nft / pfctl children, one at a time
 *	kernel		route_*.c tun_*.c  netlink / ioctl, synchronous
 *	state		state.c		STATE_DIR/state.json + .journal, per round
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
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "ctl.h"
#include "ev.h"
#include "fw.h"
#include "host.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "dns.h"
#include "enforce.h"
#include "dnssrv.h"
#include "hostdns.h"
#include "netd.h"
#include "proxy.h"
#include "pfrules.h"
#include "proto.h"
#include "route.h"
#include "teardown.h"
#include "timer.h"
#include "tun.h"
#include "util.h"
#include "xmalloc.h"

static void	netd_flush(void *);
static void	netd_names_retry(void *);
static void	netd_commit(void *);

/* -------------------------------------------------------------- config */

int
netd_config_check(struct netd_config *cfg, char **cause)
{
	struct pfr_ruleset	 rs;
	struct group		*gr;
	int			 ret;

	if (instance_prefix_check(cfg->prefix, cause) == -1)
		return -1;
	snprintf(cfg->gw_ifname, sizeof(cfg->gw_ifname), "%.14s0",
	    cfg->prefix);
	if (netd_ctr_ifname(cfg->gw_ifname, NULL))
		return cause_set(cause, "prefix \"%s\": %s would look like a "
		    "container tun", cfg->prefix, cfg->gw_ifname);
	if (instance_pool_check(&cfg->pool, cause) == -1 ||
	    instance_table_check(cfg->table, cause) == -1)
		return -1;
	cfg->gateway = cidr_gateway(&cfg->pool);
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
	netd_ruleset_head(cfg, &rs);
	ret = pfr_validate(&rs, cause);
	pfr_ruleset_clear(&rs);
	if (ret == -1)
		return cause_prefix(cause, "prefix \"%s\"", cfg->prefix);
	return 0;
}

/* This instance as host.c knows it. */
void
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
	const char	*e;

	d = xcalloc(1, sizeof(*d));
	d->cfg = *cfg;
	d->kern = &netd_kernel_os;
	d->gw.fd = -1;
	d->gw.gateway = 1;
	d->gw.addr = cfg->gateway;
	d->lockfd = -1;
	d->journal.fd = -1;
	d->direct_off = (e = getenv("BERTH_NETD_DIRECT")) != NULL &&
	    strcmp(e, "0") == 0;
	d->nfnetlink_off = (e = getenv("BERTH_NETD_NFNETLINK")) != NULL &&
	    strcmp(e, "0") == 0;
	ev_defer_init(&d->flush_ev, netd_flush, d);
	ev_timer_init(&d->names_retry, netd_names_retry, d);
	return d;
}

void
netd_free(struct netd *d)
{
	if (d == NULL)
		return;
	/* First: its thread may still remove tuns, and reports to ipam. */
	teardown_free(d->teardown);
	netd_ctr_clear(d);
	free(d->ctrs);
	free(d->nets);
	free(d->degraded);
	state_journal_close(d);
	free(d->journal.changed);
	ctl_free(d->ctl);
	capture_set_free(d->captures);
	fw_free(d->fw);
	enforce_free(d->enforce);
	link_table_free(d->links);
	router_free(d->router);
	ipam_free(d->ipam);
	ev_free(d->ev);
	if (d->lockfd != -1)
		close(d->lockfd);
	free(d);
}

/*
 * The state directory's lock. wait_ms: a start waits that long for it,
 * since a netd that was just killed may still be exiting (the kernel
 * closes its tuns one by one, each detach waiting for RCU) while its
 * parent already saw it die; --cleanup does not wait.
 */
static int
netd_lock(const struct netd_config *cfg, int wait_ms, int *fdp,
    char **cause)
{
	char		*path;
	int		 fd, said = 0;
	long long	 until = util_now_ms() + wait_ms;

	if (util_mkdir_p(cfg->state_dir, 0755) == -1)
		return cause_set(cause, "%s: %s", cfg->state_dir,
		    strerror(errno));
	xasprintf(&path, "%s/netd.lock", cfg->state_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK &&
	    util_now_ms() < until) {
		if (!said++)
			log_info("%s: %s is held; waiting up to %d ms",
			    __func__, path, wait_ms);
		usleep(50 * 1000);
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

/* ---------------------------------------------------------- reconcile */

struct netd_sweep {
	const struct netd_config	*cfg;
	struct netd			*d;	/* NULL: remove every one */
	int				 removed;
};

/*
 * A link of this instance that no stored container owns: remove it.
 * netd_start queues it for teardown.c (its address taken until it is
 * gone), so a start with a thousand leftovers listens at once; cleanup
 * (no loop, nothing to answer) removes it here.
 */
static int
netd_sweep_link(const char *name, void *arg)
{
	struct netd_sweep	*s = arg;
	uint32_t		 a = 0;
	size_t			 i;

	if (strcmp(name, s->cfg->gw_ifname) == 0) {
		if (s->d != NULL)
			return 0;
	} else if (!netd_ctr_ifname(name, &a) ||
	    !cidr_contains(&s->cfg->pool, a))
		return 0;
	else if (s->d != NULL) {
		for (i = 0; i < s->d->nctrs; i++)
			if (s->d->ctrs[i]->addr == a)
				return 0;
	}
	s->removed++;
	if (s->d != NULL) {
		log_debug("%s: removing %s, left by an earlier run", __func__,
		    name);
		netd_tun_remove(s->d, -1, name, ipam_reserve(s->d->ipam, a,
		    NULL) == 0 ? a : 0, NULL);
		return 0;
	}
	log_info("%s: removing %s, left by an earlier run", __func__, name);
	if (route_iface_delete(name) == -1) {
		log_warn("%s: %s", __func__, name);
		s->removed--;
	}
	return 0;
}

/* ------------------------------------------------ names and services */

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
	const char		*e;
	char			*cause = NULL;
	size_t			 i;

	/* over lo while the container is in @direct (docs/netd.md) */
	proxy_set_mark(PFR_PROXY_MARK(d->cfg.table));
	if ((d->proxy = proxy_new_thread(&cause)) == NULL) {
		log_warnx("%s: %s; the proxy shares the main loop", __func__,
		    cause);
		free(cause);
		cause = NULL;
		d->proxy = proxy_new(d->ev);
	}
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
	} else if ((e = getenv("BERTH_NETD_DNS_LOCAL")) == NULL ||
	    strcmp(e, "0") != 0) {
		/* Containers' UDP queries answered from the router. */
		d->router->local = dnssrv_router_local;
		d->router->local_arg = d->dns;
	}
	netd_hostdns_conf(&d->cfg, &hc);
	hc.async = 1;	/* the hosts block's fsyncs off the loop */
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
	if (d->router != NULL)
		d->router->local = NULL;
	dnssrv_free(d->dns);
	d->dns = NULL;
	if (d->ev != NULL && ev_timer_armed(&d->names_retry))
		ev_timer_del(d->ev, &d->names_retry);
	hostdns_stop(d->hdns);
	d->hdns = NULL;
	dns_zone_free(d->zone);
	d->zone = NULL;
	proxy_free(d->proxy);
	d->proxy = NULL;
}

/*
 * Bring back the stored containers; drop those that cannot be, and
 * remove the tuns of the dropped ones that nobody kept (reconcile.c).
 */
void
netd_reconcile_ctrs(struct netd *d)
{
	struct ctr	*c, **dropped = NULL;
	char		*cause = NULL, want[TUN_NAMESIZ];
	size_t		 i = 0, ndropped = 0;

	while (i < d->nctrs) {
		c = d->ctrs[i];
		snprintf(want, sizeof(want), BERTH_CTR_IFPREFIX "%08x",
		    c->addr);
		if (netd_ctr_find(d, c->name) != c)
			cause_set(&cause, "a second container of that name");
		else if (ipam_reserve(d->ipam, c->addr, &cause) == 0) {
			/* Linux: the name the address gives; macOS: any
			 * utunN, the old one died with the old netd. */
			snprintf(c->tun, sizeof(c->tun), "%s", want);
			if (netd_port_open(d, c, &cause) == 0) {
				state_ctr_changed(d, c);	/* its tun */
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
		netd_ctr_unlink(d, i);
		dropped = xreallocarray(dropped, ndropped + 1,
		    sizeof(*dropped));
		dropped[ndropped++] = c;
	}
	for (i = 0; i < ndropped; i++) {
		/* its link entries go with it, unless a kept one has them */
		if (netd_ctr_by_addr(d, dropped[i]->addr) == NULL)
			link_forget(d->links, dropped[i]->addr);
		reconcile_dropped(d, dropped[i]);
		ctr_free(dropped[i]);
	}
	free(dropped);
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
	kaddr_stop(d);
	netd_fw_unload(d, NULL);
	for (i = 0; i < d->nctrs; i++)
		netd_port_close(d, d->ctrs[i], 0);
	netd_gw_close(d, 1);
	(void)route_table_remove(d->cfg.table);
	netd_host_self(&d->cfg, &hs);
	(void)host_leave(&hs, NULL);
	d->stopped = 1;
}

/* The last capture ended: published ports may skip the router again. */
static void
netd_direct_idle(void *arg)
{
	netd_direct_sync(arg);
}

int
netd_start(struct netd *d, char **cause)
{
	struct netd_sweep	 sweep = { &d->cfg, d, 0 };
	struct host_self	 hs;
	struct pfr_ruleset	*rs;
	int			 host = 0;

	if (netd_lock(&d->cfg, NETD_LOCK_WAIT_MS, &d->lockfd, cause) == -1)
		return -1;
	if ((d->ev = ev_new()) == NULL)
		return cause_set(cause, "event loop: %s", strerror(errno));
	if ((d->ipam = ipam_new(&d->cfg.pool, cause)) == NULL)
		return -1;
	netd_teardown_start(d);
	d->router = router_new(&d->cfg.pool, d->cfg.gateway);
	d->router->broken = netd_port_broken;
	d->router->arg = d;
	d->links = link_table_new(d->router, d->ev);
	d->fw = fw_new(d->ev, netd_fw_reload, d);
	if (d->nfnetlink_off)
		fw_set_netlink(d->fw, 0);
	if (route_open(cause) == -1)
		return -1;
	if (state_load(d, cause) == -1)
		return -1;
	if (d->degraded != NULL) {
		(void)reconcile_adopt(d);
		/* The rebuilt state replaces the damaged file (kept as
		 * .bad) before anything could remove a tun. */
		if (state_save(d) == -1)
			return cause_set(cause, "cannot write the rebuilt "
			    "state: %s", strerror(errno));
	}
	fw_set_token(d->fw, d->pf_token);

	netd_host_self(&d->cfg, &hs);
	if (host_enter(&hs, cause) == -1)
		return -1;
	host = 1;
	/* Links of a crashed run that no stored container owns: queued,
	 * removed on teardown's thread while netd serves. */
	if (route_iface_list(netd_sweep_link, &sweep) == -1)
		log_warn("%s: listing links", __func__);
	if (sweep.removed > 0)
		log_info("%s: removing %d link(s) left by an earlier run, in "
		    "the background", __func__, sweep.removed);
	/* Rules and routes of the table are rebuilt from scratch. */
	(void)route_table_remove(d->cfg.table);
	if (netd_gw_open(d, cause) == -1)
		goto fail;
	if (route_rules_add(&d->cfg.pool, d->cfg.table, d->cfg.table,
	    cause) == -1)
		goto fail;
	netd_reconcile_ctrs(d);
	d->enforce = enforce_new(d);
	kaddr_start(d);
	netd_direct_loaded(d);
	rs = netd_ruleset_sets(d);
	if (fw_load(d->fw, rs, cause) == -1) {
		pfr_ruleset_free(rs);
		cause_prefix(cause, "cannot load the firewall rules");
		goto fail;
	}
	pfr_ruleset_free(rs);
	enforce_fw_loaded(d->enforce);
	snprintf(d->pf_token, sizeof(d->pf_token), "%s", fw_token(d->fw));
	netd_services_start(d);
	d->ctl = ctl_new(d->ev, ops_handle, d);
	d->captures = capture_set_new(d->router, d->ev);
	capture_set_on_idle(d->captures, netd_direct_idle, d);
	ctl_set_handoff(d->ctl, capture_handoff);
	ctl_set_commit(d->ctl, netd_commit);
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
	capture_set_free(d->captures);
	d->captures = NULL;
	netd_flush(d);
	/* Deleted containers' tuns and leftovers still queued. */
	teardown_drain(d->teardown);
	netd_services_stop(d);
	netd_fw_unload(d, NULL);
	d->pf_token[0] = '\0';
	kaddr_stop(d);
	for (i = 0; i < d->nctrs; i++)
		netd_port_close(d, d->ctrs[i], 1);
	netd_ctr_clear(d);
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
	teardown_free(d->teardown);
	d->teardown = NULL;
	(void)state_compact(d);
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

	d = netd_new(cfg);
	if (netd_lock(cfg, NETD_LOCK_WAIT_MS, &d->lockfd, cause) == -1) {
		netd_free(d);
		return -1;
	}
	d->fw = fw_new(NULL, NULL, NULL);
	if (route_open(cause) == -1 || state_load(d, cause) == -1) {
		netd_free(d);
		return -1;
	}
	fw_set_token(d->fw, d->pf_token);
	netd_fw_unload(d, &failed);
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
	kaddr_cleanup(cfg);
	netd_host_self(cfg, &hs);
	if (host_leave(&hs, &why) == -1) {
		log_warnx("%s: %s", __func__, why);
		free(why);
		failed = 1;
	}
	netd_ctr_clear(d);
	(void)state_compact(d);
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
 * The loop. Timers (DNS timeouts, the proxy's idle walk, link
 * emulation's held packets: one microsecond heap, ev.c) and deferred
 * work (the state file, the hosts block, deleted tuns) are ev's: they
 * register themselves. After a round that moved packets, netd polls
 * without sleeping for NETD_SPIN_US more: a request/response exchange
 * crosses netd twice per round trip, and waking a sleeping netd costs
 * about as much as the rest of the trip (sockperf ping-pong: 2.2x
 * direct without spinning, 1.7x with 20 us). The spin only runs while
 * traffic flows; BERTH_NETD_SPIN_US=0 turns it off.
 */
void
netd_run(struct netd *d)
{
	long long	 spin = NETD_SPIN_US, spin_until = 0;
	uint64_t	 seen = 0;
	const char	*e;
	unsigned long	 ul;
	int		 timeout;

	if ((e = getenv("BERTH_NETD_SPIN_US")) != NULL &&
	    util_parse_uint(e, 1000000, &ul) == 0)
		spin = (long long)ul;
	while (!d->quit) {
		/* ev's timers shorten it further (ev_run_once). */
		timeout = d->ctl != NULL ? ctl_tick(d->ctl, util_now_ms()) :
		    -1;
		if (ev_run_once(d->ev, spin_until > 0 &&
		    util_now_us() < spin_until ? 0 : timeout) == -1) {
			log_warn("%s: event loop", __func__);
			break;
		}
		if (d->router->packets != seen) {
			seen = d->router->packets;
			spin_until = spin > 0 ? util_now_us() + spin : 0;
		}
	}
}

/*
 * The state file and the hosts block are written once per loop round
 * (deferred work): a burst of operations costs one write. A client's
 * changes are written before its replies go out (netd_commit).
 */
int
netd_save(struct netd *d)
{
	d->dirty = 1;
	if (d->ev != NULL)
		ev_defer(d->ev, &d->flush_ev);
	return 0;
}

/*
 * Before the replies of a client's requests go out (ctl_set_commit):
 * the state file, if they changed it. A create or delete that was
 * answered is on disk, so a crash right after loses nothing; pipelined
 * requests read together cost one write.
 */
static void
netd_commit(void *arg)
{
	struct netd	*d = arg;

	if (d->dirty) {
		d->dirty = 0;
		(void)state_save(d);
	}
}

static void
netd_names_retry(void *arg)
{
	struct netd	*d = arg;

	ev_defer(d->ev, &d->flush_ev);
}

static void
netd_flush(void *arg)
{
	struct netd	*d = arg;
	int		 hold;

	/*
	 * A hosts block write in flight, or one started less than 100 ms
	 * ago: edit again when hostdns says (every change of the zone is
	 * in the file at most 100 ms plus one write after it).
	 */
	if (d->names_dirty && (hold = hostdns_hold_ms(d->hdns)) > 0) {
		if (!ev_timer_armed(&d->names_retry))
			ev_timer_add(d->ev, &d->names_retry, hold);
	} else if (d->names_dirty) {
		d->names_dirty = 0;
		netd_names_sync(d);
	}
	if (d->dirty) {
		d->dirty = 0;
		(void)state_save(d);
	}
}

