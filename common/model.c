/* SPDX-License-Identifier: ISC */
/*
 * model.c - the container object's and hello's JSON codecs (model.h), and
 * the link entry's (link_set's arguments, the state file's "links").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "model.h"
#include "name.h"
#include "util.h"
#include "xmalloc.h"

static const char *const ctr_state_names[] = { "created", "running",
    "exited" };

const char *
ctr_state_name(enum ctr_state s)
{
	return (unsigned)s < nitems(ctr_state_names) ? ctr_state_names[s] :
	    "created";
}

/* An optional name: absent or null is NULL. */
static int
ctr_opt_name(json_t *o, const char *key, const char *what, char **out,
    char **cause)
{
	json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cause_set(cause, "%s must be a string", key);
	if (name_check(json_string_value(v), what, cause) == -1)
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
ctr_spec_networks(json_t *v, struct ctr_spec *s, char **cause)
{
	const char	*n;
	size_t		 i, j;

	if (v == NULL || json_is_null(v)) {
		s->networks = xcalloc(1, sizeof(char *));
		s->networks[s->nnetworks++] = xstrdup("default");
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return cause_set(cause, "networks must be a non-empty array "
		    "of names");
	if (json_array_size(v) > CTR_MAX_NETS)
		return cause_set(cause, "at most %d networks", CTR_MAX_NETS);
	s->networks = xcalloc(json_array_size(v), sizeof(char *));
	for (i = 0; i < json_array_size(v); i++) {
		if ((n = json_string_value(json_array_get(v, i))) == NULL)
			return cause_set(cause, "networks must be strings");
		if (name_check(n, "network name", cause) == -1)
			return -1;
		for (j = 0; j < s->nnetworks; j++)
			if (strcmp(s->networks[j], n) == 0)
				break;
		if (j == s->nnetworks)
			s->networks[s->nnetworks++] = xstrdup(n);
	}
	return 0;
}

static int
ctr_spec_ports(json_t *v, struct ctr_spec *s, char **cause)
{
	const char	*p;
	size_t		 i, j;
	char		 buf[PORTSPEC_STRLEN];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return cause_set(cause, "ports must be an array of port "
		    "specifications");
	if (json_array_size(v) > CTR_MAX_PORTS)
		return cause_set(cause, "at most %d port specifications",
		    CTR_MAX_PORTS);
	s->ports = xcalloc(json_array_size(v) + 1, sizeof(*s->ports));
	for (i = 0; i < json_array_size(v); i++) {
		if ((p = json_string_value(json_array_get(v, i))) == NULL)
			return cause_set(cause, "ports must be strings");
		if (portspec_parse(p, &s->ports[i], cause) == -1)
			return -1;
		s->nports++;
		for (j = 0; j < i; j++)
			if (portspec_conflict(&s->ports[i], &s->ports[j]))
				return cause_set(cause, "host port %s is "
				    "published twice", portspec_fmt(
				    &s->ports[i], buf));
	}
	return 0;
}

/* The name and the address (absent or null: 0), the spec zeroed first. */
static int
ctr_spec_head(json_t *o, struct ctr_spec *s, char **cause)
{
	json_t		*v;
	const char	*str;
	char		 q[24];

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return cause_set(cause, "a container must be an object");
	if ((str = json_string_value(json_object_get(o, "name"))) == NULL)
		return cause_set(cause, "a container name is needed");
	if (name_check(str, "container name", cause) == -1)
		return -1;
	snprintf(s->name, sizeof(s->name), "%s", str);
	v = json_object_get(o, "ip");
	if (v != NULL && !json_is_null(v)) {
		if ((str = json_string_value(v)) == NULL)
			return cause_set(cause, "ip must be a string");
		if (addr_parse(str, &s->addr) == -1 || s->addr == 0)
			return cause_set(cause, "bad address \"%s\"",
			    name_quote(str, q, sizeof(q)));
	}
	return 0;
}

int
ctr_spec_parse(json_t *o, struct ctr_spec *s, char **cause)
{
	json_t		*v;
	char		*enc;
	size_t		 len;

	if (ctr_spec_head(o, s, cause) == -1)
		return -1;
	if (ctr_spec_networks(json_object_get(o, "networks"), s,
	    cause) == -1 ||
	    ctr_opt_name(o, "stack", "stack name", &s->stack, cause) == -1 ||
	    ctr_opt_name(o, "service", "service name", &s->service,
	    cause) == -1 ||
	    ctr_spec_ports(json_object_get(o, "ports"), s, cause) == -1)
		return -1;
	v = json_object_get(o, "meta");
	if (v == NULL || json_is_null(v)) {
		s->meta = json_object();
		return 0;
	}
	if (!json_is_object(v))
		return cause_set(cause, "meta must be an object");
	enc = json_dumps(v, JSON_COMPACT);
	len = enc != NULL ? strlen(enc) : 0;
	free(enc);
	if (len > CTR_META_MAX)
		return cause_set(cause, "meta is too large (%zu bytes, at most "
		    "%d)", len, CTR_META_MAX);
	s->meta = json_deep_copy(v);
	return 0;
}

void
ctr_spec_to_json(const struct ctr_spec *s, json_t *j)
{
	json_t	*a;
	char	 buf[PORTSPEC_STRLEN], ip[ADDR_STRLEN];
	size_t	 i;

	json_object_set_new(j, "name", json_string(s->name));
	if (s->addr != 0)
		json_object_set_new(j, "ip", json_string(addr_fmt(s->addr,
		    ip)));
	a = json_array();
	for (i = 0; i < s->nnetworks; i++)
		json_array_append_new(a, json_string(s->networks[i]));
	json_object_set_new(j, "networks", a);
	a = json_array();
	for (i = 0; i < s->nports; i++)
		json_array_append_new(a, json_string(portspec_fmt(&s->ports[i],
		    buf)));
	json_object_set_new(j, "ports", a);
	if (s->stack != NULL)
		json_object_set_new(j, "stack", json_string(s->stack));
	if (s->service != NULL)
		json_object_set_new(j, "service", json_string(s->service));
	json_object_set_new(j, "meta", s->meta != NULL ?
	    json_incref(s->meta) : json_object());
}

void
ctr_spec_clear(struct ctr_spec *s)
{
	size_t	 i;

	for (i = 0; i < s->nnetworks; i++)
		free(s->networks[i]);
	free(s->networks);
	free(s->ports);
	free(s->stack);
	free(s->service);
	json_decref(s->meta);
	memset(s, 0, sizeof(*s));
}

/* What settles the state: state, pid and its start time, exit code. */
static void
ctr_run_to_json(const struct ctr_info *c, json_t *j)
{
	json_object_set_new(j, "state", json_string(ctr_state_name(
	    c->state)));
	if (c->pid > 0) {
		json_object_set_new(j, "pid", json_integer(c->pid));
		json_object_set_new(j, "pid_start",
		    json_integer(c->pid_start));
	}
	if (c->has_exit)
		json_object_set_new(j, "exit_code",
		    json_integer(c->exit_code));
}

static void
ctr_run_parse(json_t *j, struct ctr_info *c)
{
	json_t		*v;
	const char	*s;
	size_t		 i;

	s = json_string_value(json_object_get(j, "state"));
	for (i = 0; s != NULL && i < nitems(ctr_state_names); i++)
		if (strcmp(s, ctr_state_names[i]) == 0)
			c->state = (enum ctr_state)i;
	c->pid = json_integer_value(json_object_get(j, "pid"));
	c->pid_start = json_integer_value(json_object_get(j, "pid_start"));
	if ((v = json_object_get(j, "exit_code")) != NULL &&
	    json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= CTR_EXIT_MAX) {
		c->exit_code = json_integer_value(v);
		c->has_exit = 1;
	}
}

json_t *
ctr_info_to_json(const struct ctr_info *c)
{
	json_t	*j;

	j = json_object();
	ctr_spec_to_json(&c->spec, j);
	json_object_set_new(j, "tun", json_string(c->tun));
	json_object_set_new(j, "created", json_integer(c->created));
	ctr_run_to_json(c, j);
	if (c->uid >= 0)
		json_object_set_new(j, "uid", json_integer(c->uid));
	return j;
}

int
ctr_info_parse(json_t *j, struct ctr_info *c, char **cause)
{
	json_t		*v;
	const char	*s;

	memset(c, 0, sizeof(*c));
	if (ctr_spec_parse(j, &c->spec, cause) == -1)
		goto fail;
	if (c->spec.addr == 0) {
		cause_set(cause, "%s: no ip", c->spec.name);
		goto fail;
	}
	if ((s = json_string_value(json_object_get(j, "tun"))) == NULL ||
	    strlen(s) == 0 || strlen(s) >= sizeof(c->tun)) {
		cause_set(cause, "%s: bad tun", c->spec.name);
		goto fail;
	}
	snprintf(c->tun, sizeof(c->tun), "%s", s);
	ctr_run_parse(j, c);
	c->created = json_integer_value(json_object_get(j, "created"));
	v = json_object_get(j, "uid");
	c->uid = json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < (json_int_t)UINT32_MAX ?
	    json_integer_value(v) : -1;
	return 0;
fail:
	ctr_info_clear(c);
	return -1;
}

/*
 * DOC: the brief container
 * list {"brief": true} answers with what berth ps's table shows and
 * needs to settle a state, nothing else: name, ip, ports, state, pid,
 * pid_start, exit_code and the command run stored in meta (as
 * "command", copied as it was given): for a plain `run -d` some 120
 * bytes against the whole object's 290, so netd encodes, and the CLI
 * parses, less than half. ctr_brief_parse() fills what it carries and leaves the rest
 * as nothing: no networks, no tun, the creator unknown (uid -1), so
 * whatever trusts the creator never trusts a brief container; meta is
 * {"command": ...} only.
 */
json_t *
ctr_brief_to_json(const struct ctr_info *c)
{
	json_t	*j = json_object(), *a, *cmd;
	char	 buf[PORTSPEC_STRLEN], ip[ADDR_STRLEN];
	size_t	 i;

	json_object_set_new(j, "name", json_string(c->spec.name));
	json_object_set_new(j, "ip", json_string(addr_fmt(c->spec.addr,
	    ip)));
	a = json_array();
	for (i = 0; i < c->spec.nports; i++)
		json_array_append_new(a, json_string(portspec_fmt(
		    &c->spec.ports[i], buf)));
	json_object_set_new(j, "ports", a);
	ctr_run_to_json(c, j);
	cmd = json_object_get(c->spec.meta, "command");
	if (json_is_array(cmd))
		json_object_set(j, "command", cmd);
	return j;
}

int
ctr_brief_parse(json_t *j, struct ctr_info *c, char **cause)
{
	json_t	*cmd;

	memset(c, 0, sizeof(*c));
	if (ctr_spec_head(j, &c->spec, cause) == -1 ||
	    ctr_spec_ports(json_object_get(j, "ports"), &c->spec, cause) == -1)
		goto fail;
	if (c->spec.addr == 0) {
		cause_set(cause, "%s: no ip", c->spec.name);
		goto fail;
	}
	ctr_run_parse(j, c);
	c->uid = -1;
	c->spec.meta = json_object();
	cmd = json_object_get(j, "command");
	if (json_is_array(cmd))
		json_object_set(c->spec.meta, "command", cmd);
	return 0;
fail:
	ctr_info_clear(c);
	return -1;
}

void
ctr_info_clear(struct ctr_info *c)
{
	ctr_spec_clear(&c->spec);
}

json_t *
net_info_to_json(const struct net_info *n)
{
	return json_pack("{s:s, s:b}", "name", n->name, "internal",
	    n->internal);
}

int
net_info_parse(json_t *j, struct net_info *n, char **cause)
{
	const char	*s;

	memset(n, 0, sizeof(*n));
	if ((s = json_string_value(json_object_get(j, "name"))) == NULL)
		return cause_set(cause, "a network needs a name");
	if (name_check(s, "network name", cause) == -1)
		return -1;
	snprintf(n->name, sizeof(n->name), "%s", s);
	n->internal = json_is_true(json_object_get(j, "internal"));
	return 0;
}

int
net_infos_parse(json_t *a, struct net_info **nets, size_t *n, char **cause)
{
	json_t	*e;
	size_t	 i;

	*nets = NULL;
	*n = 0;
	if (!json_is_array(a))
		return cause_set(cause, "not a list of networks");
	*nets = xcalloc(json_array_size(a) + 1, sizeof(**nets));
	json_array_foreach(a, i, e) {
		if (net_info_parse(e, &(*nets)[i], cause) == -1) {
			free(*nets);
			*nets = NULL;
			return -1;
		}
	}
	*n = json_array_size(a);
	return 0;
}

int
link_req_parse(json_t *j, struct link_req *r, char **cause)
{
	const char	*a, *b;
	json_t		*vb, *ow, *prof;

	memset(r, 0, sizeof(*r));
	linkspec_init(&r->p);
	if (!json_is_object(j))
		return cause_set(cause, "a link must be an object");
	if ((a = json_string_value(json_object_get(j, "a"))) == NULL)
		return cause_set(cause, "a container name is needed");
	if (name_check(a, "container name", cause) == -1)
		return -1;
	snprintf(r->a, sizeof(r->a), "%s", a);
	ow = json_object_get(j, "oneway");
	if (ow != NULL && !json_is_boolean(ow))
		return cause_set(cause, "oneway must be true or false");
	r->oneway = json_is_true(ow);
	vb = json_object_get(j, "b");
	if (vb != NULL && !json_is_null(vb)) {
		if ((b = json_string_value(vb)) == NULL)
			return cause_set(cause, "b must be a container name");
		if (name_check(b, "container name", cause) == -1)
			return -1;
		if (strcmp(a, b) == 0)
			return cause_set(cause, "a link joins two different "
			    "containers");
		snprintf(r->b, sizeof(r->b), "%s", b);
	} else if (r->oneway)
		return cause_set(cause, "one way needs two containers");
	prof = json_object_get(j, "profile");
	if (prof != NULL && linkspec_from_json(prof, &r->p, cause) == -1)
		return -1;
	return 0;
}

json_t *
netd_hello_to_json(const struct netd_hello *h)
{
	char	 pool[CIDR_STRLEN], gw[ADDR_STRLEN];
	json_t	*j;

	j = json_pack("{s:I, s:s, s:s, s:s?, s:I, s:I, s:s?, s:s?, s:I, "
	    "s:s?, s:b}", "version", (json_int_t)h->version, "pool",
	    cidr_fmt(&h->pool, pool), "gateway", addr_fmt(h->gateway, gw),
	    "prefix", h->prefix, "pid", (json_int_t)h->pid, "table",
	    (json_int_t)h->table, "gateway_tun", h->gateway_tun, "state_dir",
	    h->state_dir, "containers", (json_int_t)h->containers, "enforce",
	    h->enforce, "dns", h->dns);
	if (h->degraded != NULL)
		json_object_set_new(j, "degraded", json_string(h->degraded));
	if (h->cgroup != NULL)
		json_object_set_new(j, "cgroup", json_string(h->cgroup));
	return j;
}

static char *
netd_hello_str(json_t *j, const char *key)
{
	const char	*s = json_string_value(json_object_get(j, key));

	return s != NULL ? xstrdup(s) : NULL;
}

int
netd_hello_parse(json_t *j, struct netd_hello *h, char **cause)
{
	const char	*s;
	json_t		*v;

	memset(h, 0, sizeof(*h));
	if (!json_is_object(j))
		return cause_set(cause, "hello: not an object");
	if ((s = json_string_value(json_object_get(j, "pool"))) != NULL &&
	    cidr_parse(s, &h->pool, NULL) == -1)
		return cause_set(cause, "hello: bad pool");
	if ((s = json_string_value(json_object_get(j, "gateway"))) != NULL &&
	    addr_parse(s, &h->gateway) == -1)
		return cause_set(cause, "hello: bad gateway");
	h->version = json_integer_value(json_object_get(j, "version"));
	h->pid = json_integer_value(json_object_get(j, "pid"));
	h->table = json_integer_value(json_object_get(j, "table"));
	h->containers = json_integer_value(json_object_get(j, "containers"));
	h->prefix = netd_hello_str(j, "prefix");
	h->gateway_tun = netd_hello_str(j, "gateway_tun");
	h->state_dir = netd_hello_str(j, "state_dir");
	h->enforce = netd_hello_str(j, "enforce");
	h->degraded = netd_hello_str(j, "degraded");
	h->cgroup = netd_hello_str(j, "cgroup");
	v = json_object_get(j, "dns");
	h->dns = v == NULL || json_is_true(v);
	return 0;
}

void
netd_hello_clear(struct netd_hello *h)
{
	free(h->prefix);
	free(h->gateway_tun);
	free(h->state_dir);
	free(h->enforce);
	free(h->degraded);
	free(h->cgroup);
	memset(h, 0, sizeof(*h));
}

json_t *
link_req_to_json(const struct link_req *r)
{
	json_t	*j;

	j = json_pack("{s:s}", "a", r->a);
	if (r->b[0] != '\0')
		json_object_set_new(j, "b", json_string(r->b));
	if (r->oneway)
		json_object_set_new(j, "oneway", json_true());
	json_object_set_new(j, "profile", linkspec_json(&r->p));
	return j;
}
