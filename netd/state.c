/* SPDX-License-Identifier: ISC */
/*
 * state.c - containers and networks as JSON: the control protocol's
 * container object (docs/protocol.md) and the state file.
 *
 * DOC: the state file
 * STATE_DIR/state.json holds what netd needs to rebuild its world after
 * a crash or a restart: the containers (name, address, tun, networks,
 * published ports, the process the CLI reported, the CLI's "meta") and
 * the networks, plus the pf token on macOS. It is rewritten after every
 * change, once per loop round, with util_write_file_replace() (temporary
 * file, rename), so a crash of netd leaves the old or the new file,
 * never half of one. There is no fsync: what the file describes (tuns,
 * processes) does not survive a crash of the OS anyway, and with a
 * thousand containers the fsync was most of the cost of an operation.
 * It is
 * read back with the same checks as anything from a client: a damaged
 * entry is dropped with a warning, it never stops netd from starting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "port.h"
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

void
ctr_free(struct ctr *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nnetworks; i++)
		free(c->networks[i]);
	free(c->networks);
	free(c->ports);
	free(c->stack);
	free(c->service);
	json_decref(c->meta);
	free(c);
}

json_t *
state_counters_json(const struct router_counters *k)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "rx_packets", (json_int_t)k->rx_packets,
	    "rx_bytes", (json_int_t)k->rx_bytes,
	    "tx_packets", (json_int_t)k->tx_packets,
	    "tx_bytes", (json_int_t)k->tx_bytes,
	    "drop_malformed", (json_int_t)k->drop_malformed,
	    "drop_noroute", (json_int_t)k->drop_noroute,
	    "drop_policy", (json_int_t)k->drop_policy,
	    "drop_full", (json_int_t)k->drop_full,
	    "drop_spoof", (json_int_t)k->drop_spoof);
}

json_t *
state_ctr_json(const struct ctr *c)
{
	json_t	*j, *a;
	char	 buf[PORTSPEC_STRLEN], ip[ADDR_STRLEN];
	size_t	 i;

	j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", c->name, "ip",
	    addr_fmt(c->addr, ip), "tun", c->tun, "state",
	    ctr_state_name(c->state), "created", (json_int_t)c->created);
	a = json_array();
	for (i = 0; i < c->nnetworks; i++)
		json_array_append_new(a, json_string(c->networks[i]));
	json_object_set_new(j, "networks", a);
	a = json_array();
	for (i = 0; i < c->nports; i++)
		json_array_append_new(a, json_string(portspec_fmt(&c->ports[i],
		    buf)));
	json_object_set_new(j, "ports", a);
	if (c->stack != NULL)
		json_object_set_new(j, "stack", json_string(c->stack));
	if (c->service != NULL)
		json_object_set_new(j, "service", json_string(c->service));
	if (c->pid > 0) {
		json_object_set_new(j, "pid", json_integer(c->pid));
		json_object_set_new(j, "pid_start",
		    json_integer(c->pid_start));
	}
	if (c->has_exit)
		json_object_set_new(j, "exit_code",
		    json_integer(c->exit_code));
	if (c->meta != NULL)
		json_object_set(j, "meta", c->meta);
	else
		json_object_set_new(j, "meta", json_object());
	return j;
}

static int
state_get_name(json_t *j, const char *key, const char *what, char **out,
    int optional, char **cause)
{
	json_t	*v = json_object_get(j, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (optional)
			return 0;
		return cause_set(cause, "%s is missing", what);
	}
	if (!json_is_string(v))
		return cause_set(cause, "%s must be a string", what);
	if (name_check(json_string_value(v), what, cause) == -1)
		return -1;
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* A container from the state file (what state_ctr_json() wrote). */
struct ctr *
state_ctr_parse(json_t *j, char **cause)
{
	struct ctr	*c;
	json_t		*v;
	const char	*s;
	char		*name = NULL;
	size_t		 i;

	if (!json_is_object(j)) {
		cause_set(cause, "container is not an object");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->port.fd = -1;
	if (state_get_name(j, "name", "container name", &name, 0,
	    cause) == -1)
		goto fail;
	snprintf(c->name, sizeof(c->name), "%s", name);
	free(name);
	if ((s = json_string_value(json_object_get(j, "ip"))) == NULL ||
	    addr_parse(s, &c->addr) == -1) {
		cause_set(cause, "%s: bad ip", c->name);
		goto fail;
	}
	if ((s = json_string_value(json_object_get(j, "tun"))) == NULL ||
	    strlen(s) == 0 || strlen(s) >= sizeof(c->tun)) {
		cause_set(cause, "%s: bad tun", c->name);
		goto fail;
	}
	snprintf(c->tun, sizeof(c->tun), "%s", s);
	v = json_object_get(j, "networks");
	if (!json_is_array(v) || json_array_size(v) > NETD_MAX_NETS) {
		cause_set(cause, "%s: bad networks", c->name);
		goto fail;
	}
	c->networks = xcalloc(json_array_size(v) + 1, sizeof(char *));
	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (s == NULL || name_check(s, "network name", cause) == -1)
			goto fail;
		c->networks[c->nnetworks++] = xstrdup(s);
	}
	v = json_object_get(j, "ports");
	if (!json_is_array(v) || json_array_size(v) > NETD_MAX_PORTS) {
		cause_set(cause, "%s: bad ports", c->name);
		goto fail;
	}
	c->ports = xcalloc(json_array_size(v) + 1, sizeof(*c->ports));
	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (s == NULL || portspec_parse(s, &c->ports[c->nports],
		    cause) == -1)
			goto fail;
		c->nports++;
	}
	if (state_get_name(j, "stack", "stack name", &c->stack, 1,
	    cause) == -1 || state_get_name(j, "service", "service name",
	    &c->service, 1, cause) == -1)
		goto fail;
	s = json_string_value(json_object_get(j, "state"));
	for (i = 0; s != NULL && i < nitems(ctr_state_names); i++)
		if (strcmp(s, ctr_state_names[i]) == 0)
			c->state = (enum ctr_state)i;
	c->pid = json_integer_value(json_object_get(j, "pid"));
	c->pid_start = json_integer_value(json_object_get(j, "pid_start"));
	if ((v = json_object_get(j, "exit_code")) != NULL &&
	    json_is_integer(v)) {
		c->exit_code = json_integer_value(v);
		c->has_exit = 1;
	}
	c->created = json_integer_value(json_object_get(j, "created"));
	v = json_object_get(j, "meta");
	c->meta = json_is_object(v) ? json_incref(v) : json_object();
	return c;
fail:
	ctr_free(c);
	return NULL;
}

json_t *
state_json(const struct netd *d)
{
	json_t	*j, *a;
	char	 pool[CIDR_STRLEN];
	size_t	 i;

	j = json_pack("{s:i, s:s, s:s, s:I, s:s}", "version", 1, "pool",
	    cidr_fmt(&d->cfg.pool, pool), "prefix", d->cfg.prefix, "table",
	    (json_int_t)d->cfg.table, "pf_token", d->pf_token);
	a = json_array();
	for (i = 0; i < d->nnets; i++)
		json_array_append_new(a, json_pack("{s:s, s:b}", "name",
		    d->nets[i].name, "internal", d->nets[i].internal));
	json_object_set_new(j, "networks", a);
	a = json_array();
	for (i = 0; i < d->nctrs; i++)
		json_array_append_new(a, state_ctr_json(d->ctrs[i]));
	json_object_set_new(j, "containers", a);
	return j;
}

/* Fill d's networks and containers from a state object; bad entries
 * are dropped with a warning. */
int
state_parse(struct netd *d, json_t *j, char **cause)
{
	json_t		*v, *e;
	struct ctr	*c;
	const char	*s;
	char		*why = NULL;
	size_t		 i;

	if (!json_is_object(j))
		return cause_set(cause, "not a JSON object");
	if ((s = json_string_value(json_object_get(j, "pf_token"))) != NULL)
		snprintf(d->pf_token, sizeof(d->pf_token), "%s", s);
	v = json_object_get(j, "networks");
	json_array_foreach(v, i, e) {
		s = json_string_value(json_object_get(e, "name"));
		if (s == NULL || name_check(s, "network name", NULL) == -1 ||
		    strcmp(s, "default") == 0) {
			log_warnx("%s: dropping a bad network", __func__);
			continue;
		}
		d->nets = xreallocarray(d->nets, d->nnets + 1,
		    sizeof(*d->nets));
		memset(&d->nets[d->nnets], 0, sizeof(*d->nets));
		snprintf(d->nets[d->nnets].name, sizeof(d->nets->name), "%s",
		    s);
		d->nets[d->nnets++].internal = json_is_true(json_object_get(e,
		    "internal"));
	}
	v = json_object_get(j, "containers");
	json_array_foreach(v, i, e) {
		if ((c = state_ctr_parse(e, &why)) == NULL) {
			log_warnx("%s: dropping a container: %s", __func__,
			    why);
			free(why);
			why = NULL;
			continue;
		}
		d->ctrs = xreallocarray(d->ctrs, d->nctrs + 1,
		    sizeof(*d->ctrs));
		d->ctrs[d->nctrs++] = c;
	}
	return 0;
}

char *
state_path(const struct netd_config *cfg)
{
	char	*p;

	xasprintf(&p, "%s/state.json", cfg->state_dir);
	return p;
}

int
state_save(struct netd *d)
{
	json_t	*j = state_json(d);
	char	*s, *path = state_path(&d->cfg);
	int	 ret;

	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	ret = util_write_file_replace(path, s, strlen(s), 0600, 0);
	if (ret == -1)
		log_warn("%s: %s", __func__, path);
	free(s);
	free(path);
	return ret;
}

int
state_load(struct netd *d, char **cause)
{
	char		*path = state_path(&d->cfg), *buf, *bad;
	json_t		*j;
	json_error_t	 err;
	int		 ret = 0;

	if ((buf = util_read_file(path, NETD_STATE_MAX, NULL)) == NULL) {
		if (errno != ENOENT)
			ret = cause_set(cause, "%s: %s", path,
			    strerror(errno));
		free(path);
		return ret;
	}
	if ((j = json_loads(buf, 0, &err)) == NULL) {
		/* Keep the damaged file for a human; start empty. */
		xasprintf(&bad, "%s.bad", path);
		log_warnx("%s: %s: line %d: %s; moved to %s", __func__, path,
		    err.line, err.text, bad);
		(void)rename(path, bad);
		free(bad);
	} else {
		ret = state_parse(d, j, cause);
		json_decref(j);
	}
	free(buf);
	free(path);
	return ret;
}
