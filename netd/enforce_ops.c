/* SPDX-License-Identifier: ISC */
/*
 * enforce_ops.c - the policy ops and the policy's state file.
 *
 * DOC: Theory of Operation
 * Each op changes the model (common/policy.c), then has enforce.c sync
 * it (the hook, the flow cache's generation, the firewall's filters)
 * and saves the whole model to STATE_DIR/policy.json, which
 * enforce_open reads back at start. policy.load is all or nothing: a
 * stack's entries are checked into a scratch model before they replace
 * its earlier ones. policy.explain decides a query between the router's
 * own endpoints (enforce_ep_ctr, enforce_ep_addr).
 */
#include <sys/types.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "enforce_int.h"
#include "log.h"
#include "netd.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

/* -------------------------------------------------------- state file */

static char *
enforce_path(struct enforce *e)
{
	char	*p;

	xasprintf(&p, "%s/%s", e->d->cfg.state_dir, ENFORCE_FILE);
	return p;
}

static void
enforce_save(struct enforce *e)
{
	json_t	*j = policy_json(&e->pol);
	char	*s, *path = enforce_path(e);

	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL || util_write_file_replace(path, s, strlen(s), 0600,
	    0) == -1)
		log_warn("%s: %s", __func__, path);
	free(s);
	free(path);
}

void
enforce_load(struct enforce *e)
{
	json_error_t	 err;
	json_t		*j;
	char		*text, *path = enforce_path(e), *cause = NULL;
	size_t		 len;

	if ((text = util_read_file(path, NETD_STATE_MAX, &len)) == NULL)
		goto out;
	if ((j = json_loadb(text, len, 0, &err)) == NULL) {
		log_warnx("%s: %s: %s", __func__, path, err.text);
		goto out;
	}
	if (policy_load(&e->pol, j, &cause) == -1) {
		log_warnx("%s: %s: %s", __func__, path, cause);
		free(cause);
	} else
		log_info("%s: %zu rule(s), %zu NetworkPolicy object(s)",
		    __func__, e->pol.nrules, e->pol.nknps);
	json_decref(j);
out:
	free(text);
	free(path);
}

/* ---------------------------------------------------------------- ops */

static json_t *
enforce_error(char *cause)
{
	json_t	*j = proto_reply_error("%s", cause != NULL ? cause : "failed");

	free(cause);
	return j;
}

/* Each op changes the model, then syncs and saves. */
static void
enforce_changed(struct netd *d)
{
	enforce_sync(d->enforce);
	enforce_save(d->enforce);
}

json_t *
enforce_op_add(struct netd *d, json_t *args, int *close)
{
	struct policy	*p = &d->enforce->pol;
	json_t		*rule = json_object_get(args, "rule");
	json_t		*at = json_object_get(args, "before");
	struct policy_rule r;
	char		*cause = NULL;
	size_t		 i, nknps = p->nknps;

	(void)close;
	if (policy_parse_entry(p, rule, "rule", NULL, &cause) == -1)
		return enforce_error(cause);
	if (p->nknps > nknps) {
		enforce_changed(d);
		return proto_reply_ok(policy_knp_json(&p->knps[p->nknps - 1]));
	}
	/* "before": the id of the rule to insert ahead of. */
	if (at != NULL && !json_is_null(at)) {
		for (i = 0; i + 1 < p->nrules; i++)
			if (json_is_integer(at) && p->rules[i].id ==
			    (unsigned)json_integer_value(at))
				break;
		if (i + 1 == p->nrules) {
			policy_remove(p, p->rules[p->nrules - 1].id);
			return proto_reply_error("before: no rule %lld",
			    (long long)json_integer_value(at));
		}
		r = p->rules[p->nrules - 1];
		memmove(&p->rules[i + 1], &p->rules[i],
		    (p->nrules - 1 - i) * sizeof(*p->rules));
		p->rules[i] = r;
	}
	enforce_changed(d);
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].id == p->next_id - 1)
			return proto_reply_ok(policy_rule_json(&p->rules[i]));
	return proto_reply_ok(NULL);
}

json_t *
enforce_op_rm(struct netd *d, json_t *args, int *close)
{
	struct policy	*p = &d->enforce->pol;
	json_t		*id = json_object_get(args, "id");
	const char	*name = json_string_value(json_object_get(args,
			    "networkpolicy"));
	const char	*stack = json_string_value(json_object_get(args,
			    "stack"));
	size_t		 i;

	(void)close;
	if (name != NULL) {
		if (policy_remove_knp(p, stack != NULL ? stack : "default",
		    name) == -1)
			return proto_reply_error("no NetworkPolicy \"%.64s\" "
			    "in \"%.64s\"", name, stack != NULL ? stack :
			    "default");
		enforce_changed(d);
		return proto_reply_ok(json_pack("{s:i}", "removed", 1));
	}
	if (stack != NULL) {
		i = policy_remove_stack(p, stack);
		enforce_changed(d);
		return proto_reply_ok(json_pack("{s:I}", "removed",
		    (json_int_t)i));
	}
	if (!json_is_integer(id) || json_integer_value(id) < 1)
		return proto_reply_error("id must be a rule number");
	if (policy_remove(p, (unsigned)json_integer_value(id)) == -1)
		return proto_reply_error("no rule %lld",
		    (long long)json_integer_value(id));
	enforce_changed(d);
	return proto_reply_ok(json_pack("{s:i}", "removed", 1));
}

json_t *
enforce_op_list(struct netd *d, json_t *args, int *close)
{
	json_t	*j;

	(void)args;
	(void)close;
	j = policy_json(&d->enforce->pol);
	json_object_set_new(j, "enforced", json_boolean(d->enforce->active));
	json_object_set_new(j, "flows_decided",
	    json_integer((json_int_t)d->enforce->decided));
	json_object_set_new(j, "drop_policy", json_integer((json_int_t)
	    d->router->drops[ROUTER_DROP_POLICY]));
	return proto_reply_ok(j);
}

/* A stack's rules and NetworkPolicy objects replace its earlier ones. */
json_t *
enforce_op_load(struct netd *d, json_t *args, int *close)
{
	struct policy	 n, *p = &d->enforce->pol;
	const char	*stack = json_string_value(json_object_get(args,
			    "stack"));
	json_t		*entries = json_object_get(args, "entries"), *e;
	char		*cause = NULL, *path;
	size_t		 i;
	int		 rc;

	(void)close;
	if (stack == NULL || name_check(stack, "stack name", &cause) == -1)
		return enforce_error(cause != NULL ? cause :
		    xstrdup("a stack name is needed"));
	if (!json_is_array(entries))
		return proto_reply_error("entries must be an array");
	/* All or nothing: check into a scratch model first. */
	policy_init(&n);
	json_array_foreach(entries, i, e) {
		xasprintf(&path, "policy[%zu]", i);
		rc = policy_parse_entry(&n, e, path, stack, &cause);
		free(path);
		if (rc == -1) {
			policy_clear(&n);
			return enforce_error(cause);
		}
	}
	if (p->nrules + n.nrules > POLICY_MAX_RULES ||
	    p->nknps + n.nknps > POLICY_MAX_KNPS) {
		policy_clear(&n);
		return proto_reply_error("too many rules (at most %d) or "
		    "NetworkPolicy objects (at most %d)", POLICY_MAX_RULES,
		    POLICY_MAX_KNPS);
	}
	policy_clear(&n);
	policy_remove_stack(p, stack);
	json_array_foreach(entries, i, e) {
		xasprintf(&path, "policy[%zu]", i);
		if (policy_parse_entry(p, e, path, stack, &cause) == -1)
			fatal("%s: checked entry refused: %s", __func__, cause);
		free(path);
	}
	enforce_changed(d);
	return proto_reply_ok(json_pack("{s:I}", "loaded",
	    (json_int_t)json_array_size(entries)));
}

json_t *
enforce_op_unload(struct netd *d, json_t *args, int *close)
{
	const char	*stack = json_string_value(json_object_get(args,
			    "stack"));
	size_t		 n;

	(void)close;
	if (stack == NULL)
		return proto_reply_error("a stack name is needed");
	n = policy_remove_stack(&d->enforce->pol, stack);
	enforce_changed(d);
	return proto_reply_ok(json_pack("{s:I}", "removed", (json_int_t)n));
}

/* "NAME", "host", "outside", or an address. */
static int
enforce_ep_parse(struct enforce *e, const char *s, struct enforce_ep *x,
    const char *what, char **cause)
{
	struct ctr	*c;
	uint32_t	 a;

	if (s == NULL)
		return cause_set(cause, "%s: a container, host, outside or an "
		    "address is needed", what);
	if (strcmp(s, "host") == 0) {
		enforce_ep_addr(e, e->d->cfg.gateway, x);
		return 0;
	}
	if (strcmp(s, "outside") == 0) {
		memset(x, 0, sizeof(*x));
		x->ep.kind = POLICY_EP_OUTSIDE;
		x->ep.addr = 0x08080808;	/* stands for any */
		return 0;
	}
	if (addr_parse(s, &a) == 0) {
		enforce_ep_addr(e, a, x);
		return 0;
	}
	if ((c = netd_ctr_find(e->d, s)) == NULL)
		return cause_set(cause, "%s: no container \"%.64s\" (a name, "
		    "host, outside or an address)", what, s);
	enforce_ep_ctr(e, c, x);
	return 0;
}

static json_t *
enforce_explain_one(struct netd *d, json_t *q, char **cause)
{
	struct enforce_ep	 s, t;
	struct policy_verdict	 v;
	const char		*proto = json_string_value(json_object_get(q,
				    "proto"));
	json_t			*port = json_object_get(q, "port");
	uint8_t			 pr = IPPROTO_TCP;
	json_int_t		 pn = 0;
	static const char *const bys[] = { "default", "network", "rule",
	    "networkpolicy" };

	if (enforce_ep_parse(d->enforce, json_string_value(json_object_get(q,
	    "from")), &s, "from", cause) == -1 ||
	    enforce_ep_parse(d->enforce, json_string_value(json_object_get(q,
	    "to")), &t, "to", cause) == -1)
		return NULL;
	if (proto == NULL || strcmp(proto, "tcp") == 0)
		pr = IPPROTO_TCP;
	else if (strcmp(proto, "udp") == 0)
		pr = IPPROTO_UDP;
	else if (strcmp(proto, "icmp") == 0)
		pr = IPPROTO_ICMP;
	else {
		cause_set(cause, "proto must be tcp, udp or icmp");
		return NULL;
	}
	if (port != NULL && !json_is_null(port) && (!json_is_integer(port) ||
	    (pn = json_integer_value(port)) < 0 || pn > 65535)) {
		cause_set(cause, "port must be 0..65535");
		return NULL;
	}
	if (pr == IPPROTO_ICMP)
		pn = 0;
	policy_decide(&d->enforce->pol, &s.ep, &t.ep, pr, (uint16_t)pn, 0, &v);
	q = json_pack("{s:s, s:s, s:s}", "action",
	    policy_action_name(v.action), "by", bys[v.by], "why", v.why);
	if (v.rule != NULL)
		json_object_set_new(q, "rule", json_integer(v.rule->id));
	if (v.knp != NULL)
		json_object_set_new(q, "networkpolicy", json_pack("{s:s, s:s}",
		    "name", v.knp->name, "stack", v.knp->ns));
	return q;
}

/* One query {from, to, port, proto}, or "queries": [...]. */
json_t *
enforce_op_explain(struct netd *d, json_t *args, int *close)
{
	json_t	*qs = json_object_get(args, "queries"), *a, *q, *r;
	char	*cause = NULL;
	size_t	 i;

	(void)close;
	if (qs == NULL) {
		if ((r = enforce_explain_one(d, args, &cause)) == NULL)
			return enforce_error(cause);
		return proto_reply_ok(r);
	}
	if (!json_is_array(qs) || json_array_size(qs) > 100000)
		return proto_reply_error("queries must be an array of at most "
		    "100000");
	a = json_array();
	json_array_foreach(qs, i, q) {
		if ((r = enforce_explain_one(d, q, &cause)) == NULL) {
			json_decref(a);
			cause_prefix(&cause, "queries[%zu]", i);
			return enforce_error(cause);
		}
		json_array_append_new(a, r);
	}
	return proto_reply_ok(a);
}
