/* SPDX-License-Identifier: ISC */
/*
 * policy.h - the network policy model: networks that isolate, ordered
 * rules, Kubernetes NetworkPolicy objects, and the one evaluator that
 * netd's router, `berth policy explain` and the nft renderer share.
 * Pure: no I/O, no netd state; the caller describes the two endpoints.
 */
#ifndef BERTH_POLICY_H
#define BERTH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"

#define POLICY_MAX_RULES	4096	/* rules in one netd */
#define POLICY_MAX_KNPS		1024	/* NetworkPolicy objects */
#define POLICY_MAX_ITEMS	256	/* ports, peers, labels, ... per array */
#define POLICY_WHY_MAX		256

enum policy_action {
	POLICY_ALLOW,
	POLICY_REJECT,		/* refuse at once: TCP RST or ICMP */
	POLICY_DROP,		/* say nothing: the client times out */
};

enum policy_sel_kind {
	POLICY_SEL_ANY,		/* "*" */
	POLICY_SEL_NAME,	/* a container, or a service of the stack */
	POLICY_SEL_NET,		/* "net:NAME" */
	POLICY_SEL_LABEL,	/* "label:KEY=VALUE" */
	POLICY_SEL_CIDR,	/* "10.0.0.0/8", "10.1.2.3" */
	POLICY_SEL_HOST,	/* "host": the gateway and host addresses */
	POLICY_SEL_OUTSIDE,	/* "outside": anything else */
};

struct policy_sel {
	enum policy_sel_kind	 kind;
	char			*name;	/* NAME, NET, LABEL's key */
	char			*value;	/* LABEL's value */
	struct cidr		 cidr;
};

/* proto 0: any; ICMP has no port (lo = hi = 0). */
struct policy_port {
	uint8_t		 proto;		/* 0, IPPROTO_TCP, _UDP, _ICMP */
	uint16_t	 lo, hi;
};

struct policy_rule {
	unsigned		 id;
	char			*stack;		/* loaded by `up`, or NULL */
	struct policy_sel	 from, to;
	struct policy_port	*ports;		/* none: every port */
	size_t			 nports;
	enum policy_action	 action;
	uint64_t		 hits;		/* flows it decided */
};

/* Kubernetes label selectors: matchLabels become In with one value. */
enum policy_lop { POLICY_IN, POLICY_NOTIN, POLICY_EXISTS, POLICY_NOTEXIST };

struct policy_lexpr {
	char		*key;
	enum policy_lop	 op;
	char		**values;
	size_t		 nvalues;
};

struct policy_lsel {
	struct policy_lexpr	*e;	/* all must hold; none: everything */
	size_t			 n;
};

struct policy_kpeer {
	int			 has_pod, has_ns, has_ip;
	struct policy_lsel	 pod, ns;
	struct cidr		 cidr;
	struct cidr		*except;
	size_t			 nexcept;
};

struct policy_krule {
	struct policy_kpeer	*peers;		/* none: every peer */
	size_t			 npeers;
	struct policy_port	*ports;		/* none: every port */
	size_t			 nports;
};

struct policy_knp {
	char			*name;
	char			*ns;		/* the stack */
	struct policy_lsel	 pod;
	int			 ingress, egress;	/* policyTypes */
	struct policy_krule	*in, *out;
	size_t			 nin, nout;
	uint64_t		 hits;
	json_t			*src;		/* the object as given */
};

struct policy {
	struct policy_rule	*rules;
	size_t			 nrules;
	unsigned		 next_id;
	struct policy_knp	*knps;
	size_t			 nknps;
	uint64_t		 gen;	/* bumped on every change */
};

/* One end of a flow, as the caller knows it. */
enum policy_ep_kind {
	POLICY_EP_CTR,
	POLICY_EP_HOST,		/* the gateway or another host address */
	POLICY_EP_OUTSIDE,
};

struct policy_label {
	const char	*key, *value;
};

struct policy_ep {
	enum policy_ep_kind	 kind;
	uint32_t		 addr;
	int			 gateway;	/* HOST: netd's address */
	const char		*name, *stack, *service;	/* CTR */
	char *const		*nets;
	size_t			 nnets;
	int			 internal;	/* every network internal */
	const struct policy_label *labels;
	size_t			 nlabels;
};

enum policy_by {
	POLICY_BY_DEFAULT,	/* nothing said no */
	POLICY_BY_NETWORK,
	POLICY_BY_RULE,
	POLICY_BY_K8S,
};

struct policy_verdict {
	enum policy_action	 action;
	enum policy_by		 by;
	struct policy_rule	*rule;		/* BY_RULE */
	struct policy_knp	*knp;		/* BY_K8S */
	char			 why[POLICY_WHY_MAX];
};

void	 policy_init(struct policy *);
void	 policy_clear(struct policy *);
/*
 * Decide a flow from src to dst (proto, destination port; 0 for ICMP).
 * count: add the hit to the deciding rule or NetworkPolicy.
 */
void	 policy_decide(struct policy *, const struct policy_ep *src,
	    const struct policy_ep *dst, uint8_t proto, uint16_t port,
	    int count, struct policy_verdict *);
/*
 * An index for deciding many flows between two endpoints: the rules
 * whose from and to match them, in order (policy_pair_build). Deciding
 * with it scans only those, for the ports, and gives the verdict
 * policy_decide gives (first match wins). It holds until the policy or
 * either endpoint changes. why = 0 leaves v->why empty (the router's
 * fast path: formatting costs more than deciding).
 */
struct policy_pair {
	uint32_t	*rules;		/* indices into policy.rules */
	size_t		 n, cap;
};
void	 policy_pair_build(const struct policy *, const struct policy_ep *,
	    const struct policy_ep *, struct policy_pair *);
void	 policy_pair_free(struct policy_pair *);
void	 policy_decide_pair(struct policy *, const struct policy_ep *src,
	    const struct policy_ep *dst, uint8_t proto, uint16_t port,
	    int count, struct policy_verdict *, const struct policy_pair *,
	    int why);
/*
 * The pieces of policy_decide, for renderers of the same decisions
 * (pfrules/build.c): does selector s of rule r match e; does
 * NetworkPolicy k select e (its namespace and podSelector)?
 */
int	 policy_sel_match(const struct policy_rule *,
	    const struct policy_sel *, const struct policy_ep *);
int	 policy_knp_selects(const struct policy_knp *,
	    const struct policy_ep *);
/* Whether anything but networks can say no. */
int	 policy_has_rules(const struct policy *);
/*
 * Which of container e's flows the rules and NetworkPolicy objects may
 * decide, from e alone (its name, stack, networks, labels, address),
 * for a datapath that lets some flows skip the one that decides
 * (netd's direct path). Every flow a rule or an object can decide
 * whose destination is a container d is covered: d gives
 * POLICY_TOUCH_TO, or its source is a container s and s gives
 * POLICY_TOUCH_PEER. TOUCH_TO: flows to e, from anything; TOUCH_PEER:
 * flows between e and another container. 0: no flow of e's.
 */
#define POLICY_TOUCH_TO		0x1
#define POLICY_TOUCH_PEER	0x2
int	 policy_touches(const struct policy *, const struct policy_ep *);

/*
 * Parse one entry of a stack's "policy" array or of `policy add`: a
 * rule object ({from, to, ports, action}) or a NetworkPolicy object
 * (apiVersion networking.k8s.io/v1). path names the entry in messages;
 * stack is the namespace and the scope of service names (NULL: none).
 * The result is appended to p; on error p is unchanged and *cause
 * names the field.
 */
int	 policy_parse_entry(struct policy *, json_t *, const char *path,
	    const char *stack, char **cause);
/* Same, without keeping anything: a stack file's check. */
int	 policy_check_entry(json_t *, const char *path, char **cause);
int	 policy_sel_parse(const char *, struct policy_sel *, const char *path,
	    char **cause);
int	 policy_port_parse(const char *, struct policy_port *,
	    const char *path, char **cause);
/* A label "key": "value" pair, Kubernetes syntax. */
int	 policy_label_check(const char *key, const char *value,
	    const char *path, char **cause);
/* Remove rule id / every rule and NetworkPolicy of a stack. */
int	 policy_remove(struct policy *, unsigned id);
size_t	 policy_remove_stack(struct policy *, const char *stack);
int	 policy_remove_knp(struct policy *, const char *ns, const char *name);

json_t	*policy_rule_json(const struct policy_rule *);
json_t	*policy_knp_json(const struct policy_knp *);
/* The whole model, to be parsed back by policy_load(). */
json_t	*policy_json(const struct policy *);
int	 policy_load(struct policy *, json_t *, char **cause);
const char *policy_action_name(enum policy_action);
const char *policy_sel_fmt(const struct policy_sel *, char *, size_t);
const char *policy_ports_fmt(const struct policy_port *, size_t, char *,
	    size_t);

#endif
