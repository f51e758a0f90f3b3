/* SPDX-License-Identifier: ISC */
/*
 * enforce_int.h - network policy's insides, shared by enforce.c (the
 * router hook, the flow cache, the endpoints), enforce_fw.c (the
 * firewall's filters) and enforce_ops.c (the ops, the state file).
 */
#ifndef BERTH_ENFORCE_INT_H
#define BERTH_ENFORCE_INT_H

#include <stdint.h>

#include "name.h"
#include "policy.h"
#include "router.h"

#define ENFORCE_LABELS_MAX	64

struct ctr;
struct netd;
struct enforce_flow;
struct enforce_pair;

struct enforce_netuse {
	char			 name[NAME_MAX_LEN + 1];
	size_t			 n;		/* containers on it */
};

struct enforce {
	struct netd		*d;
	struct policy		 pol;
	struct router_hook	 hook;
	int			 active;
	uint64_t		 gen;		/* of the cache entries */
	uint64_t		 polgen;	/* pol.gen when gen was set */
	/*
	 * What netd reported since the last sync (enforce_ctr_added...):
	 * "dirty", something changed; "full", the next sync counts every
	 * container again. Between, the counts follow each container that
	 * comes or goes: networks alone isolate when one is on internal
	 * networks only (nonat), or when two networks are in use.
	 */
	int			 dirty, full;
	size_t			 nonat;
	struct enforce_netuse	*uses;		/* networks in use */
	size_t			 nuses;
	size_t			 nctrs_seen;	/* a missed report shows */
	uint64_t		 scanned;	/* containers looked at */
	struct enforce_flow	*flows;
	struct enforce_pair	*pairs;		/* ENFORCE_NPAIRS */
	uint32_t		*hostaddrs;	/* every tun has one */
	size_t			 nhostaddrs, hostaddrs_cap;
	long long		 hostaddrs_ms;
	uint64_t		 decided;	/* flows decided */
	uint64_t		 fwhash;	/* of the filters loaded */
	int			 fwloaded;	/* the firewall has them */
};

/* An endpoint and the storage it points into. */
struct enforce_ep {
	struct policy_ep	 ep;
	struct policy_label	 labels[ENFORCE_LABELS_MAX];
};

/* Fill x with container c: its networks, stack, service and labels. */
void	enforce_ep_ctr(struct enforce *, const struct ctr *,
	    struct enforce_ep *);
/* Fill x with what is at an address: a container, host or outside. */
void	enforce_ep_addr(struct enforce *, uint32_t, struct enforce_ep *);
/* Load the firewall again if the policy's filters changed (enforce_fw.c). */
void	enforce_fw_sync(struct enforce *);
/* Read STATE_DIR/policy.json into the model (enforce_ops.c). */
void	enforce_load(struct enforce *);

#endif
