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
 * (netd_ctr_delete calls link_forget).
 */
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "linkops.h"
#include "netd.h"
#include "proto.h"
#include "util.h"

/* The entry's kind and addresses from args a, b, oneway. */
static int
linkops_key(struct netd *d, json_t *args, enum link_kind *kind,
    struct ctr **a, struct ctr **b, char **cause)
{
	const char	*na = json_string_value(json_object_get(args, "a"));
	json_t		*vb = json_object_get(args, "b");
	json_t		*ow = json_object_get(args, "oneway");

	*b = NULL;
	if (na == NULL)
		return cause_set(cause, "a container name is needed");
	if ((*a = netd_ctr_find(d, na)) == NULL)
		return cause_set(cause, "no such container \"%.64s\"", na);
	if (ow != NULL && !json_is_boolean(ow))
		return cause_set(cause, "oneway must be true or false");
	if (vb == NULL || json_is_null(vb)) {
		if (json_is_true(ow))
			return cause_set(cause, "one way needs two "
			    "containers");
		*kind = LINK_CTR;
		return 0;
	}
	if (!json_is_string(vb))
		return cause_set(cause, "b must be a container name");
	if ((*b = netd_ctr_find(d, json_string_value(vb))) == NULL)
		return cause_set(cause, "no such container \"%.64s\"",
		    json_string_value(vb));
	if (*a == *b)
		return cause_set(cause, "a link joins two different "
		    "containers");
	*kind = json_is_true(ow) ? LINK_ONEWAY : LINK_PAIR;
	return 0;
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
	return proto_reply_ok(link_json(l));
}

json_t *
ops_link_set(struct netd *d, json_t *args, int *close)
{
	struct link_profile	 p;
	enum link_kind		 kind;
	struct ctr		*a, *b;
	char			*cause = NULL;

	(void)close;
	if (linkops_key(d, args, &kind, &a, &b, &cause) == -1 ||
	    linkspec_from_json(json_object_get(args, "profile"), &p,
	    &cause) == -1)
		return linkops_error(cause);
	return linkops_apply(d, kind, a, b, &p);
}

json_t *
ops_link_rm(struct netd *d, json_t *args, int *close)
{
	enum link_kind	 kind;
	struct ctr	*a, *b;
	struct link	*l;
	char		*cause = NULL;

	(void)close;
	if (json_is_true(json_object_get(args, "all"))) {
		while (d->links->links != NULL)
			link_rm(d->links, d->links->links);
		return proto_reply_ok(NULL);
	}
	if (linkops_key(d, args, &kind, &a, &b, &cause) == -1)
		return linkops_error(cause);
	if ((l = link_find(d->links, kind, a->addr, b != NULL ? b->addr :
	    0)) == NULL)
		return proto_reply_error("no %s link for \"%s\"%s%s",
		    link_kind_name(kind), a->name, b != NULL ? " and " : "",
		    b != NULL ? b->name : "");
	link_rm(d->links, l);
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
	enum link_kind		 kind;
	struct ctr		*a, *b;
	struct link		*l;
	json_t			*rej = json_object_get(args, "reject");
	char			*cause = NULL;

	(void)close;
	if (linkops_key(d, args, &kind, &a, &b, &cause) == -1)
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
	struct link		*l, *next, *only = NULL;
	enum link_kind		 kind;
	struct ctr		*a, *b;
	char			*cause = NULL;
	int			 n = 0;

	(void)close;
	if (json_object_get(args, "a") != NULL) {
		if (linkops_key(d, args, &kind, &a, &b, &cause) == -1)
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
	return proto_reply_ok(json_pack("{s:i}", "healed", n));
}
