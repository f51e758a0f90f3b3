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
 *
 * DOC: writing it without encoding it
 * A save does not build the JSON of every container again: each
 * container keeps its entry as text (c->enc) with the fields that can
 * change after create (state, pid, exit code, ...) it was made from;
 * state_text re-encodes only an entry whose fields moved and splices
 * the kept ones into the document. The bytes are those json_dumps of
 * state_json() gives (test_state checks it), so the loader and the
 * bounds of bounds.c are unchanged; what is left proportional to the
 * number of containers is copying the text and writing the file
 * (about 1 ms for 1,000 containers, where encoding was 15-30 ms).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "enforce.h"
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
	free(c->enc);
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

/* Everything but the containers. */
static json_t *
state_json_head(const struct netd *d)
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
	return j;
}

json_t *
state_json(const struct netd *d)
{
	json_t	*j = state_json_head(d), *a;
	size_t	 i;

	a = json_array();
	for (i = 0; i < d->nctrs; i++)
		json_array_append_new(a, state_ctr_json(d->ctrs[i]));
	json_object_set_new(j, "containers", a);
	json_object_set_new(j, "links", linkops_state_json(d));
	return j;
}

unsigned long long	 state_ctr_encodes;

static int
state_key_eq(const struct ctr_enc_key *a, const struct ctr_enc_key *b)
{
	return a->state == b->state && a->pid == b->pid &&
	    a->pid_start == b->pid_start && a->exit_code == b->exit_code &&
	    a->uid == b->uid && a->has_exit == b->has_exit &&
	    a->addr == b->addr && strcmp(a->tun, b->tun) == 0;
}

/* c's entry, encoded again only when what it was made from moved. */
static const char *
state_ctr_enc(struct ctr *c, size_t *len)
{
	struct ctr_enc_key	 k;
	json_t			*j;

	memset(&k, 0, sizeof(k));
	k.state = c->state;
	k.pid = c->pid;
	k.pid_start = c->pid_start;
	k.exit_code = c->exit_code;
	k.uid = c->uid;
	k.has_exit = c->has_exit;
	k.addr = c->addr;
	memcpy(k.tun, c->tun, sizeof(k.tun));
	if (c->enc == NULL || !state_key_eq(&k, &c->enc_key)) {
		j = state_ctr_json(c);
		free(c->enc);
		c->enc = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (c->enc == NULL)
			fatalx("%s: out of memory", __func__);
		c->enc_len = strlen(c->enc);
		c->enc_key = k;
		state_ctr_encodes++;
	}
	*len = c->enc_len;
	return c->enc;
}

char *
state_text(struct netd *d, size_t *lenp)
{
	static const char	 key[] = ",\"containers\":[";
	static const char	 lkey[] = ",\"links\":";
	json_t			*j = state_json_head(d);
	char			*head, *links, *buf;
	const char		*e;
	size_t			 hl, ll, len, n, i;

	head = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	/* the link entries are few: encoded whole each time */
	j = linkops_state_json(d);
	links = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (head == NULL || (hl = strlen(head)) == 0 || head[hl - 1] != '}' ||
	    links == NULL)
		fatalx("%s: cannot encode the state", __func__);
	hl--;				/* without its closing brace */
	ll = strlen(links);
	len = hl + sizeof(key) - 1 + 2 + sizeof(lkey) - 1 + ll;
	for (i = 0; i < d->nctrs; i++) {
		(void)state_ctr_enc(d->ctrs[i], &n);
		len += n + 1;
	}
	buf = xmalloc(len + 1);
	memcpy(buf, head, hl);
	memcpy(buf + hl, key, sizeof(key) - 1);
	len = hl + sizeof(key) - 1;
	for (i = 0; i < d->nctrs; i++) {
		e = state_ctr_enc(d->ctrs[i], &n);
		if (i > 0)
			buf[len++] = ',';
		memcpy(buf + len, e, n);
		len += n;
	}
	buf[len++] = ']';
	memcpy(buf + len, lkey, sizeof(lkey) - 1);
	len += sizeof(lkey) - 1;
	memcpy(buf + len, links, ll);
	len += ll;
	buf[len++] = '}';
	buf[len] = '\0';
	free(head);
	free(links);
	*lenp = len;
	return buf;
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
		netd_ctr_append(d, c);
	}
	linkops_state_parse(d, json_object_get(j, "links"));
	enforce_world_changed(d->enforce);
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
	char	*s, *path = state_path(&d->cfg);
	size_t	 len;
	int	 ret;

	s = state_text(d, &len);
	ret = util_write_file_replace(path, s, len, 0600, 0);
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
