/* SPDX-License-Identifier: ISC */
/*
 * enforce.h - network policy in netd: the router hook with its flow
 * cache, the policy operations, and the endpoints the model decides on.
 */
#ifndef BERTH_ENFORCE_H
#define BERTH_ENFORCE_H

#include <stdint.h>

#include <jansson.h>

#include "policy.h"

#define ENFORCE_NFLOWS	(1 << 16)	/* flow cache slots (direct mapped) */
#define ENFORCE_NPAIRS	(1 << 12)	/* rule index: address pairs */
#define ENFORCE_FILE	"policy.json"	/* in the state directory */

struct netd;
struct enforce;

struct pfr_ruleset;

struct enforce	*enforce_new(struct netd *);
/* The policy only, no hook (berth-netd -n). */
struct enforce	*enforce_open(struct netd *);
/* Add the policy filters (pfrules.h) to rs; remembers what it added. */
void		 enforce_ruleset(struct enforce *, struct pfr_ruleset *);
/* The firewall holds them: later changes load it again. */
void		 enforce_fw_loaded(struct enforce *);
void		 enforce_free(struct enforce *);
/*
 * After an op ran: act on what changed since the last sync (the
 * policy, or the containers and networks as netd reported them below):
 * register the hook while there is something to enforce; flows are
 * decided again on their next packet. An op that changed nothing costs
 * nothing, a container added or removed a constant amount of work (not
 * one proportional to the number of containers).
 */
void		 enforce_sync(struct enforce *);
/* netd reports every change of its containers and networks (e NULL: ok). */
struct ctr;
void		 enforce_ctr_added(struct enforce *, const struct ctr *);
void		 enforce_ctr_removed(struct enforce *, const struct ctr *);
/* Anything else (networks, a reload): the next sync looks at them all. */
void		 enforce_world_changed(struct enforce *);
/* Containers looked at by full looks so far (tests, docs/netd.md). */
uint64_t	 enforce_scanned(const struct enforce *);
struct policy	*enforce_policy(struct enforce *);
/* Rules or NetworkPolicy objects: a flow to a container may be refused. */
int		 enforce_has_rules(const struct enforce *);
/*
 * Networks alone could refuse a flow between two containers (two
 * networks in use, or an internal one); counts again when a change
 * asks for it (berth-netd -n has no sync).
 */
int		 enforce_isolates(struct enforce *);
/*
 * Which of c's flows the rules and NetworkPolicy objects may decide
 * (policy_touches): those must cross the router (ruleset.c).
 */
int		 enforce_touches(struct enforce *, const struct ctr *);
/* Whether the hook is registered (tests, hello). */
int		 enforce_active(const struct enforce *);

/* The policy ops (docs/protocol.md). */
json_t		*enforce_op_add(struct netd *, json_t *, int *);
json_t		*enforce_op_rm(struct netd *, json_t *, int *);
json_t		*enforce_op_list(struct netd *, json_t *, int *);
json_t		*enforce_op_load(struct netd *, json_t *, int *);
json_t		*enforce_op_unload(struct netd *, json_t *, int *);
json_t		*enforce_op_explain(struct netd *, json_t *, int *);

#endif
