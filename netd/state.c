/* SPDX-License-Identifier: ISC */
/*
 * state.c - containers and networks as JSON: the control protocol's
 * container object (docs/protocol.md) and the state file.
 *
 * DOC: the state file
 * STATE_DIR/state.json holds what netd needs to rebuild its world after
 * a crash or a restart: the containers (name, address, tun, networks,
 * published ports, the process the CLI reported, the CLI's "meta") and
 * the networks, the link entries (linkops.c), plus the pf token on
 * macOS. It is rewritten after every
 * change, once per loop round, with util_write_file_replace() (temporary
 * file, rename), so a crash of netd leaves the old or the new file,
 * never half of one. There is no fsync: what the file describes (tuns,
 * processes) does not survive a crash of the OS anyway, and with a
 * thousand containers the fsync was most of the cost of an operation.
 * It is
 * read back with the same checks as anything from a client: a damaged
 * entry is dropped with a warning, it never stops netd from starting.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "linkops.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

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
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "rx_packets", (json_int_t)k->rx_packets,
	    "rx_bytes", (json_int_t)k->rx_bytes,
	    "tx_packets", (json_int_t)k->tx_packets,
	    "tx_bytes", (json_int_t)k->tx_bytes,
	    "drop_malformed", (json_int_t)k->drop_malformed,
	    "drop_noroute", (json_int_t)k->drop_noroute,
	    "drop_policy", (json_int_t)k->drop_policy,
	    "drop_full", (json_int_t)k->drop_full,
	    "drop_link", (json_int_t)k->drop_link,
	    "drop_spoof", (json_int_t)k->drop_spoof);
}

/* A container from a spec: the spec's parts move into it. */
struct ctr *
ctr_from_spec(struct ctr_spec *sp)
{
	struct ctr	*c;

	c = xcalloc(1, sizeof(*c));
	c->port.fd = -1;
	snprintf(c->name, sizeof(c->name), "%s", sp->name);
	c->addr = sp->addr;
	c->networks = sp->networks;
	c->nnetworks = sp->nnetworks;
	c->ports = sp->ports;
	c->nports = sp->nports;
	c->stack = sp->stack;
	c->service = sp->service;
	c->meta = sp->meta;
	memset(sp, 0, sizeof(*sp));
	return c;
}

/* The container as the model sees it; borrowed, do not clear. */
void
ctr_view(const struct ctr *c, struct ctr_info *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->spec.name, sizeof(v->spec.name), "%s", c->name);
	v->spec.addr = c->addr;
	v->spec.networks = c->networks;
	v->spec.nnetworks = c->nnetworks;
	v->spec.ports = c->ports;
	v->spec.nports = c->nports;
	v->spec.stack = c->stack;
	v->spec.service = c->service;
	v->spec.meta = c->meta;
	snprintf(v->tun, sizeof(v->tun), "%s", c->tun);
	v->state = c->state;
	v->pid = c->pid;
	v->pid_start = c->pid_start;
	v->exit_code = c->exit_code;
	v->has_exit = c->has_exit;
	v->created = c->created;
	v->uid = c->uid;
}

/* The container object (model.c's codec). */
json_t *
state_ctr_json(const struct ctr *c)
{
	struct ctr_info	 v;

	ctr_view(c, &v);
	return ctr_info_to_json(&v);
}

/* A container from the state file (what state_ctr_json() wrote). */
struct ctr *
state_ctr_parse(json_t *j, char **cause)
{
	struct ctr_info	 info;
	struct ctr	*c;

	if (ctr_info_parse(j, &info, cause) == -1)
		return NULL;
	c = ctr_from_spec(&info.spec);
	snprintf(c->tun, sizeof(c->tun), "%s", info.tun);
	c->state = info.state;
	c->pid = info.pid;
	c->pid_start = info.pid_start;
	c->exit_code = info.exit_code;
	c->has_exit = info.has_exit;
	c->created = info.created;
	c->uid = info.uid;
	c->meta_len = bounds_meta_len(c->meta);
	return c;
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
	json_object_set_new(j, "links", linkops_state_json(d));
	return j;
}

/* An absent key or an array. */
static int
state_list(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	return v == NULL || json_is_array(v);
}

/* Fill d's networks and containers from a state object; bad entries
 * are dropped with a warning (and counted in d->state_dropped). */
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
	if (!state_list(j, "networks") || !state_list(j, "containers"))
		return cause_set(cause, "\"networks\" and \"containers\" "
		    "must be lists");
	v = json_object_get(j, "networks");
	json_array_foreach(v, i, e) {
		s = json_string_value(json_object_get(e, "name"));
		if (s == NULL || name_check(s, "network name", NULL) == -1 ||
		    strcmp(s, "default") == 0 ||
		    bounds_net_admit(d, NULL) == -1) {
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
		if ((c = state_ctr_parse(e, &why)) == NULL ||
		    bounds_ctr_admit(d, c->meta_len, &why) == -1) {
			ctr_free(c);
			log_warnx("%s: dropping a container: %s", __func__,
			    why);
			d->state_dropped++;
			free(why);
			why = NULL;
			continue;
		}
		d->ctrs = xreallocarray(d->ctrs, d->nctrs + 1,
		    sizeof(*d->ctrs));
		d->ctrs[d->nctrs++] = c;
	}
	linkops_state_parse(d, json_object_get(j, "links"));
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

/*
 * Read the state file back. A file netd cannot use (not a regular file,
 * a FIFO included, larger than NETD_STATE_MAX, not JSON, the wrong
 * shape, entries it had to drop) is kept aside and netd starts degraded
 * (reconcile.c); only a file that cannot even be moved stops the start.
 */
int
state_load(struct netd *d, char **cause)
{
	struct stat	 sb;
	char		*path = state_path(&d->cfg), *buf = NULL, *why = NULL;
	json_t		*j = NULL;
	json_error_t	 err;
	int		 ret = 0;

	if (stat(path, &sb) == -1) {
		if (errno != ENOENT)
			xasprintf(&why, "%s", strerror(errno));
		goto out;
	}
	/* Never open a FIFO or a device: open() could wait forever. */
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(&why, "not a regular file");
		goto out;
	}
	if ((buf = util_read_file(path, NETD_STATE_MAX, NULL)) == NULL) {
		if (errno != ENOENT)
			xasprintf(&why, "%s", strerror(errno));
		goto out;
	}
	if ((j = json_loads(buf, 0, &err)) == NULL) {
		xasprintf(&why, "line %d: %s", err.line, err.text);
		goto out;
	}
	if (state_parse(d, j, &why) == -1)
		goto out;
	if (d->state_dropped > 0)
		xasprintf(&why, "%zu damaged container entr%s", d->state_dropped,
		    d->state_dropped == 1 ? "y" : "ies");
out:
	if (why != NULL)
		ret = reconcile_damaged(d, path, why, cause);
	json_decref(j);
	free(why);
	free(buf);
	free(path);
	return ret;
}
