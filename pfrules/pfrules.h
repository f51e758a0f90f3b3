/* SPDX-License-Identifier: ISC */
/*
 * pfrules.h - what berth loads into the kernel firewall, and its two
 * renderers: nftables (Linux) and pf anchors (macOS, OpenBSD 4.x syntax).
 *
 * The IR (struct pfr_ruleset) is built by one builder (build.c): netd
 * adds its live containers, `berth rules --dry-run` the containers of a
 * stack file, to the same head. Renderers validate and quote
 * every value they print, whatever the caller checked before; they return
 * NULL / -1 with *cause naming the bad field. Layout and loading:
 * docs/rules.md.
 */
#ifndef BERTH_PFRULES_H
#define BERTH_PFRULES_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct portspec;
struct stack;

#define PFR_NAME_MAX	63

struct pfr_container {
	char		 name[PFR_NAME_MAX + 1];
	uint32_t	 addr;		/* host order */
	int		 nonat;		/* internal: no egress NAT */
	int		 direct;	/* nft @direct: its published ports
					   and the host's flows to it skip
					   the router (netd decides) */
	int		 peers;		/* nft @peers: other containers'
					   flows to it skip the router */
};

struct pfr_port {
	uint8_t		 proto;		/* PORT_TCP / PORT_UDP */
	uint32_t	 host_addr;	/* 0 = every host address */
	uint16_t	 host_lo, host_hi;
	uint32_t	 ctr_addr;
	uint16_t	 ctr_lo, ctr_hi;	/* same length as host range */
	char		 ctr_name[PFR_NAME_MAX + 1];	/* owner, for comments */
};

enum pfr_verdict {
	PFR_ACCEPT,
	PFR_REJECT,		/* at once: TCP RST, else ICMP prohibited */
	PFR_DROP,
};

/*
 * Policy for what does not cross netd's router: a container's traffic
 * out of the host. An ordered list, first match wins, compiled from the
 * policy model (common/policy.h) by pfr_add_policy: its rules, then its
 * NetworkPolicy egress isolation, for destinations outside the pool:
 * the outside and the host's own addresses.
 */
#define PFR_WHAT_MAX	95
enum pfr_dst {
	PFR_DST_ANY,		/* outside the pool */
	PFR_DST_OUTSIDE,	/* ... and not the host's own address */
	PFR_DST_HOST,		/* the host's own addresses (127/8 too) */
};
struct pfr_filter {
	int		 allsrc;	/* every container not internal */
	struct cidr	*src;		/* else these sources (>= 1) */
	size_t		 nsrc;
	enum pfr_dst	 dstkind;
	struct cidr	 dst;		/* and in it (0.0.0.0/0: any) */
	struct cidr	*except;	/* but not these */
	size_t		 nexcept;
	uint8_t		 proto;		/* 0 (any), IPPROTO_ICMP/TCP/UDP */
	uint16_t	 lo, hi;	/* tcp, udp; 0-65535: every port */
	enum pfr_verdict verdict;
	char		 what[PFR_WHAT_MAX + 1];	/* "rule 3 of stack
						   shop": a comment */
};

struct pfr_ruleset {
	char		 name[32];	/* nft table "berth"; pf anchor
					   com.apple/<name> */
	struct cidr	 pool;
	uint32_t	 gateway;	/* usually cidr_gateway(&pool) */
	char		 gw_ifname[16];	/* netd's gateway tun: "berth0" */
	char		 ctr_ifprefix[16]; /* container tuns: "bt" */
	uint32_t	 fwmark;	/* steering mark (Linux) */
	char		**egress;	/* egress interfaces; pf needs >= 1,
					   nft: none = any non-berth one */
	size_t		 negress;
	struct pfr_container *ctrs;
	size_t		 nctrs;
	struct pfr_port	*ports;
	size_t		 nports;
	size_t		 ctrs_cap, ports_cap;	/* pfr_add's */
	struct pfr_filter *filters;	/* in order */
	size_t		 nfilters, filters_cap;
};

/*
 * The mark netd's proxy puts on its sockets to containers (SO_MARK,
 * Linux): never the fwmark of this or (in practice) another instance,
 * so the ip rule of the fwmark does not match it; steer_output lets
 * such packets to an @direct container go over lo (docs/rules.md).
 */
#define PFR_PROXY_MARK(fwmark)	((uint32_t)(fwmark) ^ 0x80000000u)

/* Checks every field that reaches rule text. */
int	 pfr_validate(const struct pfr_ruleset *, char **cause);
/*
 * What a change's renders check (pfr_nft_container, pfr_nft_port): the
 * head, the container, each port. netd's netlink writer
 * (netd/fw_nl_linux.c) checks the same before it encodes anything.
 */
int	 pfr_check_change(const struct pfr_ruleset *,
	    const struct pfr_container *, const struct pfr_port *,
	    size_t nports, char **cause);

/*
 * build.c. The head an instance's settings give: name = prefix, the pool
 * and its gateway, gateway tun PREFIX0, container tuns "bt", fwmark =
 * table; egress is copied. No containers.
 */
void	 pfr_head(struct pfr_ruleset *, const char *prefix,
	    const struct cidr *pool, uint32_t table, char *const *egress,
	    size_t negress);
/* Add a container and its published ports (",proxy" ones are the
 * userspace proxy's: no rule). */
void	 pfr_add(struct pfr_ruleset *, const char *name, uint32_t addr,
	    int nonat, const struct portspec *, size_t nports);
/*
 * Compile what the policy decides for the containers eps[0..n-1] (those
 * of the ruleset) sending out of the host into filters: for each rule in
 * order whose destination can be outside (*, outside, a CIDR not inside
 * the pool), one filter per port entry, from the containers its source
 * matches; then, for each NetworkPolicy with egress, what its egress
 * rules admit outside (ipBlock, or any peer) from the containers it
 * selects, and a reject for every container one of them isolates.
 * Internal containers are left out: networks refuse all they send out.
 */
struct policy;
struct policy_ep;
void	 pfr_add_policy(struct pfr_ruleset *, const struct policy *,
	    const struct policy_ep *eps, size_t n);
/* Containers by address, ports by protocol and host port. */
void	 pfr_sort(struct pfr_ruleset *);
/*
 * The text that is loaded: "nft" (or NULL) one script for `nft -f -`;
 * "pf" every anchor, each under a line "# pfctl -a PATH -f -".
 */
char	*pfr_print(const struct pfr_ruleset *, const char *format,
	    char **cause);
/* Free what the head and pfr_add allocated; pfr_ruleset_free also rs. */
void	 pfr_ruleset_clear(struct pfr_ruleset *);
void	 pfr_ruleset_free(struct pfr_ruleset *);

/*
 * stack.c. The ruleset a stack would load on the instance of head: one
 * container per service, named container_name; addresses as requested,
 * the others allocated in file order from gateway+1 upwards, skipping
 * requested ones; a service whose networks are all internal is nonat.
 * A stack that sets "pool" must name the head's. Validated and sorted;
 * free with pfr_ruleset_free().
 */
struct pfr_ruleset *pfr_from_stack(const struct stack *,
	    const struct pfr_ruleset *head, char **cause);

/*
 * nftables. The full render is one script for `nft -f -` that creates or
 * atomically replaces table inet <name>: steering marks, notrack, DNAT of
 * published ports, masquerade, and named sets/maps holding containers and
 * ports. The incremental renders are scripts that add or delete the
 * elements of one container or one published port only.
 */
char	*pfr_nft_render(const struct pfr_ruleset *, char **cause);
char	*pfr_nft_delete(const struct pfr_ruleset *, char **cause);
char	*pfr_nft_container(const struct pfr_ruleset *,
	    const struct pfr_container *, int add, char **cause);
/*
 * The @direct and @peers sets as rs says, in one transaction: each set
 * flushed, then the containers of rs marked for it (direct, peers)
 * added, so one that a capture or a link takes leaves while the others
 * stay (netd/ruleset.c).
 */
char	*pfr_nft_direct(const struct pfr_ruleset *, char **cause);
char	*pfr_nft_port(const struct pfr_ruleset *, const struct pfr_port *,
	    int add, char **cause);

/*
 * pf. A ruleset is a list of anchors, each loaded with
 * `pfctl -a PATH -f -` (an empty text flushes it): com.apple/NAME (the
 * calls), com.apple/NAME/nat, com.apple/NAME/policy (the policy
 * filters), then com.apple/NAME/pub/CTR for each
 * container with published ports, in container order.
 */
struct pfr_anchor {
	char		*path;		/* "com.apple/berth/pub/web" */
	char		*text;
};
int	 pfr_pf_render(const struct pfr_ruleset *, struct pfr_anchor **out,
	    size_t *nout, char **cause);
void	 pfr_anchors_free(struct pfr_anchor *, size_t);

/*
 * The pfctl runs netd makes, in order (docs/rules.md lists them):
 * - start: `pfctl -E` when enable is set (its output holds the token
 *   netd keeps), then every anchor of pfr_pf_render();
 * - change: one container c and its kernel-path ports, add or remove:
 *   its address in <nonat> (internal containers only) and its anchor;
 * - stop: `-F all` of the anchor of each container in rs with ports,
 *   the policy and nat anchors and the ruleset's anchor, then
 *   `pfctl -X TOKEN` when token is set. Only the head and each
 *   container are checked: a bad entry does not keep the rest loaded.
 * A change with nothing to do gives no command (*ncmds = 0). Free with
 * pfr_cmds_free().
 */
struct pfr_cmd {
	char		**argv;		/* pfctl's arguments, NULL-terminated */
	char		 *input;	/* standard input, or NULL */
	int		  token;	/* pfctl -E: its output holds the token */
};
int	 pfr_pf_start(const struct pfr_ruleset *, int enable,
	    struct pfr_cmd **, size_t *ncmds, char **cause);
int	 pfr_pf_change(const struct pfr_ruleset *,
	    const struct pfr_container *, const struct pfr_port *,
	    size_t nports, int add, struct pfr_cmd **, size_t *ncmds,
	    char **cause);
int	 pfr_pf_stop(const struct pfr_ruleset *, const char *token,
	    struct pfr_cmd **, size_t *ncmds, char **cause);
void	 pfr_cmds_free(struct pfr_cmd *, size_t);
/* "pfctl ARGS" lines, each followed by its standard input, indented. */
char	*pfr_cmds_text(const struct pfr_cmd *, size_t);

#endif
