/* SPDX-License-Identifier: ISC */
/*
 * linkops.c - the control operations of link emulation: containers by
 * name in, entries of the link table (link.c) out.
 *
 * DOC: ops
 * link_set {a, b?, oneway?, profile}: set the entry for container a
 * (all its traffic), the pair a-b (both ways) or, with oneway, a to b;
 * the profile replaces the entry's. link_rm {a, b?, oneway?} or {all}.
 * link_list: entries with their counters and the memory they hold.
 * partition {a, b, reject?}: the pair's entry goes down (made if need
 * be; its other impairments stay). heal {a?, b?}: up again, everywhere
 * or between a and b; an entry left with nothing to do goes. Entries
 * name containers by address, so they go with their containers
 * (netd_ctr_delete calls link_forget). Every change is saved in the
 * state file ("links": the link_set requests, model.c's codec) and set
 * again when netd starts.
 */
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "linkops.h"
#include "log.h"
#include "model.h"
#include "netd.h"
#include "proto.h"
#include "util.h"

/* The entry's kind and containers of a request. */
static int
linkops_resolve(struct netd *d, const struct link_req *req,
    enum link_kind *kind, struct ctr **a, struct ctr **b, char **cause)
{
	*b = NULL;
	if ((*a = netd_ctr_find(d, req->a)) == NULL)
		return cause_set(cause, "no such container \"%s\"", req->a);
	if (req->b[0] == '\0') {
		*kind = LINK_CTR;
		return 0;
	}
	if ((*b = netd_ctr_find(d, req->b)) == NULL)
		return cause_set(cause, "no such container \"%s\"", req->b);
	*kind = req->oneway ? LINK_ONEWAY : LINK_PAIR;
	return 0;
}

/* The entry's kind and containers from args a, b, oneway. */
static int
linkops_key(struct netd *d, json_t *args, enum link_kind *kind,
    struct ctr **a, struct ctr **b, struct link_req *req, char **cause)
{
	if (link_req_parse(args, req, cause) == -1)
		return -1;
	return linkops_resolve(d, req, kind, a, b, cause);
}

static json_t *
linkops_error(char *cause)
{
	json_t	*j = proto_reply_error("%s", cause != NULL ? cause : "failed");

	free(cause);
	return j;
}

/* Set the entry of kind for a (and b) to p; the reply. */
static json_t *
linkops_apply(struct netd *d, enum link_kind kind, struct ctr *a,
    struct ctr *b, const struct link_profile *p)
{
	struct link	*l;
	char		*cause = NULL;

	if ((l = link_set(d->links, kind, a->addr, a->name, b != NULL ?
	    b->addr : 0, b != NULL ? b->name : NULL, p, &cause)) == NULL)
		return linkops_error(cause);
	netd_save(d);
	return proto_reply_ok(link_json(l));
}

json_t *
ops_link_set(struct netd *d, json_t *args, int *close)
{
	struct link_req		 req;
	enum link_kind		 kind;
	struct ctr		*a, *b;
	char			*cause = NULL;

	(void)close;
	if (json_object_get(args, "profile") == NULL)
		return proto_reply_error("a link profile is needed");
	if (linkops_key(d, args, &kind, &a, &b, &req, &cause) == -1)
		return linkops_error(cause);
	return linkops_apply(d, kind, a, b, &req.p);
}

json_t *
ops_link_rm(struct netd *d, json_t *args, int *close)
{
	struct link_req	 req;
	enum link_kind	 kind;
	struct ctr	*a, *b;
	struct link	*l;
	char		*cause = NULL;

	(void)close;
	if (json_is_true(json_object_get(args, "all"))) {
		while (d->links->links != NULL)
			link_rm(d->links, d->links->links);
		netd_save(d);
		return proto_reply_ok(NULL);
	}
	if (linkops_key(d, args, &kind, &a, &b, &req, &cause) == -1)
		return linkops_error(cause);
	if ((l = link_find(d->links, kind, a->addr, b != NULL ? b->addr :
	    0)) == NULL)
		return proto_reply_error("no %s link for \"%s\"%s%s",
		    link_kind_name(kind), a->name, b != NULL ? " and " : "",
		    b != NULL ? b->name : "");
	link_rm(d->links, l);
	netd_save(d);
	return proto_reply_ok(NULL);
}

json_t *
ops_link_list(struct netd *d, json_t *args, int *close)
{
	(void)args;
	(void)close;
	return proto_reply_ok(link_table_json(d->links));
}

json_t *
ops_partition(struct netd *d, json_t *args, int *close)
{
	struct link_profile	 p;
	struct link_req		 req;
	enum link_kind		 kind;
	struct ctr		*a, *b;
	struct link		*l;
	json_t			*rej = json_object_get(args, "reject");
	char			*cause = NULL;

	(void)close;
	if (linkops_key(d, args, &kind, &a, &b, &req, &cause) == -1)
		return linkops_error(cause);
	if (rej != NULL && !json_is_boolean(rej))
		return proto_reply_error("reject must be true or false");
	if ((l = link_find(d->links, kind, a->addr, b != NULL ? b->addr :
	    0)) != NULL)
		p = l->p;
	else
		linkspec_init(&p);
	p.down = json_is_true(rej) ? LINKSPEC_DOWN_REJECT :
	    LINKSPEC_DOWN_DROP;
	return linkops_apply(d, kind, a, b, &p);
}

json_t *
ops_heal(struct netd *d, json_t *args, int *close)
{
	struct link_table	*t = d->links;
	struct link_profile	 p;
	struct link_req		 req;
	struct link		*l, *next, *only = NULL;
	enum link_kind		 kind;
	struct ctr		*a, *b;
	char			*cause = NULL;
	int			 n = 0;

	(void)close;
	if (json_object_get(args, "a") != NULL) {
		if (linkops_key(d, args, &kind, &a, &b, &req, &cause) == -1)
			return linkops_error(cause);
		if ((only = link_find(t, kind, a->addr, b != NULL ? b->addr :
		    0)) == NULL || only->p.down == LINKSPEC_UP)
			return proto_reply_error("\"%s\"%s%s are not "
			    "partitioned", a->name, b != NULL ? " and " : "",
			    b != NULL ? b->name : "");
	}
	for (l = t->links; l != NULL; l = next) {
		next = l->next;
		if ((only != NULL && l != only) || l->p.down == LINKSPEC_UP)
			continue;
		n++;
		p = l->p;
		p.down = LINKSPEC_UP;
		if (!linkspec_active(&p))
			link_rm(t, l);
		else
			(void)link_set(t, l->kind, l->a, l->na, l->b, l->nb,
			    &p, NULL);
	}
	if (n > 0)
		netd_save(d);
	return proto_reply_ok(json_pack("{s:i}", "healed", n));
}

/* One entry as its link_set request. */
static void
linkops_req(const struct link *l, struct link_req *req)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->a, sizeof(req->a), "%s", l->na);
	if (l->kind != LINK_CTR)
		snprintf(req->b, sizeof(req->b), "%s", l->nb);
	req->oneway = l->kind == LINK_ONEWAY;
	req->p = l->p;
}

/*
 * The state file's "links": each entry as the link_set that makes it
 * again, oldest first (link_set puts a new entry at the head, so the
 * restored list keeps its order). Counters and held packets are not
 * kept; an entry without --seed gets a new one.
 */
json_t *
linkops_state_json(const struct netd *d)
{
	const struct link	*l;
	struct link_req		 req;
	json_t			*a = json_array();

	for (l = d->links != NULL ? d->links->links : NULL; l != NULL;
	    l = l->next) {
		linkops_req(l, &req);
		json_array_insert_new(a, 0, link_req_to_json(&req));
	}
	return a;
}

/* Set the entries of the state file again, after its containers. */
void
linkops_state_parse(struct netd *d, json_t *links)
{
	struct link_req	 req;
	enum link_kind	 kind;
	struct ctr	*a, *b;
	json_t		*e;
	char		*cause = NULL;
	size_t		 i;

	if (links == NULL || d->links == NULL)
		return;
	if (!json_is_array(links)) {
		log_warnx("%s: \"links\" is not a list", __func__);
		return;
	}
	json_array_foreach(links, i, e) {
		if (link_req_parse(e, &req, &cause) == -1 ||
		    linkops_resolve(d, &req, &kind, &a, &b, &cause) == -1 ||
		    link_set(d->links, kind, a->addr, a->name, b != NULL ?
		    b->addr : 0, b != NULL ? b->name : NULL, &req.p,
		    &cause) == NULL) {
			log_warnx("%s: dropping link %zu: %s", __func__, i,
			    cause);
			free(cause);
			cause = NULL;
		}
	}
}
