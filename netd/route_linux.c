/* SPDX-License-Identifier: ISC */
/*
 * route_linux.c - interfaces, addresses, routes and rules over rtnetlink.
 *
 * DOC: the datapath's kernel side (DESIGN.md "The datapath")
 *   rule  pref 50  fwmark M lookup T     nft marks pool-bound packets
 *   rule  pref 100 lookup local          moved from 0, added first
 *   rule  pref 101 to POOL lookup T      what nft did not mark still
 *                                        never leaves by the default
 *                                        route (and gets the gateway
 *                                        as source)
 *   route POOL dev PREFIX0 src GW table T
 *   local route of each container address: src GW (linux.md §3.3.1)
 * Requests are acknowledged one by one (NLM_F_ACK), so each failure has
 * its errno; a container's setup sends its three in one message and
 * reads the three acknowledgements together (nl_talk_many). Dumps (rules, routes, links) collect what to delete first
 * and delete afterwards: a socket cannot take requests during a dump.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <net/if.h>
#include <netinet/in.h>
#include <linux/fib_rules.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "os.h"
#include "route.h"
#include "util.h"
#include "xmalloc.h"

#define NL_BUFSIZE	(64 * 1024)

struct nlreq {
	struct nlmsghdr	 h;
	char		 buf[512];
};

/* One socket per thread: teardown.c deletes links on a thread of its own. */
static _Thread_local int	 route_nl = -1;
static _Thread_local uint32_t	 route_seq;

int
route_open(char **cause)
{
	struct sockaddr_nl	 sa;
	int			 sz = 1024 * 1024;

	if (route_nl != -1)
		return 0;
	if ((route_nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return cause_set(cause, "netlink socket: %s", strerror(errno));
	(void)setsockopt(route_nl, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(route_nl, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		cause_set(cause, "netlink bind: %s", strerror(errno));
		close(route_nl);
		route_nl = -1;
		return -1;
	}
	return 0;
}

void
route_close(void)
{
	if (route_nl != -1)
		close(route_nl);
	route_nl = -1;
}

static void
nl_init(struct nlreq *r, uint16_t type, uint16_t flags, const void *hdr,
    size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&r->h), hdr, hdrlen);
}

static void
nl_attr(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr	*a;
	size_t		 off = NLMSG_ALIGN(r->h.nlmsg_len);

	if (off + RTA_SPACE(len) > sizeof(*r))
		fatalx("%s: request too large", __func__);
	a = (struct rtattr *)((char *)r + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

static void
nl_attr32(struct nlreq *r, uint16_t type, uint32_t v)
{
	nl_attr(r, type, &v, sizeof(v));
}

/* An IPv4 address attribute: network order on the wire. */
static void
nl_attr_in(struct nlreq *r, uint16_t type, uint32_t a)
{
	uint32_t	 n = htonl(a);

	nl_attr(r, type, &n, sizeof(n));
}

/*
 * The index of a link: SIOCGIFINDEX on the thread's netlink socket (a
 * netlink socket hands the device ioctls down like any other).
 * if_nametoindex() opens, asks and closes a socket of its own each
 * time: three system calls per create and per teardown where this is
 * one. 0 with errno when there is no such link.
 */
static unsigned int
route_ifindex(const char *ifname)
{
	struct ifreq	 ifr;
	size_t		 n = strlen(ifname);

	if (route_nl == -1 && route_open(NULL) == -1)
		return 0;
	if (n >= sizeof(ifr.ifr_name)) {
		errno = ENODEV;
		return 0;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, n);
	if (ioctl(route_nl, SIOCGIFINDEX, &ifr) == -1)
		return 0;
	return (unsigned int)ifr.ifr_ifindex;
}

/*
 * Send n requests in one message and read their acknowledgements:
 * errs[i] is 0 or the kernel's errno for msgs[i]. The kernel handles
 * them in order, each whatever became of the ones before (one failing
 * does not stop the next). One send and usually one recv for all, where
 * a request each cost a round trip. Returns 0, or -1 with errno when
 * the exchange itself failed.
 */
static int
nl_talk_many(struct nlmsghdr **msgs, size_t n, int *errs)
{
	char			*buf, *out;
	struct nlmsghdr		*rh;
	struct nlmsgerr		*e;
	uint32_t		 first;
	size_t			 i, off = 0, acked = 0;
	ssize_t			 len;
	int			 ret = -1, err = EIO;

	if (route_nl == -1 && route_open(NULL) == -1)
		return -1;
	for (i = 0; i < n; i++)
		off += NLMSG_ALIGN(msgs[i]->nlmsg_len);
	out = xcalloc(1, off);
	first = route_seq + 1;
	for (i = 0, off = 0; i < n; i++) {
		msgs[i]->nlmsg_seq = ++route_seq;
		msgs[i]->nlmsg_flags |= NLM_F_ACK;
		memcpy(out + off, msgs[i], msgs[i]->nlmsg_len);
		off += NLMSG_ALIGN(msgs[i]->nlmsg_len);
		errs[i] = -1;
	}
	len = send(route_nl, out, off, 0);
	free(out);
	if (len == -1)
		return -1;
	buf = xmalloc(NL_BUFSIZE);
	while (acked < n) {
		len = recv(route_nl, buf, NL_BUFSIZE, 0);
		if (len == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto out;
		}
		for (rh = (struct nlmsghdr *)buf; NLMSG_OK(rh, (size_t)len);
		    rh = NLMSG_NEXT(rh, len)) {
			i = rh->nlmsg_seq - first;	/* unsigned: wraps */
			if (i >= n || rh->nlmsg_type != NLMSG_ERROR ||
			    errs[i] != -1)
				continue;	/* a stale answer */
			if (rh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				goto out;
			e = NLMSG_DATA(rh);
			errs[i] = -e->error;
			acked++;
		}
	}
	ret = 0;
out:
	free(buf);
	if (ret == -1)
		errno = err;
	return ret;
}

/*
 * Send one request and wait for its acknowledgement. Returns 0, or -1
 * with errno from the kernel.
 */
static int
nl_talk(struct nlmsghdr *h)
{
	int	 err;

	if (nl_talk_many(&h, 1, &err) == -1)
		return -1;
	errno = err;
	return err == 0 ? 0 : -1;
}

/* Whether err means done for an add (EEXIST) or a delete (ENOENT...). */
static int
nl_idem(int err)
{
	return err == 0 || err == EEXIST || err == ENOENT || err == ESRCH ||
	    err == EADDRNOTAVAIL;
}

/* Like nl_talk(), with EEXIST (add) or ENOENT/ESRCH (delete) = done. */
static int
nl_talk_idem(struct nlmsghdr *h)
{
	if (nl_talk(h) == 0 || nl_idem(errno))
		return 0;
	return -1;
}

/*
 * Dump: call cb for every message of the answer to a NLM_F_DUMP
 * request of type.
 */
static int
nl_dump(uint16_t type, const void *hdr, size_t hdrlen,
    void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	struct nlreq	 r;
	char		*buf;
	struct nlmsghdr	*h;
	ssize_t		 n;
	int		 ret = -1, saved;

	if (route_nl == -1 && route_open(NULL) == -1)
		return -1;
	nl_init(&r, type, NLM_F_DUMP, hdr, hdrlen);
	r.h.nlmsg_seq = ++route_seq;
	if (send(route_nl, &r, r.h.nlmsg_len, 0) == -1)
		return -1;
	buf = xmalloc(NL_BUFSIZE);
	for (;;) {
		n = recv(route_nl, buf, NL_BUFSIZE, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				errno = EIO;
				goto out;
			}
			cb(h, arg);
		}
	}
out:
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}

/* Messages saved during a dump, sent back as deletions afterwards. */
struct nl_list {
	struct nlmsghdr	**msgs;
	size_t		  n;
	uint32_t	  table;
	uint16_t	  deltype;
};

static void
nl_list_add(struct nl_list *l, struct nlmsghdr *h)
{
	struct nlmsghdr	*c;

	c = xmalloc(h->nlmsg_len);
	memcpy(c, h, h->nlmsg_len);
	c->nlmsg_type = l->deltype;
	c->nlmsg_flags = NLM_F_REQUEST;
	l->msgs = xreallocarray(l->msgs, l->n + 1, sizeof(*l->msgs));
	l->msgs[l->n++] = c;
}

static int
nl_list_send(struct nl_list *l)
{
	size_t	 i;
	int	 ret = 0;

	for (i = 0; i < l->n; i++) {
		if (nl_talk_idem(l->msgs[i]) == -1) {
			log_warn("%s: delete", __func__);
			ret = -1;
		}
		free(l->msgs[i]);
	}
	free(l->msgs);
	l->msgs = NULL;
	l->n = 0;
	return ret;
}

/* Dump, keep what cb selects into l, delete it all. */
static int
nl_dump_delete(uint16_t type, const void *hdr, size_t hdrlen,
    void (*cb)(struct nlmsghdr *, void *), struct nl_list *l)
{
	int	 ret;

	ret = nl_dump(type, hdr, hdrlen, cb, l);
	if (nl_list_send(l) == -1)
		ret = -1;
	return ret;
}

/* The table of a route or rule message: the attribute wins. */
static uint32_t
nl_table(struct rtattr *a, int len, uint8_t hdr_table, uint16_t attr)
{
	uint32_t	 t = hdr_table;

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == attr && RTA_PAYLOAD(a) >= sizeof(t))
			memcpy(&t, RTA_DATA(a), sizeof(t));
	return t;
}

static void
route_sysctl_iface(const char *ifname, const char *fmt, const char *value)
{
	char	 name[128];

	snprintf(name, sizeof(name), fmt, ifname);
	if (os_sysctl_set(name, value) == -1 && errno != ENOENT)
		log_warn("%s: %s", __func__, name);
}

/* Open a nested attribute; nl_nest_end() sets its length. */
static size_t
nl_nest(struct nlreq *r, uint16_t type)
{
	size_t	 off = NLMSG_ALIGN(r->h.nlmsg_len);
	struct rtattr	*a;

	if (off + RTA_SPACE(0) > sizeof(*r))
		fatalx("%s: request too large", __func__);
	a = (struct rtattr *)((char *)r + off);
	a->rta_type = type;
	r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(0));
	return off;
}

static void
nl_nest_end(struct nlreq *r, size_t off)
{
	struct rtattr	*a = (struct rtattr *)((char *)r + off);

	a->rta_len = (unsigned short)(r->h.nlmsg_len - off);
}

/*
 * One request, three messages: the link (MTU, up, the alias, and the
 * IPv4 sysctls as IFLA_INET_CONF), the address, its local route; sent
 * together and acknowledged together (nl_talk_many). disable_ipv6 has
 * no netlink form (IPv6's IFLA_AF_SPEC takes a token and an address
 * generation mode only): it is the one /proc/sys write, before the
 * link goes up. A create used to write three sysctls and the alias
 * through /proc and /sys and wait for three round trips.
 */
int
route_iface_setup(const char *ifname, uint32_t addr, uint32_t src, int mtu,
    int gw, const char *label, char **cause)
{
	struct nlreq		 link, ad, rt;
	struct nlmsghdr		*msgs[3] = { &link.h, &ad.h, &rt.h };
	struct ifinfomsg	 ifi;
	struct ifaddrmsg	 ifa;
	struct rtmsg		 rtm;
	struct {
		struct rtattr	 a;
		uint32_t	 mtu;
	}			 metrics;
	size_t			 spec, inet, conf;
	unsigned int		 idx;
	int			 errs[3];

	if ((idx = route_ifindex(ifname)) == 0)
		return cause_set(cause, "%s: %s", ifname, strerror(errno));

	/* Before the link is up, so it never gets an IPv6 address. */
	route_sysctl_iface(ifname, "net.ipv6.conf.%s.disable_ipv6", "1");

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = (int)idx;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	nl_init(&link, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_attr32(&link, IFLA_MTU, (uint32_t)mtu);
	/* the tun resizes its ring to it (NETDEV_CHANGE_TX_QUEUE_LEN) */
	if (gw)
		nl_attr32(&link, IFLA_TXQLEN, ROUTE_GW_TXQLEN);
	if (label != NULL)
		nl_attr(&link, IFLA_IFALIAS, label, strlen(label));
	/* injected packets with local sources get in */
	spec = nl_nest(&link, IFLA_AF_SPEC);
	inet = nl_nest(&link, AF_INET);
	conf = nl_nest(&link, IFLA_INET_CONF);
	nl_attr32(&link, IPV4_DEVCONF_ACCEPT_LOCAL, 1);
	nl_attr32(&link, IPV4_DEVCONF_RP_FILTER, 0);
	if (gw)
		nl_attr32(&link, IPV4_DEVCONF_ROUTE_LOCALNET, 1);
	nl_nest_end(&link, conf);
	nl_nest_end(&link, inet);
	nl_nest_end(&link, spec);

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = AF_INET;
	ifa.ifa_prefixlen = 32;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	ifa.ifa_index = idx;
	nl_init(&ad, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa,
	    sizeof(ifa));
	nl_attr_in(&ad, IFA_LOCAL, addr);
	nl_attr_in(&ad, IFA_ADDRESS, addr);

	/*
	 * The kernel's local route for the address, with two changes: its
	 * preferred source (src, for containers), and the tun's MTU. A
	 * host socket picks its MSS from this route (dev lo, MTU 65536)
	 * before nft marks the packet into the tun; 65536-byte packets
	 * would not fit the tun, and throughput falls to a trickle. The
	 * address before it made the route; this replaces it.
	 */
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	rtm.rtm_dst_len = 32;
	rtm.rtm_table = RT_TABLE_LOCAL;
	rtm.rtm_protocol = RTPROT_KERNEL;
	rtm.rtm_scope = RT_SCOPE_HOST;
	rtm.rtm_type = RTN_LOCAL;
	nl_init(&rt, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rtm,
	    sizeof(rtm));
	nl_attr_in(&rt, RTA_DST, addr);
	nl_attr32(&rt, RTA_OIF, idx);
	nl_attr_in(&rt, RTA_PREFSRC, src != 0 ? src : addr);
	metrics.a.rta_type = RTAX_MTU;
	metrics.a.rta_len = RTA_LENGTH(sizeof(uint32_t));
	metrics.mtu = (uint32_t)mtu;
	nl_attr(&rt, RTA_METRICS, &metrics, sizeof(metrics));

	if (nl_talk_many(msgs, nitems(msgs), errs) == -1)
		return cause_set(cause, "%s: netlink: %s", ifname,
		    strerror(errno));
	if (errs[0] != 0)
		return cause_set(cause, "%s: cannot set MTU %d and bring it "
		    "up: %s", ifname, mtu, strerror(errs[0]));
	if (!nl_idem(errs[1]))
		return cause_set(cause, "%s: cannot add its address: %s",
		    ifname, strerror(errs[1]));
	if (errs[2] != 0)
		return cause_set(cause, "%s: cannot replace its local route: "
		    "%s", ifname, strerror(errs[2]));
	return 0;
}

int
route_iface_delete(const char *ifname)
{
	struct nlreq		 r;
	struct ifinfomsg	 ifi;
	unsigned int		 idx;

	if ((idx = route_ifindex(ifname)) == 0)
		return 0;
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = (int)idx;
	nl_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	if (nl_talk(&r.h) == -1 && errno != ENODEV)
		return -1;
	return 0;
}

struct iface_names {
	char	**names;
	size_t	  n;
};

static void
route_iface_collect(struct nlmsghdr *h, void *arg)
{
	struct iface_names	*l = arg;
	struct ifinfomsg	*ifi = NLMSG_DATA(h);
	struct rtattr		*a;
	int			 len;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != IFLA_IFNAME)
			continue;
		l->names = xreallocarray(l->names, l->n + 1,
		    sizeof(*l->names));
		l->names[l->n++] = xstrndup(RTA_DATA(a), RTA_PAYLOAD(a));
	}
}

int
route_iface_list(int (*cb)(const char *, void *), void *arg)
{
	struct iface_names	 l = { NULL, 0 };
	struct ifinfomsg	 ifi;
	size_t			 i;
	int			 ret;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ret = nl_dump(RTM_GETLINK, &ifi, sizeof(ifi), route_iface_collect,
	    &l);
	for (i = 0; i < l.n; i++) {
		if (ret == 0 && cb(l.names[i], arg) == -1)
			ret = -1;
		free(l.names[i]);
	}
	free(l.names);
	return ret;
}

int
route_pool_add(const struct cidr *pool, const char *gw_ifname, uint32_t gw,
    uint32_t table, char **cause)
{
	struct nlreq	 r;
	struct rtmsg	 rtm;
	unsigned int	 idx;

	if ((idx = route_ifindex(gw_ifname)) == 0)
		return cause_set(cause, "%s: %s", gw_ifname, strerror(errno));
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	rtm.rtm_dst_len = pool->plen;
	rtm.rtm_table = RT_TABLE_UNSPEC;
	rtm.rtm_protocol = RTPROT_STATIC;
	rtm.rtm_scope = RT_SCOPE_LINK;
	rtm.rtm_type = RTN_UNICAST;
	nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rtm,
	    sizeof(rtm));
	nl_attr32(&r, RTA_TABLE, table);
	nl_attr_in(&r, RTA_DST, pool->net);
	nl_attr32(&r, RTA_OIF, idx);
	nl_attr_in(&r, RTA_PREFSRC, gw);
	if (nl_talk(&r.h) == -1)
		return cause_set(cause, "cannot route the pool into %s "
		    "(table %u): %s", gw_ifname, table, strerror(errno));
	return 0;
}

static int
route_rule(uint16_t type, uint32_t pref, uint32_t table, uint32_t mark,
    const struct cidr *dst)
{
	struct nlreq		 r;
	struct fib_rule_hdr	 frh;

	memset(&frh, 0, sizeof(frh));
	frh.family = AF_INET;
	frh.action = FR_ACT_TO_TBL;
	frh.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (dst != NULL)
		frh.dst_len = dst->plen;
	nl_init(&r, type, type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL :
	    0, &frh, sizeof(frh));
	nl_attr32(&r, FRA_PRIORITY, pref);
	nl_attr32(&r, FRA_TABLE, table);
	if (mark != 0) {
		nl_attr32(&r, FRA_FWMARK, mark);
		nl_attr32(&r, FRA_FWMASK, 0xffffffff);
	}
	if (dst != NULL)
		nl_attr_in(&r, FRA_DST, dst->net);
	return nl_talk_idem(&r.h);
}

int
route_rules_add(const struct cidr *pool, uint32_t mark, uint32_t table,
    char **cause)
{
	if (route_rule(RTM_NEWRULE, ROUTE_PREF_MARK, table, mark, NULL) == -1)
		return cause_set(cause, "cannot add rule \"fwmark 0x%x lookup "
		    "%u\": %s", mark, table, strerror(errno));
	if (route_rule(RTM_NEWRULE, ROUTE_PREF_POOL, table, 0, pool) == -1)
		return cause_set(cause, "cannot add rule \"to pool lookup "
		    "%u\": %s", table, strerror(errno));
	return 0;
}

/* Keep the rules and routes that name table l->table. */
static void
route_collect(struct nlmsghdr *h, void *arg)
{
	struct nl_list		*l = arg;
	struct fib_rule_hdr	*frh = NLMSG_DATA(h);
	struct rtmsg		*rtm = NLMSG_DATA(h);
	uint32_t		 t;

	/* Both headers are 12 bytes; the attributes follow. */
	_Static_assert(sizeof(*frh) == sizeof(*rtm), "rule/route headers");
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return;
	if (h->nlmsg_type == RTM_NEWRULE)
		t = nl_table(RTM_RTA(rtm), (int)RTM_PAYLOAD(h), frh->table,
		    FRA_TABLE);
	else if (h->nlmsg_type == RTM_NEWROUTE)
		t = nl_table(RTM_RTA(rtm), (int)RTM_PAYLOAD(h),
		    rtm->rtm_table, RTA_TABLE);
	else
		return;
	if (t == l->table)
		nl_list_add(l, h);
}

int
route_table_remove(uint32_t table)
{
	struct nl_list		 rules = { NULL, 0, table, RTM_DELRULE };
	struct nl_list		 routes = { NULL, 0, table, RTM_DELROUTE };
	struct fib_rule_hdr	 frh;
	struct rtmsg		 rtm;
	int			 ret = 0;

	memset(&frh, 0, sizeof(frh));
	frh.family = AF_INET;
	if (nl_dump_delete(RTM_GETRULE, &frh, sizeof(frh), route_collect,
	    &rules) == -1)
		ret = -1;
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	if (nl_dump_delete(RTM_GETROUTE, &rtm, sizeof(rtm), route_collect,
	    &routes) == -1)
		ret = -1;
	return ret;
}

/* Add "pref to lookup local" first, then delete "pref from". */
static int
route_local_pref(uint32_t from, uint32_t to, char **cause)
{
	if (route_rule(RTM_NEWRULE, to, RT_TABLE_LOCAL, 0, NULL) == -1)
		return cause_set(cause, "cannot add rule \"pref %u lookup "
		    "local\": %s", to, strerror(errno));
	if (route_rule(RTM_DELRULE, from, RT_TABLE_LOCAL, 0, NULL) == -1)
		return cause_set(cause, "cannot delete rule \"pref %u lookup "
		    "local\": %s", from, strerror(errno));
	return 0;
}

int
route_local_move(char **cause)
{
	return route_local_pref(0, ROUTE_PREF_LOCAL, cause);
}

int
route_local_restore(char **cause)
{
	return route_local_pref(ROUTE_PREF_LOCAL, 0, cause);
}

/* The ifalias through sysfs (set with the link: route_iface_setup). */
static void
route_alias_path(const char *ifname, char *path, size_t len)
{
	snprintf(path, len, "/sys/class/net/%s/ifalias", ifname);
}

int
route_iface_get_label(const char *ifname, char *buf, size_t len)
{
	char	 path[96], *s;
	size_t	 n;

	if (strchr(ifname, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	route_alias_path(ifname, path, sizeof(path));
	if ((s = util_read_file(path, 512, &n)) == NULL)
		return -1;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\0'))
		s[--n] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
	return n > 0 ? 0 : -1;
}
