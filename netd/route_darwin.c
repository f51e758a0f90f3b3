/* SPDX-License-Identifier: ISC */
/*
 * route_darwin.c - utun addresses and the pool route on macOS
 * (research/macos.md §2).
 *
 * DOC: macOS
 * An address is set with SIOCAIFADDR as ifconfig's af_inet.c does, with
 * the destination equal to the local address (a utun is point-to-point
 * and refuses INADDR_ANY with EDESTADDRREQ; Tailscale uses the same
 * "addr/32 addr" form). The pool is routed into the gateway utun with an
 * RTM_ADD on a PF_ROUTE socket, the message route(8) sends for
 * `route add -net POOL -interface utunN`: RTF_UP | RTF_STATIC, no
 * RTF_GATEWAY, the gateway being the interface's sockaddr_dl, sockaddrs
 * rounded to 4 bytes (network_cmds route.c rtmsg()). There are no policy
 * rules on macOS: traffic to a utun's own address enters that utun by
 * itself (§2.2), so the rule functions do nothing. A utun and its
 * routes vanish when its fd closes: nothing to delete after a crash.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>

#include <net/if.h>
#include <net/if_dl.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/in_var.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "route.h"
#include "util.h"

#define ROUNDUP(a)	((a) > 0 ? (1 + (((a) - 1) | (sizeof(uint32_t) - 1))) \
			    : sizeof(uint32_t))

int
route_open(char **cause)
{
	(void)cause;
	return 0;
}

void
route_close(void)
{
}

static void
route_sin(struct sockaddr_in *sin, uint32_t a)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
}

int
route_iface_setup(const char *ifname, uint32_t addr, uint32_t src, int mtu,
    int gw, const char *label, char **cause)
{
	struct in_aliasreq	 ifra;
	struct ifreq		 ifr;
	int			 s, ret = -1;

	(void)src;
	(void)gw;
	(void)label;	/* utuns take no label, and die with their netd */
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return cause_set(cause, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) == -1)
		log_warn("%s: %s: SIOCSIFMTU %d", __func__, ifname, mtu);
	memset(&ifra, 0, sizeof(ifra));
	strlcpy(ifra.ifra_name, ifname, sizeof(ifra.ifra_name));
	route_sin(&ifra.ifra_addr, addr);
	route_sin(&ifra.ifra_broadaddr, addr);	/* = ifra_dstaddr */
	route_sin(&ifra.ifra_mask, 0xffffffff);
	ifra.ifra_mask.sin_family = 0;
	if (ioctl(s, SIOCAIFADDR, &ifra) == -1 && errno != EEXIST) {
		cause_set(cause, "%s: SIOCAIFADDR: %s", ifname,
		    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(s);
	return ret;
}

int
route_iface_delete(const char *ifname)
{
	(void)ifname;
	return 0;
}

int
route_iface_list(int (*cb)(const char *, void *), void *arg)
{
	struct if_nameindex	*ni, *p;
	int			 ret = 0;

	if ((ni = if_nameindex()) == NULL)
		return -1;
	for (p = ni; p->if_index != 0 && ret == 0; p++)
		ret = cb(p->if_name, arg);
	if_freenameindex(ni);
	return ret;
}

/* The AF_LINK address of an interface, for an -interface route. */
static int
route_link_addr(const char *ifname, char *out, size_t len)
{
	struct ifaddrs	*ifa, *p;
	int		 ret = -1;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_LINK ||
		    strcmp(p->ifa_name, ifname) != 0 ||
		    p->ifa_addr->sa_len > len)
			continue;
		memset(out, 0, len);
		memcpy(out, p->ifa_addr, p->ifa_addr->sa_len);
		ret = 0;
		break;
	}
	freeifaddrs(ifa);
	return ret;
}

int
route_pool_add(const struct cidr *pool, const char *gw_ifname, uint32_t gw,
    uint32_t table, char **cause)
{
	struct {
		struct rt_msghdr	 hdr;
		char			 space[512];
	}			 m;
	struct sockaddr_in	 dst, mask;
	char			 sdl[128];	/* a sockaddr_dl */
	size_t			 sdl_len;
	char			*cp = m.space;
	int			 s, ret = -1;

	(void)gw;
	(void)table;
	if (route_link_addr(gw_ifname, sdl, sizeof(sdl)) == -1)
		return cause_set(cause, "%s: no link address", gw_ifname);
	sdl_len = ((struct sockaddr *)(void *)sdl)->sa_len;
	route_sin(&dst, pool->net);
	route_sin(&mask, cidr_mask(pool->plen));
	memset(&m, 0, sizeof(m));
	m.hdr.rtm_type = RTM_ADD;
	m.hdr.rtm_version = RTM_VERSION;
	m.hdr.rtm_seq = 1;
	m.hdr.rtm_flags = RTF_UP | RTF_STATIC;
	m.hdr.rtm_addrs = RTA_DST | RTA_GATEWAY | RTA_NETMASK;
	memcpy(cp, &dst, sizeof(dst));
	cp += ROUNDUP(sizeof(dst));
	memcpy(cp, sdl, sdl_len);
	cp += ROUNDUP(sdl_len);
	memcpy(cp, &mask, sizeof(mask));
	cp += ROUNDUP(sizeof(mask));
	m.hdr.rtm_msglen = (u_short)(cp - (char *)&m);
	if ((s = socket(PF_ROUTE, SOCK_RAW, 0)) == -1)
		return cause_set(cause, "routing socket: %s", strerror(errno));
	if (write(s, &m, m.hdr.rtm_msglen) == -1 && errno != EEXIST) {
		cause_set(cause, "cannot route the pool into %s: %s",
		    gw_ifname, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(s);
	return ret;
}

int
route_rules_add(const struct cidr *pool, uint32_t mark, uint32_t table,
    char **cause)
{
	(void)pool;
	(void)mark;
	(void)table;
	(void)cause;
	return 0;
}

int
route_table_remove(uint32_t table)
{
	(void)table;
	return 0;
}

int
route_local_move(char **cause)
{
	(void)cause;
	return 0;
}

int
route_local_restore(char **cause)
{
	(void)cause;
	return 0;
}

int
route_iface_get_label(const char *ifname, char *buf, size_t len)
{
	(void)ifname;
	(void)buf;
	(void)len;
	errno = ENOTSUP;
	return -1;
}
