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
 * macOS. It is a snapshot of generation "gen"; STATE_DIR/state.journal
 * holds what changed in the containers since (common/statefile.c says
 * how it reads). state_save() runs once per loop round after a change,
 * and before a client's replies go out:
 *
 *  - when only containers changed (the text of everything else is what
 *    the last snapshot wrote), their lines go to the journal in one
 *    write() with O_APPEND: {"put":ENTRY} for each container whose
 *    entry changed since the last save, {"del":NAME} for each one
 *    unlinked (netd_ctr_unlink), deletes first, so a name deleted and
 *    created again in one round ends as the new one, in the table's
 *    order. Only the containers marked changed are looked at (below):
 *    an append costs what changed, not the number of containers;
 *  - otherwise, or when the journal would grow past the snapshot's
 *    size (64 KiB when that is less: what a reader reads stays within
 *    twice a snapshot, and a snapshot is written at most once per
 *    snapshot's worth of lines), or when there is no journal to write
 *    to (the first save of a start, a failed append), a snapshot of the
 *    next generation with util_write_file_replace() (temporary file,
 *    rename), then a new journal whose first line names it (also by a
 *    rename: a damaged journal is kept as .bad by a hard link, which
 *    truncating in place would empty too).
 *
 * A crash leaves the old or the new snapshot, never half of one, and a
 * journal whose last line may be torn. There is no fsync: what the
 * files describe (tuns, processes) does not survive a crash of the OS
 * anyway. The journal is what makes a change cheap: with a thousand
 * containers a snapshot is about 280 KB and, on ext4, the creation of
 * a file and a rename, where a change's journal line is one entry
 * appended. netd_stop() compacts: a snapshot and no journal. The state
 * is read back with the same checks as anything from a client: a
 * damaged entry is dropped with a warning, it never stops netd from
 * starting.
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
 * (about 1 ms for 1,000 containers, where encoding was 15-30 ms). A
 * journal put carries the same kept text; "journaled" marks an entry
 * whose text is on disk already.
 *
 * DOC: the containers marked changed
 * What changes an entry's fields at run time marks its container with
 * state_ctr_changed(): netd_ctr_append (a new one: create, the load,
 * adoption), started, exited, create's uid, a tun opened again
 * (reconcile, a broken tun). The marked ones wait on d->journal.changed,
 * each once, until a save writes them; netd_ctr_unlink takes one off
 * (state_ctr_gone). A journal append walks that list alone. A snapshot
 * encodes every entry anyway, so it also checks the marks: an entry
 * whose fields moved while it was not marked is a change an append left
 * out (lost in a crash before the next snapshot); it is counted
 * (d->journal.missed) and logged, and the snapshot has it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "enforce.h"
#include "linkops.h"
#include "log.h"
#include "name.h"
#include "netd.h"
#include "port.h"
#include "statefile.h"
#include "util.h"
#include "xmalloc.h"

/* A journal may grow to the snapshot's size, or to this when less. */
#define STATE_JOURNAL_MIN	(64 * 1024)

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

	j = json_pack("{s:i, s:I, s:s, s:s, s:I, s:s}", "version", 1, "gen",
	    (json_int_t)d->journal.gen, "pool", cidr_fmt(&d->cfg.pool, pool),
	    "prefix", d->cfg.prefix, "table", (json_int_t)d->cfg.table,
	    "pf_token", d->pf_token);
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
unsigned long long	 state_ctr_visits;

static int
state_key_eq(const struct ctr_enc_key *a, const struct ctr_enc_key *b)
{
	return a->state == b->state && a->pid == b->pid &&
	    a->pid_start == b->pid_start && a->exit_code == b->exit_code &&
	    a->uid == b->uid && a->has_exit == b->has_exit &&
	    a->addr == b->addr && strcmp(a->tun, b->tun) == 0;
}

/*
 * c's entry, encoded again only when what it was made from moved
 * (*moved, when not NULL, says whether it did).
 */
static const char *
state_ctr_enc(struct ctr *c, size_t *len, int *moved)
{
	struct ctr_enc_key	 k;
	json_t			*j;
	int			 m;

	state_ctr_visits++;
	memset(&k, 0, sizeof(k));
	k.state = c->state;
	k.pid = c->pid;
	k.pid_start = c->pid_start;
	k.exit_code = c->exit_code;
	k.uid = c->uid;
	k.has_exit = c->has_exit;
	k.addr = c->addr;
	memcpy(k.tun, c->tun, sizeof(k.tun));
	if ((m = c->enc == NULL || !state_key_eq(&k, &c->enc_key))) {
		j = state_ctr_json(c);
		free(c->enc);
		c->enc = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (c->enc == NULL)
			fatalx("%s: out of memory", __func__);
		c->enc_len = strlen(c->enc);
		c->enc_key = k;
		c->journaled = 0;
		state_ctr_encodes++;
	}
	if (moved != NULL)
		*moved = m;
	*len = c->enc_len;
	return c->enc;
}

/*
 * Everything but the containers, as text: the head without its closing
 * brace, and the link entries (few: encoded whole each time).
 */
static void
state_rest(struct netd *d, char **head, size_t *hl, char **links, size_t *ll)
{
	json_t	*j = state_json_head(d);

	*head = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	j = linkops_state_json(d);
	*links = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (*head == NULL || (*hl = strlen(*head)) == 0 ||
	    (*head)[*hl - 1] != '}' || *links == NULL)
		fatalx("%s: cannot encode the state", __func__);
	(*hl)--;			/* without its closing brace */
	*ll = strlen(*links);
}

/*
 * Every entry, so also the check of the marks: an entry that moved
 * while its container was not on the list of changed ones is a change
 * a journal append would have left out (counted, said).
 */
char *
state_text(struct netd *d, size_t *lenp)
{
	static const char	 key[] = ",\"containers\":[";
	static const char	 lkey[] = ",\"links\":";
	struct ctr		*c;
	char			*head, *links, *buf;
	size_t			 hl, ll, len, n, i;
	int			 moved;

	state_rest(d, &head, &hl, &links, &ll);
	len = hl + sizeof(key) - 1 + 2 + sizeof(lkey) - 1 + ll;
	for (i = 0; i < d->nctrs; i++) {
		c = d->ctrs[i];
		(void)state_ctr_enc(c, &n, &moved);
		if (moved && !c->changed) {
			d->journal.missed++;
			log_warnx("%s: \"%s\" changed and was not marked: a "
			    "journal would have missed it", __func__, c->name);
		}
		len += n + 1;
	}
	buf = xmalloc(len + 1);
	memcpy(buf, head, hl);
	memcpy(buf + hl, key, sizeof(key) - 1);
	len = hl + sizeof(key) - 1;
	for (i = 0; i < d->nctrs; i++) {
		c = d->ctrs[i];		/* encoded just now */
		if (i > 0)
			buf[len++] = ',';
		memcpy(buf + len, c->enc, c->enc_len);
		len += c->enc_len;
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

	xasprintf(&p, "%s/" STATEFILE_SNAPSHOT, cfg->state_dir);
	return p;
}

static char *
state_journal_path(const struct netd_config *cfg)
{
	char	*p;

	xasprintf(&p, "%s/" STATEFILE_JOURNAL, cfg->state_dir);
	return p;
}

void
state_journal_close(struct netd *d)
{
	struct state_journal	*sj = &d->journal;
	size_t			 i;

	if (sj->fd != -1)
		close(sj->fd);
	sj->fd = -1;
	for (i = 0; i < sj->ndels; i++)
		free(sj->dels[i]);
	free(sj->dels);
	sj->dels = NULL;
	sj->ndels = 0;
	free(sj->rest);
	sj->rest = NULL;
}

/*
 * c's entry may have moved (or c is new): the next save looks at it, and
 * at no container that was not marked. Every place that changes what an
 * entry is made from marks it (state, pid, exit code, uid, address,
 * tun); a snapshot counts one that did not (state_text).
 */
void
state_ctr_changed(struct netd *d, struct ctr *c)
{
	struct state_journal	*sj = &d->journal;

	if (c->changed)
		return;
	if (sj->nchanged == sj->changed_cap) {
		sj->changed_cap = sj->changed_cap == 0 ? 16 :
		    2 * sj->changed_cap;
		sj->changed = xreallocarray(sj->changed, sj->changed_cap,
		    sizeof(*sj->changed));
	}
	sj->changed[sj->nchanged++] = c;
	c->changed = 1;
}

/* The list is empty again; its containers' entries are saved. */
static void
state_changed_saved(struct netd *d)
{
	struct state_journal	*sj = &d->journal;
	size_t			 i;

	for (i = 0; i < sj->nchanged; i++) {
		sj->changed[i]->changed = 0;
		sj->changed[i]->journaled = 1;
	}
	sj->nchanged = 0;
}

void
state_ctr_gone(struct netd *d, struct ctr *c)
{
	struct state_journal	*sj = &d->journal;
	size_t			 i;

	/* Off the list (short: what changed since the last save). */
	for (i = 0; c->changed && i < sj->nchanged; i++) {
		if (sj->changed[i] != c)
			continue;
		memmove(&sj->changed[i], &sj->changed[i + 1],
		    (sj->nchanged - i - 1) * sizeof(*sj->changed));
		sj->nchanged--;
		c->changed = 0;
	}
	if (sj->fd == -1)
		return;			/* the next save is a snapshot */
	sj->dels = xreallocarray(sj->dels, sj->ndels + 1, sizeof(*sj->dels));
	sj->dels[sj->ndels++] = xstrdup(c->name);
}

/* Everything but the containers, one string: what a journal cannot say. */
static char *
state_rest_text(struct netd *d)
{
	char	*head, *links, *s;
	size_t	 hl, ll;

	state_rest(d, &head, &hl, &links, &ll);
	xasprintf(&s, "%.*s %s", (int)hl, head, links);
	free(head);
	free(links);
	return s;
}

/*
 * A new snapshot (generation gen + 1), then a new journal for it, or
 * none (keep 0). The journal is replaced, not truncated: a damaged one
 * is kept as .bad by a hard link (reconcile_damaged).
 */
static int
state_snapshot(struct netd *d, int keep)
{
	struct state_journal	*sj = &d->journal;
	char			*s, *rest, *path = state_path(&d->cfg);
	char			*jpath = state_journal_path(&d->cfg), hdr[64];
	size_t			 len, i;
	int			 ret = -1, n;

	state_journal_close(d);
	sj->gen++;
	rest = state_rest_text(d);	/* what the next saves compare */
	s = state_text(d, &len);
	/*
	 * Every entry is in s: the list starts again, also when the write
	 * fails (the journal is closed, so the next save is a snapshot
	 * too). Only containers of the table are touched: netd_stop frees
	 * them before its last snapshot, with the list not emptied.
	 */
	for (i = 0; i < d->nctrs; i++)
		d->ctrs[i]->changed = 0;
	sj->nchanged = 0;
	if (util_write_file_replace(path, s, len, 0600, 0) == -1) {
		log_warn("%s: %s", __func__, path);
		goto out;
	}
	sj->snapshots++;
	for (i = 0; i < d->nctrs; i++)
		d->ctrs[i]->journaled = 1;
	ret = 0;
	if (!keep) {
		if (unlink(jpath) == -1 && errno != ENOENT)
			log_warn("%s: %s", __func__, jpath);
		goto out;
	}
	n = statefile_header(hdr, sizeof(hdr), sj->gen);
	if (util_write_file_replace(jpath, hdr, (size_t)n, 0600, 0) == -1 ||
	    (sj->fd = open(jpath, O_WRONLY | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		/* The snapshot is whole; the next save writes another. */
		log_warn("%s: %s", __func__, jpath);
		goto out;
	}
	sj->len = (size_t)n;
	sj->bound = len > STATE_JOURNAL_MIN ? len : STATE_JOURNAL_MIN;
	sj->rest = rest;
	rest = NULL;
out:
	free(rest);
	free(s);
	free(path);
	free(jpath);
	return ret;
}

/*
 * The journal lines of what changed since the last save, or NULL: the
 * deletes, then the puts of the marked containers whose entry moved
 * (a container marked again keeps its first place; new ones come in
 * the order they were appended, the table's).
 */
static char *
state_journal_lines(struct netd *d, size_t *lenp)
{
	static const char	 put[] = "{\"put\":", del[] = "{\"del\":";
	struct state_journal	*sj = &d->journal;
	struct buf		 b = BUF_INIT;
	struct ctr		*c;
	json_t			*j;
	const char		*e;
	char			*name;
	size_t			 i, n;

	for (i = 0; i < sj->ndels; i++) {
		j = json_string(sj->dels[i]);
		name = json_dumps(j, JSON_ENCODE_ANY);
		json_decref(j);
		if (name == NULL)
			fatalx("%s: out of memory", __func__);
		buf_add(&b, del, sizeof(del) - 1);
		buf_add(&b, name, strlen(name));
		buf_add(&b, "}\n", 2);
		free(name);
	}
	for (i = 0; i < sj->nchanged; i++) {
		c = sj->changed[i];
		e = state_ctr_enc(c, &n, NULL);
		if (c->journaled)
			continue;
		buf_add(&b, put, sizeof(put) - 1);
		buf_add(&b, e, n);
		buf_add(&b, "}\n", 2);
	}
	*lenp = buf_len(&b);
	return (char *)b.data;		/* b.off stays 0: nothing taken */
}

/*
 * Write what changed: the journal lines of the containers that changed,
 * in one write; a snapshot when anything else changed, when the journal
 * would grow past its bound, or when there is no journal to write to
 * (netd just started, or a write failed).
 */
int
state_save(struct netd *d)
{
	struct state_journal	*sj = &d->journal;
	char			*rest = state_rest_text(d), *lines = NULL;
	size_t			 len, i;
	ssize_t			 n;

	if (sj->fd == -1 || strcmp(rest, sj->rest) != 0) {
		free(rest);
		return state_snapshot(d, 1);
	}
	free(rest);
	lines = state_journal_lines(d, &len);
	if (len == 0) {
		state_changed_saved(d);	/* marked, but nothing moved */
		free(lines);
		return 0;
	}
	if (sj->len + len > sj->bound) {
		free(lines);
		return state_snapshot(d, 1);
	}
	while ((n = write(sj->fd, lines, len)) == -1 && errno == EINTR)
		;
	free(lines);
	if (n != (ssize_t)len) {
		/* A short write is a torn line: start again with a
		 * snapshot, which replaces this journal. */
		log_warn("%s: the journal", __func__);
		return state_snapshot(d, 1);
	}
	sj->len += len;
	sj->appends++;
	state_changed_saved(d);
	for (i = 0; i < sj->ndels; i++)
		free(sj->dels[i]);
	sj->ndels = 0;
	return 0;
}

int
state_compact(struct netd *d)
{
	return state_snapshot(d, 0);
}

/* Keep the journal of a damaged state aside too, when there is one. */
static int
state_keep_journal(struct netd *d, const char *why, char **cause)
{
	char	*jpath = state_journal_path(&d->cfg);
	int	 ret = 0;

	/* Not applied to a damaged snapshot: kept, and out of the way
	 * of the rebuilt one. */
	if (access(jpath, F_OK) == 0 &&
	    (ret = reconcile_damaged(d, jpath, why, cause)) == 0)
		(void)unlink(jpath);
	free(jpath);
	return ret;
}

/*
 * Read the state back: the snapshot and its journal (common/statefile.c).
 * A snapshot netd cannot use (not a regular file, a FIFO included,
 * larger than NETD_STATE_MAX, not JSON, the wrong shape, entries it had
 * to drop) or a damaged journal line is kept aside and netd starts
 * degraded (reconcile.c); only a file that cannot even be moved stops
 * the start. A torn last line of the journal, what a crash in the
 * middle of its write leaves, is dropped with a warning: the request
 * it recorded was not answered.
 */
int
state_load(struct netd *d, char **cause)
{
	struct statefile	 sf;
	char			*path = state_path(&d->cfg), *why = NULL;
	char			*jpath = state_journal_path(&d->cfg);
	int			 ret = 0;

	if (statefile_read(d->cfg.state_dir, NETD_STATE_MAX, &sf) == -1) {
		if (sf.why != NULL)
			why = xstrdup(sf.why);
		goto out;
	}
	d->journal.gen = sf.jgen > sf.gen ? sf.jgen : sf.gen;
	if (sf.torn)
		log_warnx("%s: %s: dropping its torn last line", __func__,
		    jpath);
	if (sf.stale)
		log_info("%s: %s: of generation %llu, older than the "
		    "snapshot's %llu: not applied", __func__, jpath, sf.jgen,
		    sf.gen);
	if (state_parse(d, sf.state, &why) == -1)
		goto out;
	if (d->state_dropped > 0)
		xasprintf(&why, "%zu damaged container entr%s", d->state_dropped,
		    d->state_dropped == 1 ? "y" : "ies");
out:
	d->journal.gen = sf.jgen > d->journal.gen ? sf.jgen : d->journal.gen;
	if (why != NULL && (ret = reconcile_damaged(d, path, why,
	    cause)) == 0)
		ret = state_keep_journal(d, why, cause);
	else if (why == NULL && sf.jwhy != NULL)
		ret = reconcile_damaged(d, jpath, sf.jwhy, cause);
	statefile_clear(&sf);
	free(why);
	free(path);
	free(jpath);
	return ret;
}

/*
 * berth-netd --print-state: the state as a start would read it, the
 * snapshot with its journal applied, and what was wrong with the files.
 * Only read: no lock, nothing moved. Tests read the state with it.
 */
int
state_print(const struct netd_config *cfg, char **cause)
{
	struct statefile	 sf;
	char			*s;

	if (statefile_read(cfg->state_dir, NETD_STATE_MAX, &sf) == -1) {
		cause_set(cause, "%s/%s: %s", cfg->state_dir,
		    STATEFILE_SNAPSHOT, sf.why != NULL ? sf.why :
		    strerror(errno));
		statefile_clear(&sf);
		return -1;
	}
	if (sf.torn)
		log_warnx("%s: a torn last line of the journal, dropped",
		    __func__);
	if (sf.stale)
		log_warnx("%s: a journal of an older snapshot, not applied",
		    __func__);
	if (sf.jwhy != NULL)
		log_warnx("%s: the journal is damaged: %s", __func__, sf.jwhy);
	s = json_dumps(sf.state, JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	statefile_clear(&sf);
	return 0;
}
