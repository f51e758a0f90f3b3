/* SPDX-License-Identifier: ISC */
/*
 * nft.c - the nftables renderer (Linux).
 *
 * DOC: one table, rules that never change, elements that do
 * Everything berth loads lives in `table inet NAME`, so nothing else on
 * the host (firewalld, docker's iptables-nft) is touched and a stop is
 * one `delete table`. The chains depend only on the ruleset's head
 * (pool, gateway tun, container tun prefix, fwmark, egress); containers
 * and published ports are elements of named sets and maps:
 *
 *	ctrs      set ipv4_addr                       every container
 *	nonat     set ipv4_addr                       internal-only ones
 *	direct    set ipv4_addr, counter              skip the router
 *	peers     set ipv4_addr, counter              ... between them too
 *	pub_any   map l4proto . port : addr . port    -p 8080:80
 *	pub_addr  map addr . l4proto . port : ...     -p 127.0.0.1:8080:80
 *
 * so starting or removing a container or a port is a handful of
 * `add element` / `delete element` commands that leave every other
 * container's entries alone (pfr_nft_container, pfr_nft_port). nft
 * 1.0.6 has no port-offset NAT for ranges, so a range is one map
 * element per port.
 *
 * The chains reproduce the router datapath of DESIGN.md: pool-bound
 * packets are marked with the fwmark (output: a route chain after
 * output DNAT; prerouting: after dstnat) so that an ip rule sends them
 * to netd's gateway tun; what netd writes into container tuns is not
 * tracked again (raw notrack); published ports are DNAT'ed in output
 * (host clients) and prerouting (other hosts) when the destination is a
 * local address outside the pool; pool sources leaving the host are
 * masqueraded, internal containers' are refused (the policy model's
 * internal networks, for the paths that do not cross netd); 127/8
 * sources DNAT'ed
 * into the gateway tun are masqueraded to the gateway address. A
 * published port's packets to a container in @direct (netd decides,
 * netd/ruleset.c) are left unmarked and go over lo, their 127/8 sources
 * given the gateway address there too; so are netd's proxy's (its
 * sockets' mark, PFR_PROXY_MARK), the host's own (from the gateway
 * address), those between two containers of @peers, and the answers
 * to them (the flow's ct mark, PFR_PROXY_MARK too).
 * docs/rules.md explains each rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ir.h"
#include "pfrules.h"
#include "port.h"
#include "util.h"

/* A published port's elements in its map, one per port of the range. */
static void
nft_port_elems(struct pfr_buf *b, const struct pfr_port *p, int value,
    const char *indent, const char *sep)
{
	char		 ha[ADDR_STRLEN], ca[ADDR_STRLEN];
	unsigned int	 i, n = (unsigned int)(p->host_hi - p->host_lo);

	for (i = 0; i <= n; i++) {
		pfr_buf_printf(b, "%s", indent);
		if (p->host_addr != 0)
			pfr_buf_printf(b, "%s . ", addr_fmt(p->host_addr, ha));
		pfr_buf_printf(b, "%s . %u", pfr_proto_name(p->proto),
		    p->host_lo + i);
		if (value)
			pfr_buf_printf(b, " comment \"%s\" : %s . %u",
			    p->ctr_name, addr_fmt(p->ctr_addr, ca),
			    p->ctr_lo + i);
		pfr_buf_printf(b, "%s", i < n ? sep : "");
	}
}

static const char *
nft_port_map(const struct pfr_port *p)
{
	return p->host_addr != 0 ? "pub_addr" : "pub_any";
}

/* Which containers a set holds. */
enum nft_set_kind { NFT_SET_ALL, NFT_SET_NONAT, NFT_SET_DIRECT,
	NFT_SET_PEERS };

static int
nft_set_has(const struct pfr_container *c, enum nft_set_kind kind)
{
	switch (kind) {
	case NFT_SET_NONAT:
		return c->nonat;
	case NFT_SET_DIRECT:
		return c->direct;
	case NFT_SET_PEERS:
		return c->peers;
	case NFT_SET_ALL:
		break;
	}
	return 1;
}

static void
nft_set_decl(struct pfr_buf *b, const struct pfr_ruleset *rs,
    const char *name, const char *comment, enum nft_set_kind kind)
{
	char	 a[ADDR_STRLEN];
	size_t	 i;
	int	 any = 0;

	pfr_buf_printf(b, "\t# %s\n\tset %s {\n\t\ttype ipv4_addr\n",
	    comment, name);
	/* what skips the router is counted here instead (docs/netd.md) */
	if (kind == NFT_SET_DIRECT || kind == NFT_SET_PEERS)
		pfr_buf_printf(b, "\t\tcounter\n");
	for (i = 0; i < rs->nctrs; i++) {
		if (!nft_set_has(&rs->ctrs[i], kind))
			continue;
		if (!any++)
			pfr_buf_printf(b, "\t\telements = {\n");
		pfr_buf_printf(b, "\t\t\t%s comment \"%s\",\n",
		    addr_fmt(rs->ctrs[i].addr, a), rs->ctrs[i].name);
	}
	if (any)
		pfr_buf_printf(b, "\t\t}\n");
	pfr_buf_printf(b, "\t}\n");
}

static void
nft_map_decl(struct pfr_buf *b, const struct pfr_ruleset *rs,
    const char *name, const char *comment, const char *key)
{
	size_t	 i;
	int	 any = 0;

	pfr_buf_printf(b, "\t# %s\n\tmap %s {\n\t\ttype %s : "
	    "ipv4_addr . inet_service\n", comment, name, key);
	for (i = 0; i < rs->nports; i++) {
		if (strcmp(nft_port_map(&rs->ports[i]), name) != 0)
			continue;
		if (!any++)
			pfr_buf_printf(b, "\t\telements = {\n");
		nft_port_elems(b, &rs->ports[i], 1, "\t\t\t", ",\n");
		pfr_buf_printf(b, ",\n");
	}
	if (any)
		pfr_buf_printf(b, "\t\t}\n");
	pfr_buf_printf(b, "\t}\n");
}

/*
 * The DNAT rules of both nat chains: specific host address first. The
 * map's key is looked up first: every new connection of the host crosses
 * these chains, and a miss there (almost all of them) then costs a hash
 * lookup instead of a fib lookup per rule.
 */
static void
nft_dnat_rules(struct pfr_buf *b, const char *pool)
{
	static const char *const keys[][2] = {
		{ "ip daddr . meta l4proto . th dport", "pub_addr" },
		{ "meta l4proto . th dport", "pub_any" },
	};
	size_t	 i;

	for (i = 0; i < nitems(keys); i++)
		pfr_buf_printf(b, "\t\t%s @%s fib daddr type local "
		    "ip daddr != %s dnat ip to %s map @%s\n", keys[i][0],
		    keys[i][1], pool, keys[i][0], keys[i][1]);
}

/* Interfaces that are berth's own: "oifname != {...} oifname != "bt*"" */
static void
nft_not_berth(struct pfr_buf *b, const struct pfr_ruleset *rs,
    const char *dir)
{
	pfr_buf_printf(b, "%sname != { \"lo\", \"%s\" } %sname != \"%s*\"",
	    dir, rs->gw_ifname, dir, rs->ctr_ifprefix);
}

static void
nft_chains(struct pfr_buf *b, const struct pfr_ruleset *rs)
{
	char		 pool[CIDR_STRLEN], gw[ADDR_STRLEN];
	uint32_t	 pm = PFR_PROXY_MARK(rs->fwmark);
	size_t		 i;

	cidr_fmt(&rs->pool, pool);
	pfr_buf_printf(b,
	    "\n\t# Packets netd writes into container tuns were tracked (and"
	    "\n\t# DNAT'ed) on their way to netd; a second conntrack entry"
	    "\n\t# would clash.\n"
	    "\tchain raw_prerouting {\n"
	    "\t\ttype filter hook prerouting priority raw; policy accept;\n"
	    "\t\tiifname \"%s*\" notrack\n"
	    "\t}\n", rs->ctr_ifprefix);

	pfr_buf_printf(b,
	    "\n\t# Published ports, for other hosts.\n"
	    "\tchain dnat_prerouting {\n"
	    "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
	nft_dnat_rules(b, pool);
	pfr_buf_printf(b, "\t}\n"
	    "\n\t# Published ports, for this host's own clients.\n"
	    "\tchain dnat_output {\n"
	    "\t\ttype nat hook output priority -100; policy accept;\n");
	nft_dnat_rules(b, pool);
	pfr_buf_printf(b, "\t}\n");

	addr_fmt(rs->gateway, gw);
	pfr_buf_printf(b,
	    "\n\t# Steering: pool-bound packets carry the fwmark, and an ip"
	    "\n\t# rule sends them to netd's gateway tun. After output DNAT."
	    "\n\t# Left unmarked (lookup local, over lo): netd's proxy (its"
	    "\n\t# sockets' mark) to an @direct container; a published"
	    "\n\t# port's client (not a container) to one; the host (the"
	    "\n\t# gateway address) to one; a container of @peers to another;"
	    "\n\t# and the answers of those flows (their ct mark). Each"
	    "\n\t# set lookup comes last in its rule: an element's counter"
	    "\n\t# counts the packets that skip the router.\n"
	    "\tchain steer_output {\n"
	    "\t\ttype route hook output priority -90; policy accept;\n"
	    "\t\tip daddr != %s return\n"
	    "\t\tmeta mark 0x%x ct mark set 0x%x\n"
	    "\t\tmeta mark 0x%x ip daddr @direct return\n"
	    "\t\tct direction reply ct mark 0x%x ip daddr %s "
	    "ip saddr @direct return\n"
	    "\t\tct direction reply ct mark 0x%x ip daddr @peers "
	    "ip saddr @peers return\n"
	    "\t\tct direction original ct status dnat ip saddr != %s "
	    "ip daddr @direct return\n"
	    "\t\tct direction original ip saddr %s ip daddr @direct "
	    "ct mark set 0x%x return\n"
	    "\t\tct direction original ip daddr @peers ip saddr @peers "
	    "ct mark set 0x%x return\n"
	    "\t\tmeta mark set 0x%x\n"
	    "\t}\n", pool, pm, pm, pm, pm, gw, pm, pool, gw, pm, pm,
	    rs->fwmark);
	pfr_buf_printf(b,
	    "\n\t# The same for packets from other hosts, after dstnat;"
	    "\n\t# what netd writes into its tuns is delivered as it is."
	    "\n\t# Every packet the host receives crosses it: the host's own"
	    "\n\t# traffic leaves at the first rule.\n"
	    "\tchain steer_prerouting {\n"
	    "\t\ttype filter hook prerouting priority -90; policy accept;\n"
	    "\t\tip daddr != %s return\n"
	    "\t\tiifname \"%s*\" return\n"
	    "\t\tiifname \"%s\" return\n"
	    "\t\tiifname \"lo\" return\n"
	    "\t\tjump steer_inbound\n"
	    "\t}\n", pool, rs->ctr_ifprefix, rs->gw_ifname);
	pfr_buf_printf(b,
	    "\n\t# Other hosts reach containers through published ports and"
	    "\n\t# replies only, never directly by a route to the pool.\n"
	    "\tchain steer_inbound {\n"
	    "\t\tct status dnat ct direction original ip daddr @direct "
	    "ip saddr != %s accept\n"
	    "\t\tct status dnat meta mark set 0x%x accept\n"
	    "\t\tct state established,related meta mark set 0x%x accept\n"
	    "\t\tcounter drop\n"
	    "\t}\n", pool, rs->fwmark, rs->fwmark);

	pfr_buf_printf(b,
	    "\n\t# Egress NAT of the pool; 127/8 clients DNAT'ed into the"
	    "\n\t# gateway tun get the gateway address, over lo to @direct too.\n"
	    "\tchain snat_postrouting {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\tip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n"
	    "\t\tip saddr 127.0.0.0/8 oifname \"lo\" ip daddr @direct "
	    "ct status dnat snat ip to %s\n"
	    "\t\tip saddr %s ip saddr != @nonat ", rs->gw_ifname, gw, pool);
	if (rs->negress == 0)
		nft_not_berth(b, rs, "oif");
	else {
		pfr_buf_printf(b, "oifname { ");
		for (i = 0; i < rs->negress; i++)
			pfr_buf_printf(b, "%s\"%s\"", i > 0 ? ", " : "",
			    rs->egress[i]);
		pfr_buf_printf(b, " }");
	}
	pfr_buf_printf(b, " masquerade\n\t}\n");

	pfr_buf_printf(b,
	    "\n\t# Internal containers reach their networks' members and"
	    "\n\t# netd's DNS (pool traffic: netd's router decides), nothing"
	    "\n\t# else: not the outside, not the host's addresses, not"
	    "\n\t# published ports (before output DNAT). Refused at once;"
	    "\n\t# filter_output jumps here for @nonat sources.\n"
	    "\tchain internal_output {\n"
	    "\t\tip daddr != %s meta l4proto tcp reject with tcp reset\n"
	    "\t\tip daddr != %s reject with icmp type admin-prohibited\n"
	    "\t}\n", pool, pool);
	pfr_buf_printf(b,
	    "\n\t# Internal containers never leave the host.\n"
	    "\tchain internal_postrouting {\n"
	    "\t\ttype filter hook postrouting priority filter; "
	    "policy accept;\n"
	    "\t\tip saddr @nonat ");
	nft_not_berth(b, rs, "oif");
	pfr_buf_printf(b, " drop\n\t}\n");
}

/* "10.1.2.3" for a /32, "10.0.0.0/8" else. */
static const char *
nft_cidr(const struct cidr *c, char buf[CIDR_STRLEN])
{
	char	 a[ADDR_STRLEN];

	if (c->plen == 32)
		snprintf(buf, CIDR_STRLEN, "%s", addr_fmt(c->net, a));
	else
		cidr_fmt(c, buf);
	return buf;
}

static void
nft_cidr_set(struct pfr_buf *b, const struct cidr *c, size_t n)
{
	char	 cb[CIDR_STRLEN];
	size_t	 i;

	if (n == 1) {
		pfr_buf_printf(b, "%s", nft_cidr(&c[0], cb));
		return;
	}
	pfr_buf_printf(b, "{ ");
	for (i = 0; i < n; i++)
		pfr_buf_printf(b, "%s%s", i > 0 ? ", " : "",
		    nft_cidr(&c[i], cb));
	pfr_buf_printf(b, " }");
}

/* One policy filter: its match (proto: the protocol to print, 0 none). */
static void
nft_filter_match(struct pfr_buf *b, const struct pfr_filter *f,
    uint8_t proto)
{
	char	 cb[CIDR_STRLEN];

	pfr_buf_printf(b, "\t\t");
	if (f->allsrc)
		pfr_buf_printf(b, "ip saddr @ctrs ");
	else {
		pfr_buf_printf(b, "ip saddr ");
		nft_cidr_set(b, f->src, f->nsrc);
		pfr_buf_printf(b, " ");
	}
	if (f->dstkind == PFR_DST_OUTSIDE)
		pfr_buf_printf(b, "fib daddr type != local ");
	else if (f->dstkind == PFR_DST_HOST)
		pfr_buf_printf(b, "fib daddr type local ");
	if (f->dst.plen > 0)
		pfr_buf_printf(b, "ip daddr %s ", nft_cidr(&f->dst, cb));
	if (f->nexcept > 0) {
		pfr_buf_printf(b, "ip daddr != ");
		nft_cidr_set(b, f->except, f->nexcept);
		pfr_buf_printf(b, " ");
	}
	if (proto == PORT_TCP || proto == PORT_UDP) {
		if (f->lo == 0 && f->hi == 65535)
			pfr_buf_printf(b, "meta l4proto %s ",
			    pfr_proto_name(proto));
		else if (f->lo == f->hi)
			pfr_buf_printf(b, "%s dport %u ",
			    pfr_proto_name(proto), f->lo);
		else
			pfr_buf_printf(b, "%s dport %u-%u ",
			    pfr_proto_name(proto), f->lo, f->hi);
	} else if (proto != 0)
		pfr_buf_printf(b, "meta l4proto icmp ");
}

static void
nft_filter(struct pfr_buf *b, const struct pfr_filter *f)
{
	switch (f->verdict) {
	case PFR_ACCEPT:
	case PFR_DROP:
		nft_filter_match(b, f, f->proto);
		pfr_buf_printf(b, "counter %s", f->verdict == PFR_ACCEPT ?
		    "accept" : "drop");
		break;
	case PFR_REJECT:
		/* a RST for TCP, ICMP prohibited for the rest */
		if (f->proto == 0 || f->proto == PORT_TCP) {
			nft_filter_match(b, f, PORT_TCP);
			pfr_buf_printf(b, "counter reject with tcp reset");
		}
		if (f->proto == 0)
			pfr_buf_printf(b, " comment \"%s\"\n", f->what);
		if (f->proto != PORT_TCP) {
			nft_filter_match(b, f, f->proto);
			pfr_buf_printf(b, "counter reject with icmp type "
			    "admin-prohibited");
		}
		break;
	}
	pfr_buf_printf(b, " comment \"%s\"\n", f->what);
}

static void
nft_policy_chains(struct pfr_buf *b, const struct pfr_ruleset *rs)
{
	char	 pool[CIDR_STRLEN];
	size_t	 i;

	pfr_buf_printf(b,
	    "\n\t# Policy where packets do not cross netd's router: what"
	    "\n\t# containers send out of the pool (the outside, the host's"
	    "\n\t# own addresses and published ports, before output DNAT)."
	    "\n\t# The rules, then NetworkPolicy egress, in the model's order:"
	    "\n\t# the first that matches decides. Internal containers are"
	    "\n\t# internal_output's; replies of flows opened from elsewhere"
	    "\n\t# pass. One hook for both jobs, internal first: every"
	    "\n\t# packet the host sends crosses it, and the host's own"
	    "\n\t# traffic leaves at the first rule.\n"
	    "\tchain filter_output {\n"
	    "\t\ttype filter hook output priority -150; policy accept;\n"
	    "\t\tip saddr != %s return\n"
	    "\t\tip saddr @nonat jump internal_output\n"
	    "\t\tip saddr @ctrs ip daddr != %s jump policy_egress\n"
	    "\t}\n"
	    "\tchain policy_egress {\n"
	    "\t\tip saddr @nonat return\n"
	    "\t\tct direction reply return\n", cidr_fmt(&rs->pool, pool),
	    pool);
	for (i = 0; i < rs->nfilters; i++)
		nft_filter(b, &rs->filters[i]);
	pfr_buf_printf(b, "\t}\n");
}

char *
pfr_nft_render(const struct pfr_ruleset *rs, char **cause)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 pool[CIDR_STRLEN], gw[ADDR_STRLEN];

	if (pfr_validate(rs, cause) == -1)
		return NULL;
	pfr_buf_printf(&b,
	    "# berth ruleset \"%s\": pool %s, gateway %s on \"%s\", "
	    "container tuns \"%s*\", fwmark 0x%x.\n"
	    "# Creates or atomically replaces the table (nft -f).\n"
	    "table inet %s\n"
	    "delete table inet %s\n"
	    "table inet %s {\n", rs->name, cidr_fmt(&rs->pool, pool),
	    addr_fmt(rs->gateway, gw), rs->gw_ifname, rs->ctr_ifprefix,
	    rs->fwmark, rs->name, rs->name, rs->name);
	nft_set_decl(&b, rs, "ctrs", "Every container address.",
	    NFT_SET_ALL);
	nft_set_decl(&b, rs, "nonat", "Containers on internal networks only: "
	    "no egress, no NAT.", NFT_SET_NONAT);
	nft_set_decl(&b, rs, "direct", "Containers netd's router would only "
	    "forward to: published ports and the host reach them over lo.",
	    NFT_SET_DIRECT);
	nft_set_decl(&b, rs, "peers", "Containers that reach each other "
	    "over lo: the router would only forward between them.",
	    NFT_SET_PEERS);
	nft_map_decl(&b, rs, "pub_any", "Published ports on every host "
	    "address: proto . port : container . port.",
	    "inet_proto . inet_service");
	nft_map_decl(&b, rs, "pub_addr", "Published ports on one host "
	    "address.", "ipv4_addr . inet_proto . inet_service");
	nft_chains(&b, rs);
	nft_policy_chains(&b, rs);
	pfr_buf_printf(&b, "}\n");
	return pfr_buf_take(&b);
}

char *
pfr_nft_delete(const struct pfr_ruleset *rs, char **cause)
{
	struct pfr_buf	 b = { NULL, 0, 0 };

	if (pfr_check_name(rs, cause) == -1)
		return NULL;
	/* Declaring it first makes the delete succeed when it is gone. */
	pfr_buf_printf(&b, "table inet %s\ndelete table inet %s\n", rs->name,
	    rs->name);
	return pfr_buf_take(&b);
}

char *
pfr_nft_container(const struct pfr_ruleset *rs,
    const struct pfr_container *c, int add, char **cause)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 a[ADDR_STRLEN];
	const char	*sets[] = { "ctrs", "nonat", "direct", "peers" };
	const enum nft_set_kind kinds[] = { NFT_SET_ALL, NFT_SET_NONAT,
	    NFT_SET_DIRECT, NFT_SET_PEERS };
	size_t		 i;

	if (pfr_check_head(rs, cause) == -1 ||
	    pfr_check_container(rs, c, cause) == -1)
		return NULL;
	addr_fmt(c->addr, a);
	for (i = 0; i < nitems(sets); i++) {
		if (!nft_set_has(c, kinds[i]))
			continue;
		if (add)
			pfr_buf_printf(&b, "add element inet %s %s { %s "
			    "comment \"%s\" }\n", rs->name, sets[i], a,
			    c->name);
		else
			pfr_buf_printf(&b, "delete element inet %s %s { %s }\n",
			    rs->name, sets[i], a);
	}
	return pfr_buf_take(&b);
}

char *
pfr_nft_direct(const struct pfr_ruleset *rs, char **cause)
{
	struct pfr_buf	 b = { NULL, 0, 0 };
	char		 a[ADDR_STRLEN];
	const char	*sets[] = { "direct", "peers" };
	const enum nft_set_kind kinds[] = { NFT_SET_DIRECT, NFT_SET_PEERS };
	size_t		 i, k;
	int		 any;

	if (pfr_check_head(rs, cause) == -1)
		return NULL;
	for (k = 0; k < nitems(sets); k++) {
		/* the set becomes exactly rs's in one transaction */
		pfr_buf_printf(&b, "flush set inet %s %s\n", rs->name,
		    sets[k]);
		any = 0;
		for (i = 0; i < rs->nctrs; i++) {
			if (!nft_set_has(&rs->ctrs[i], kinds[k]))
				continue;
			if (pfr_check_container(rs, &rs->ctrs[i],
			    cause) == -1) {
				free(b.s);
				return NULL;
			}
			if (!any++)
				pfr_buf_printf(&b, "add element inet %s %s { ",
				    rs->name, sets[k]);
			else
				pfr_buf_printf(&b, ", ");
			pfr_buf_printf(&b, "%s comment \"%s\"",
			    addr_fmt(rs->ctrs[i].addr, a), rs->ctrs[i].name);
		}
		if (any)
			pfr_buf_printf(&b, " }\n");
	}
	return pfr_buf_take(&b);
}

char *
pfr_nft_port(const struct pfr_ruleset *rs, const struct pfr_port *p,
    int add, char **cause)
{
	struct pfr_buf	 b = { NULL, 0, 0 };

	if (pfr_check_head(rs, cause) == -1 ||
	    pfr_check_port(rs, p, cause) == -1)
		return NULL;
	pfr_buf_printf(&b, "%s element inet %s %s { ", add ? "add" : "delete",
	    rs->name, nft_port_map(p));
	nft_port_elems(&b, p, add, "", ", ");
	pfr_buf_printf(&b, " }\n");
	return pfr_buf_take(&b);
}
