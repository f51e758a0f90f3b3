/* SPDX-License-Identifier: ISC */
/*
 * ops.c - the operations of the control protocol (docs/protocol.md).
 *
 * DOC: one function per op
 * Each op gets its "args" object (already checked to be an object) and
 * returns a reply: proto_reply_ok(data) or proto_reply_error(text). The
 * text is what the user sees, so it names the thing that is wrong.
 * Arguments are checked here, by type, before anything changes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "fw.h"
#include "ipam.h"
#include "linkops.h"
#include "netd.h"
#include "pfrules.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

struct ops_entry {
	const char	*name;
	json_t		*(*fn)(struct netd *, json_t *, int *);
};

static json_t *
ops_error(char *cause)
{
	json_t	*j = proto_reply_error("%s", cause != NULL ? cause : "failed");

	free(cause);
	return j;
}

/* The container named by args "name", or NULL with *rep set. */
static struct ctr *
ops_ctr(struct netd *d, json_t *args, json_t **rep)
{
	const char	*name = json_string_value(json_object_get(args,
			    "name"));
	struct ctr	*c;

	if (name == NULL) {
		*rep = proto_reply_error("a container name is needed");
		return NULL;
	}
	if ((c = netd_ctr_find(d, name)) == NULL) {
		*rep = proto_reply_error("no such container \"%.64s\"", name);
		return NULL;
	}
	return c;
}

static json_t *
ops_hello(struct netd *d, json_t *args, int *close)
{
	json_t		*malformed, *router;
	char		 pool[CIDR_STRLEN], gw[ADDR_STRLEN];
	size_t		 i;

	(void)args;
	(void)close;
	malformed = json_object();
	for (i = 1; i < PACKET_NERR; i++)
		json_object_set_new(malformed, packet_err_name(i),
		    json_integer((json_int_t)d->router->malformed[i]));
	router = json_pack("{s:o, s:I, s:I, s:o}", "malformed", malformed,
	    "icmp_sent", (json_int_t)d->router->icmp_sent, "icmp_limited",
	    (json_int_t)d->router->icmp_limited, "gateway",
	    state_counters_json(&d->gw.c));
	return proto_reply_ok(json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, "
	    "s:s, s:s, s:I, s:o}", "version", PROTO_VERSION, "pool",
	    cidr_fmt(&d->cfg.pool, pool), "gateway", addr_fmt(d->cfg.gateway,
	    gw), "prefix", d->cfg.prefix, "pid", (json_int_t)getpid(),
	    "table", (json_int_t)d->cfg.table, "gateway_tun",
	    d->cfg.gw_ifname, "state_dir", d->cfg.state_dir, "containers",
	    (json_int_t)d->nctrs, "router", router));
}

static json_t *
ops_create(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	char		*cause = NULL;

	(void)close;
	if ((c = netd_ctr_create(d, args, &cause)) == NULL)
		return ops_error(cause);
	return proto_reply_ok(state_ctr_json(c));
}

static int
ops_int(json_t *args, const char *key, long long min, long long *out,
    char **cause)
{
	json_t	*v = json_object_get(args, key);

	if (!json_is_integer(v))
		return cause_set(cause, "%s must be an integer", key);
	if (json_integer_value(v) < min)
		return cause_set(cause, "%s must be at least %lld", key, min);
	*out = json_integer_value(v);
	return 0;
}

static json_t *
ops_started(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep;
	long long	 pid = 0, start = 0;
	char		*cause = NULL;

	(void)close;
	if ((c = ops_ctr(d, args, &rep)) == NULL)
		return rep;
	if (ops_int(args, "pid", 1, &pid, &cause) == -1 ||
	    ops_int(args, "pid_start", 0, &start, &cause) == -1)
		return ops_error(cause);
	c->state = CTR_RUNNING;
	c->pid = pid;
	c->pid_start = start;
	c->has_exit = 0;
	c->exit_code = 0;
	(void)netd_save(d);
	return proto_reply_ok(state_ctr_json(c));
}

static json_t *
ops_exited(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep;
	long long	 code = 0;
	char		*cause = NULL;

	(void)close;
	if ((c = ops_ctr(d, args, &rep)) == NULL)
		return rep;
	if (ops_int(args, "exit_code", -1000000, &code, &cause) == -1)
		return ops_error(cause);
	c->state = CTR_EXITED;
	c->exit_code = code;
	c->has_exit = 1;
	(void)netd_save(d);
	return proto_reply_ok(state_ctr_json(c));
}

static json_t *
ops_delete(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep;

	(void)close;
	if ((c = ops_ctr(d, args, &rep)) == NULL)
		return rep;
	netd_ctr_delete(d, c);
	return proto_reply_ok(NULL);
}

static json_t *
ops_list(struct netd *d, json_t *args, int *close)
{
	json_t	*a = json_array();
	size_t	 i;

	(void)args;
	(void)close;
	for (i = 0; i < d->nctrs; i++)
		json_array_append_new(a, state_ctr_json(d->ctrs[i]));
	return proto_reply_ok(a);
}

static json_t *
ops_inspect(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep, *j;

	(void)close;
	if ((c = ops_ctr(d, args, &rep)) == NULL)
		return rep;
	j = state_ctr_json(c);
	json_object_set_new(j, "stats", state_counters_json(&c->port.c));
	return proto_reply_ok(j);
}

static json_t *
ops_stats(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep, *o;
	size_t		 i;

	(void)close;
	o = json_object();
	if (json_object_get(args, "name") != NULL &&
	    !json_is_null(json_object_get(args, "name"))) {
		if ((c = ops_ctr(d, args, &rep)) == NULL) {
			json_decref(o);
			return rep;
		}
		json_object_set_new(o, c->name,
		    state_counters_json(&c->port.c));
		return proto_reply_ok(o);
	}
	for (i = 0; i < d->nctrs; i++)
		json_object_set_new(o, d->ctrs[i]->name,
		    state_counters_json(&d->ctrs[i]->port.c));
	return proto_reply_ok(o);
}

static json_t *
ops_net_json(const struct network *n)
{
	return json_pack("{s:s, s:b}", "name", n->name, "internal",
	    n->internal);
}

static json_t *
ops_net_create(struct netd *d, json_t *args, int *close)
{
	const char	*name = json_string_value(json_object_get(args,
			    "name"));
	json_t		*v = json_object_get(args, "internal");
	char		*cause = NULL;

	(void)close;
	if (name == NULL)
		return proto_reply_error("a network name is needed");
	if (v != NULL && !json_is_boolean(v))
		return proto_reply_error("internal must be true or false");
	if (netd_net_create(d, name, json_is_true(v), &cause) == -1)
		return ops_error(cause);
	return proto_reply_ok(ops_net_json(netd_net_find(d, name)));
}

static json_t *
ops_net_list(struct netd *d, json_t *args, int *close)
{
	json_t	*a = json_array();
	size_t	 i;

	(void)args;
	(void)close;
	json_array_append_new(a, ops_net_json(netd_net_find(d, "default")));
	for (i = 0; i < d->nnets; i++)
		json_array_append_new(a, ops_net_json(&d->nets[i]));
	return proto_reply_ok(a);
}

static json_t *
ops_net_delete(struct netd *d, json_t *args, int *close)
{
	const char	*name = json_string_value(json_object_get(args,
			    "name"));
	char		*cause = NULL;

	(void)close;
	if (name == NULL)
		return proto_reply_error("a network name is needed");
	if (netd_net_delete(d, name, &cause) == -1)
		return ops_error(cause);
	return proto_reply_ok(NULL);
}

static json_t *
ops_rules(struct netd *d, json_t *args, int *close)
{
	struct pfr_ruleset	*rs;
	json_t			*v = json_object_get(args, "format");
	char			*text, *cause = NULL;

	(void)close;
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		return proto_reply_error("format must be \"nft\" or \"pf\"");
	rs = netd_ruleset(d);
	text = pfr_print(rs, json_string_value(v) != NULL ?
	    json_string_value(v) : fw_os->format, &cause);
	pfr_ruleset_free(rs);
	if (text == NULL)
		return ops_error(cause);
	v = json_pack("{s:s}", "text", text);
	free(text);
	return proto_reply_ok(v);
}

static json_t *
ops_shutdown(struct netd *d, json_t *args, int *close)
{
	(void)args;
	*close = 1;
	d->quit = 1;
	return proto_reply_ok(NULL);
}

static const struct ops_entry ops_table[] = {
	{ "hello",	ops_hello },
	{ "create",	ops_create },
	{ "started",	ops_started },
	{ "exited",	ops_exited },
	{ "delete",	ops_delete },
	{ "list",	ops_list },
	{ "inspect",	ops_inspect },
	{ "stats",	ops_stats },
	{ "net_create",	ops_net_create },
	{ "net_list",	ops_net_list },
	{ "net_delete",	ops_net_delete },
	{ "rules",	ops_rules },
	{ "shutdown",	ops_shutdown },
	{ "link_set",	ops_link_set },
	{ "link_rm",	ops_link_rm },
	{ "link_list",	ops_link_list },
	{ "partition",	ops_partition },
	{ "heal",	ops_heal },
};

json_t *
ops_handle(void *arg, const char *op, json_t *args, int *close)
{
	struct netd	*d = arg;
	size_t		 i;

	for (i = 0; i < nitems(ops_table); i++)
		if (strcmp(ops_table[i].name, op) == 0)
			return ops_table[i].fn(d, args, close);
	return proto_reply_error("unknown operation \"%.32s\"", op);
}
