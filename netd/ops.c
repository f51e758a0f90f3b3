/* SPDX-License-Identifier: ISC */
/*
 * ops.c - the operations of the control protocol (docs/protocol.md).
 *
 * DOC: one function per op, one schema per op
 * Like tmux's cmd_entry, each op's table entry lists its arguments:
 * name, JSON type, required or not. ops_handle checks "args" against
 * it before the op runs (unknown keys, missing ones, wrong types are
 * refused with code bad_args), so an op function reads its arguments
 * without checking their types again and changes nothing on bad
 * input. Each op returns proto_reply_ok(data) or an error reply with a
 * code (proto.h) and a text; the text is what the user sees, so it
 * names the thing that is wrong; programs branch on the code.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "capture.h"
#include "enforce.h"
#include "ctl.h"
#include "fw.h"
#include "ipam.h"
#include "linkops.h"
#include "netd.h"
#include "pfrules.h"
#include "proto.h"
#include "teardown.h"
#include "util.h"
#include "xmalloc.h"

#define OPS_MAX_ARGS	8

enum ops_type {
	OPS_STRING,
	OPS_INT,
	OPS_BOOL,
	OPS_ARRAY,
	OPS_OBJECT,
};

struct ops_arg {
	const char	*key;
	enum ops_type	 type;
	int		 required;
	const char	*what;		/* for "... is needed" */
};

struct ops_entry {
	const char	*name;
	json_t		*(*fn)(struct netd *, json_t *, int *);
	struct ops_arg	 args[OPS_MAX_ARGS];	/* ends at key NULL */
};

static json_t *
ops_error(enum proto_code code, char *cause)
{
	json_t	*j = proto_reply_errcode(code, "%s", cause != NULL ? cause :
		    "failed");

	free(cause);
	return j;
}

/* The container named by args "name" (checked), or NULL with *rep. */
static struct ctr *
ops_ctr(struct netd *d, json_t *args, json_t **rep)
{
	const char	*name = json_string_value(json_object_get(args,
			    "name"));
	struct ctr	*c;

	if ((c = netd_ctr_find(d, name)) == NULL) {
		*rep = proto_reply_errcode(PROTO_E_NOT_FOUND, "no such "
		    "container \"%.64s\"", name);
		return NULL;
	}
	return c;
}

static json_t *
ops_hello(struct netd *d, json_t *args, int *close)
{
	struct netd_hello h;
	struct fw_stats	 st;
	json_t		*malformed, *router, *fw, *j;
	size_t		 i;

	(void)args;
	(void)close;
	fw_stats(d->fw, &st);
	fw = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "session_pid", (json_int_t)st.session, "processes",
	    (json_int_t)st.spawns, "changes", (json_int_t)st.changes,
	    "batches", (json_int_t)st.batches, "failures",
	    (json_int_t)st.failures, "restarts", (json_int_t)st.restarts,
	    "netlink", (json_int_t)st.netlink, "pending",
	    (json_int_t)st.inflight);
	malformed = json_object();
	for (i = 1; i < PACKET_NERR; i++)
		json_object_set_new(malformed, packet_err_name(i),
		    json_integer((json_int_t)d->router->malformed[i]));
	router = json_pack("{s:o, s:I, s:I, s:o}", "malformed", malformed,
	    "icmp_sent", (json_int_t)d->router->icmp_sent, "icmp_limited",
	    (json_int_t)d->router->icmp_limited, "gateway",
	    state_counters_json(&d->gw.c));
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	h.pool = d->cfg.pool;
	h.gateway = d->cfg.gateway;
	h.prefix = d->cfg.prefix;
	h.pid = getpid();
	h.table = d->cfg.table;
	h.gateway_tun = d->cfg.gw_ifname;
	h.state_dir = (char *)(uintptr_t)d->cfg.state_dir;
	h.containers = (long long)d->nctrs;
	h.enforce = (char *)(uintptr_t)kaddr_mechanism(d);
	h.dns = d->dns != NULL;
	h.degraded = d->degraded;
	h.cgroup = (char *)(uintptr_t)kaddr_cgroup_dir(d);
	j = netd_hello_to_json(&h);	/* h borrows: not cleared */
	json_object_set_new(j, "router", router);
	json_object_set_new(j, "firewall", fw);
	/* tuns of deleted containers not yet gone (bench/start waits) */
	json_object_set_new(j, "teardown", json_pack("{s:I}", "pending",
	    (json_int_t)(d->teardown != NULL ?
	    teardown_pending(d->teardown) : 0)));
	return proto_reply_ok(j);
}

static json_t *
ops_create(struct netd *d, json_t *args, int *close)
{
	struct ctr_spec	 spec;
	struct ctr	*c;
	enum proto_code	 code;
	char		*cause = NULL;

	(void)close;
	if (ctr_spec_parse(args, &spec, &cause) == -1) {
		ctr_spec_clear(&spec);
		return ops_error(PROTO_E_BAD_ARGS, cause);
	}
	c = netd_ctr_create(d, &spec, &code, &cause);
	ctr_spec_clear(&spec);
	if (c == NULL)
		return ops_error(code, cause);
	c->uid = trust_creator(d);
	state_ctr_changed(d, c);	/* saved after this op: with the uid */
	return proto_reply_ok(state_ctr_json(c));
}

/* An integer argument the schema checked, at least min. */
static int
ops_int(json_t *args, const char *key, long long min, long long *out,
    char **cause)
{
	json_t	*v = json_object_get(args, key);

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
	if ((rep = trust_owner(d, c, "report on")) != NULL)
		return rep;
	if (ops_int(args, "pid", 1, &pid, &cause) == -1 ||
	    ops_int(args, "pid_start", 0, &start, &cause) == -1)
		return ops_error(PROTO_E_BAD_ARGS, cause);
	if (trust_pid(d, pid, start, &cause) == -1)
		return ops_error(PROTO_E_FAILED, cause);
	c->state = CTR_RUNNING;
	c->pid = pid;
	c->pid_start = start;
	c->has_exit = 0;
	c->exit_code = 0;
	state_ctr_changed(d, c);
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
	if ((rep = trust_owner(d, c, "report on")) != NULL)
		return rep;
	if (ops_int(args, "exit_code", 0, &code, &cause) == -1)
		return ops_error(PROTO_E_BAD_ARGS, cause);
	/* An exit status, or 128 + a signal number: 0 to 255. */
	if (code > NETD_EXIT_MAX)
		return proto_reply_errcode(PROTO_E_BAD_ARGS, "exit_code must "
		    "be at most %d", NETD_EXIT_MAX);
	c->state = CTR_EXITED;
	c->exit_code = code;
	c->has_exit = 1;
	state_ctr_changed(d, c);
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
	if ((rep = trust_owner(d, c, "delete")) != NULL)
		return rep;
	netd_ctr_delete(d, c);
	return proto_reply_ok(NULL);
}

static json_t *
ops_list(struct netd *d, json_t *args, int *close)
{
	struct ctr_info	 v;
	json_t		*a = json_array();
	size_t		 i;

	(void)close;
	if (!json_is_true(json_object_get(args, "brief"))) {
		for (i = 0; i < d->nctrs; i++)
			json_array_append_new(a, state_ctr_json(d->ctrs[i]));
		return proto_reply_ok(a);
	}
	/* berth ps's table: only what it shows (ctr_brief_to_json) */
	for (i = 0; i < d->nctrs; i++) {
		ctr_view(d->ctrs[i], &v);
		json_array_append_new(a, ctr_brief_to_json(&v));
	}
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
	json_object_set_new(j, "kernel", kaddr_counts_json(d, c));
	return proto_reply_ok(j);
}

/* Move the caller's child "pid" into the container's cgroup. */
static json_t *
ops_join(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep;
	long long	 pid = 0;
	pid_t		 parent;
	char		*cause = NULL;

	(void)close;
	if ((c = ops_ctr(d, args, &rep)) == NULL)
		return rep;
	if (ops_int(args, "pid", 2, &pid, &cause) == -1)
		return ops_error(PROTO_E_BAD_ARGS, cause);
	if (pid > 0x7fffffff)
		return proto_reply_errcode(PROTO_E_BAD_ARGS, "pid %lld is out "
		    "of range", pid);
	if (ctl_peer_pid(d->ctl, &parent) == -1)
		return proto_reply_error("cannot tell the caller's pid");
	if (kaddr_join(d, c, (pid_t)pid, parent, &cause) == -1)
		return ops_error(PROTO_E_FAILED, cause);
	return proto_reply_ok(NULL);
}

static json_t *
ops_stats(struct netd *d, json_t *args, int *close)
{
	struct ctr	*c;
	json_t		*rep, *o;
	size_t		 i;

	(void)close;
	o = json_object();
	if (json_object_get(args, "name") != NULL) {
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
	struct net_info	 ni;

	snprintf(ni.name, sizeof(ni.name), "%s", n->name);
	ni.internal = n->internal;
	return net_info_to_json(&ni);
}

static json_t *
ops_net_create(struct netd *d, json_t *args, int *close)
{
	const char	*name = json_string_value(json_object_get(args,
			    "name"));
	json_t		*v = json_object_get(args, "internal");
	enum proto_code	 code;
	char		*cause = NULL;

	(void)close;
	if (netd_net_create(d, name, json_is_true(v), &code, &cause) == -1)
		return ops_error(code, cause);
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
	enum proto_code	 code;
	char		*cause = NULL;

	(void)close;
	if (netd_net_delete(d, name, &code, &cause) == -1)
		return ops_error(code, cause);
	return proto_reply_ok(NULL);
}

static json_t *
ops_rules(struct netd *d, json_t *args, int *close)
{
	struct pfr_ruleset	*rs;
	json_t			*v = json_object_get(args, "format");
	char			*text, *cause = NULL;

	(void)close;
	if (v != NULL && strcmp(json_string_value(v), "nft") != 0 &&
	    strcmp(json_string_value(v), "pf") != 0)
		return proto_reply_errcode(PROTO_E_BAD_ARGS, "format must be "
		    "\"nft\" or \"pf\"");
	rs = netd_ruleset(d);
	text = pfr_print(rs, json_string_value(v) != NULL ?
	    json_string_value(v) : fw_os->format, &cause);
	pfr_ruleset_free(rs);
	if (text == NULL)
		return ops_error(PROTO_E_FAILED, cause);
	v = json_pack("{s:s}", "text", text);
	free(text);
	return proto_reply_ok(v);
}

static json_t *
ops_shutdown(struct netd *d, json_t *args, int *close)
{
	json_t	*rep;

	(void)args;
	if ((rep = trust_shutdown(d)) != NULL)
		return rep;
	*close = 1;
	d->quit = 1;
	return proto_reply_ok(NULL);
}

#define NAME_ARG(what)	{ "name", OPS_STRING, 1, what }
#define OPS_END		{ NULL, OPS_STRING, 0, NULL }
/* No schema here: the op checks its own arguments. */
#define OPS_OWN		{ "*", OPS_OBJECT, 0, NULL }, OPS_END

static const struct ops_entry ops_table[] = {
	{ "hello",	ops_hello,	{ OPS_END } },
	{ "create",	ops_create,	{ NAME_ARG("a container name"),
	    { "ip", OPS_STRING, 0, NULL }, { "networks", OPS_ARRAY, 0, NULL },
	    { "ports", OPS_ARRAY, 0, NULL }, { "stack", OPS_STRING, 0, NULL },
	    { "service", OPS_STRING, 0, NULL },
	    { "meta", OPS_OBJECT, 0, NULL }, OPS_END } },
	{ "started",	ops_started,	{ NAME_ARG("a container name"),
	    { "pid", OPS_INT, 1, "pid" },
	    { "pid_start", OPS_INT, 1, "pid_start" }, OPS_END } },
	{ "exited",	ops_exited,	{ NAME_ARG("a container name"),
	    { "exit_code", OPS_INT, 1, "exit_code" }, OPS_END } },
	{ "delete",	ops_delete,	{ NAME_ARG("a container name"),
	    OPS_END } },
	{ "list",	ops_list,	{ { "brief", OPS_BOOL, 0, NULL },
	    OPS_END } },
	{ "inspect",	ops_inspect,	{ NAME_ARG("a container name"),
	    OPS_END } },
	{ "stats",	ops_stats,	{ { "name", OPS_STRING, 0, NULL },
	    OPS_END } },
	{ "join",	ops_join,	{ NAME_ARG("a container name"),
	    { "pid", OPS_INT, 1, "pid" }, OPS_END } },
	{ "net_create",	ops_net_create,	{ NAME_ARG("a network name"),
	    { "internal", OPS_BOOL, 0, NULL }, OPS_END } },
	{ "net_list",	ops_net_list,	{ OPS_END } },
	{ "net_delete",	ops_net_delete,	{ NAME_ARG("a network name"),
	    OPS_END } },
	{ "rules",	ops_rules,	{ { "format", OPS_STRING, 0, NULL },
	    OPS_END } },
	{ "shutdown",	ops_shutdown,	{ OPS_END } },
	/* The feature ops check their own arguments, naming the field. */
	{ "capture",	capture_op,	{ OPS_OWN } },
	{ "link_set",	ops_link_set,	{ OPS_OWN } },
	{ "link_rm",	ops_link_rm,	{ OPS_OWN } },
	{ "link_list",	ops_link_list,	{ OPS_OWN } },
	{ "partition",	ops_partition,	{ OPS_OWN } },
	{ "heal",	ops_heal,	{ OPS_OWN } },
	{ "policy_add",	enforce_op_add,	{ OPS_OWN } },
	{ "policy_rm",	enforce_op_rm,	{ OPS_OWN } },
	{ "policy_list", enforce_op_list, { OPS_OWN } },
	{ "policy_load", enforce_op_load, { OPS_OWN } },
	{ "policy_unload", enforce_op_unload, { OPS_OWN } },
	{ "policy_explain", enforce_op_explain, { OPS_OWN } },
};

static const char *const ops_type_names[] = {
	"a string", "an integer", "true or false", "an array", "an object",
};

static int
ops_type_ok(json_t *v, enum ops_type t)
{
	switch (t) {
	case OPS_STRING:
		return json_is_string(v);
	case OPS_INT:
		return json_is_integer(v);
	case OPS_BOOL:
		return json_is_boolean(v);
	case OPS_ARRAY:
		return json_is_array(v);
	case OPS_OBJECT:
		return json_is_object(v);
	}
	return 0;
}

/*
 * args against the op's schema. A null optional argument counts as
 * absent and is removed, so the op sees only what it can use.
 */
static int
ops_check(const struct ops_entry *e, json_t *args, char **cause)
{
	const struct ops_arg	*a;
	const char		*key;
	json_t			*v;
	void			*tmp;

	if (strcmp(e->args[0].key != NULL ? e->args[0].key : "", "*") == 0)
		return 0;
	json_object_foreach_safe(args, tmp, key, v) {
		for (a = e->args; a->key != NULL; a++)
			if (strcmp(a->key, key) == 0)
				break;
		if (a->key == NULL)
			return cause_set(cause, "%s: unknown argument "
			    "\"%.32s\"", e->name, key);
		if (json_is_null(v) && !a->required) {
			json_object_del(args, key);
			continue;
		}
		if (!ops_type_ok(v, a->type))
			return cause_set(cause, "%s must be %s", a->key,
			    ops_type_names[a->type]);
	}
	for (a = e->args; a->key != NULL; a++)
		if (a->required && json_object_get(args, a->key) == NULL)
			return cause_set(cause, "%s is needed", a->what);
	return 0;
}

json_t *
ops_handle(void *arg, const char *op, json_t *args, int *close)
{
	struct netd	*d = arg;
	json_t		*rep;
	size_t		 i;
	char		*cause = NULL;

	for (i = 0; i < nitems(ops_table); i++) {
		if (strcmp(ops_table[i].name, op) != 0)
			continue;
		if (ops_check(&ops_table[i], args, &cause) == -1)
			return ops_error(PROTO_E_BAD_ARGS, cause);
		rep = ops_table[i].fn(d, args, close);
		/* Containers or networks may have changed. */
		enforce_sync(d->enforce);
		/* before the reply: a capture, a link or a rule (ruleset.c) */
		netd_direct_sync(d);
		return rep;
	}
	return proto_reply_errcode(PROTO_E_UNKNOWN_OP, "unknown operation "
	    "\"%.32s\"", op);
}
