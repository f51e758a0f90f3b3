/* SPDX-License-Identifier: ISC */
/*
 * ctrview.c - containers as the CLI sees them: netd's container object
 * (list, inspect, the state file) decoded once into the typed model
 * (struct ctr_info, common/model.h) and the CLI's own meta.
 *
 * DOC: typed fields, the object kept for output
 * A verb reads a container's fields from struct ctrview, never by key:
 * the name, address, state, pid and its start time, the creator's uid,
 * ports and networks come from ctr_info_parse(), the same codec netd's
 * ops and its state file use; what run stored in meta (command, env,
 * user, workdir, rootfs...) from ctrview_meta(). The object netd sent
 * stays beside them, because --json, --format and inspect print it as
 * it came (with the settled state, below): their output is netd's
 * object, byte for byte.
 *
 * Settling: netd knows what it was told ("running" with a pid); only
 * the CLI can see that the pid is gone. ctrview_settle() decides once:
 * a "running" container whose process is gone is exited, its status
 * "exited (?)"; the object's "state" and "status" say the same.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "proc.h"
#include "util.h"
#include "xmalloc.h"

static const char *
ctrview_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The strings of a JSON array as a NULL-terminated vector (borrowed). */
static const char **
ctrview_strv(json_t *arr)
{
	const char	**v;
	json_t		 *e;
	size_t		  i, n = 0;

	v = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, e) {
		if (json_is_string(e))
			v[n++] = json_string_value(e);
	}
	return v;
}

/*
 * What run stored in meta: strings borrowed from the meta object, the
 * command's vector the caller's to free.
 */
void
ctrview_meta_from(json_t *m, struct ctrview_meta *cm)
{
	memset(cm, 0, sizeof(*cm));
	cm->command = ctrview_strv(json_object_get(m, "command"));
	cm->env = json_object_get(m, "env");
	cm->volumes = json_object_get(m, "volumes");
	cm->rootfs = ctrview_str(m, "rootfs");
	cm->user = ctrview_str(m, "user");
	cm->workdir = ctrview_str(m, "workdir");
	cm->hostname = ctrview_str(m, "hostname");
	cm->restart = ctrview_str(m, "restart");
	cm->config = ctrview_str(m, "config");
	cm->log = ctrview_str(m, "log");
	cm->rm = json_is_true(json_object_get(m, "rm"));
}

typedef int (*ctrview_parse_fn)(json_t *, struct ctr_info *, char **);

static int
ctrview_decode_with(json_t *obj, struct ctrview *v, ctrview_parse_fn parse,
    char **cause)
{
	memset(v, 0, sizeof(*v));
	if (parse(obj, &v->info, cause) == -1) {
		cause_prefix(cause, "netd sent a container that is not one");
		return -1;
	}
	v->obj = json_incref(obj);
	/* a copy, not a pointer into v: views are moved by value */
	snprintf(v->name, sizeof(v->name), "%s", v->info.spec.name);
	addr_fmt(v->info.spec.addr, v->ip);
	snprintf(v->status, sizeof(v->status), "%s",
	    ctr_state_name(v->info.state));
	ctrview_meta_from(v->info.spec.meta, &v->meta);
	return 0;
}

int
ctrview_decode(json_t *obj, struct ctrview *v, char **cause)
{
	return ctrview_decode_with(obj, v, ctr_info_parse, cause);
}

void
ctrview_clear(struct ctrview *v)
{
	if (v->obj == NULL)
		return;
	free(v->meta.command);
	json_decref(v->obj);
	ctr_info_clear(&v->info);
	memset(v, 0, sizeof(*v));
}

static int
ctrviews_decode_with(json_t *list, struct ctrviews *vs, ctrview_parse_fn parse,
    char **cause)
{
	json_t	*c;
	size_t	 i;

	memset(vs, 0, sizeof(*vs));
	if (!json_is_array(list))
		return cause_set(cause, "netd sent no list of containers");
	vs->v = xcalloc(json_array_size(list) + 1, sizeof(*vs->v));
	json_array_foreach(list, i, c) {
		if (ctrview_decode_with(c, &vs->v[vs->n], parse, cause) ==
		    -1) {
			ctrviews_clear(vs);
			return -1;
		}
		vs->n++;
	}
	return 0;
}

int
ctrviews_decode(json_t *list, struct ctrviews *vs, char **cause)
{
	return ctrviews_decode_with(list, vs, ctr_info_parse, cause);
}

/* A list of brief containers (ctr_brief_parse: no creator, meta the
 * command only). */
int
ctrviews_decode_brief(json_t *list, struct ctrviews *vs, char **cause)
{
	return ctrviews_decode_with(list, vs, ctr_brief_parse, cause);
}

void
ctrviews_clear(struct ctrviews *vs)
{
	size_t	 i;

	for (i = 0; i < vs->n; i++)
		ctrview_clear(&vs->v[i]);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

/* netd's list of containers, decoded. */
int
ctrviews_list(struct ctrviews *vs, char **cause)
{
	json_t	*list = NULL;
	int	 rc;

	memset(vs, 0, sizeof(*vs));
	if (client_call("list", NULL, &list, cause) == -1)
		return -1;
	rc = ctrviews_decode(list, vs, cause);
	json_decref(list);
	return rc;
}

/*
 * netd's list of brief containers, decoded: what ps's table shows. An
 * older netd refuses the argument (bad_args): then the whole list.
 */
int
ctrviews_list_brief(struct ctrviews *vs, char **cause)
{
	enum proto_code	 code;
	json_t		*list = NULL;
	int		 rc;

	memset(vs, 0, sizeof(*vs));
	if (client_call_code("list", json_pack("{s:b}", "brief", 1), &list,
	    &code, cause) == -1) {
		if (code != PROTO_E_BAD_ARGS)
			return -1;
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		return ctrviews_list(vs, cause);
	}
	rc = ctrviews_decode_brief(list, vs, cause);
	json_decref(list);
	return rc;
}

/*
 * The container of stack/service in a list (borrowed); *other, if
 * asked, the first other stack with such a service.
 */
struct ctrview *
ctrviews_find(struct ctrviews *vs, const char *stack, const char *service,
    const char **other)
{
	struct ctr_spec	*s;
	size_t		 i;

	for (i = 0; i < vs->n; i++) {
		s = &vs->v[i].info.spec;
		if (s->stack == NULL || s->service == NULL ||
		    strcmp(s->service, service) != 0)
			continue;
		if (stack != NULL && strcmp(s->stack, stack) == 0)
			return &vs->v[i];
		if (other != NULL && *other == NULL)
			*other = s->stack;
	}
	return NULL;
}

/* Is the container's recorded process still the one we started? */
int
ctrview_alive(const struct ctrview *v)
{
	long long	 pid = v->info.pid, start = v->info.pid_start;

	/* Without a start time the pid names no process for sure. A gone
	 * one has no start time (proc_start 0): no kill(pid, 0) first. */
	if (pid <= 0 || pid > INT_MAX || start <= 0)
		return 0;
	return (long long)proc_start((pid_t)pid) == start;
}

/*
 * Settle the container's state once (DOC above): created, running or
 * exited, and the status ps shows: "running", "created", "exited (N)",
 * or "exited (?)" when nobody saw the exit. Returns the state.
 */
enum ctr_state
ctrview_settle(struct ctrview *v)
{
	if (v->info.state == CTR_RUNNING && !ctrview_alive(v)) {
		v->info.state = CTR_EXITED;
		snprintf(v->status, sizeof(v->status), "exited (?)");
	} else if (v->info.state == CTR_EXITED)
		snprintf(v->status, sizeof(v->status), "exited (%lld)",
		    v->info.has_exit ? v->info.exit_code : 0);
	else
		snprintf(v->status, sizeof(v->status), "%s",
		    ctr_state_name(v->info.state));
	json_object_set_new(v->obj, "status", json_string(v->status));
	json_object_set_new(v->obj, "state", json_string(ctr_state_name(
	    v->info.state)));
	return v->info.state;
}

/* The spec's ports as the strings run takes (a new reference). */
json_t *
ctrview_ports(const struct ctrview *v)
{
	json_t	*a = json_array();
	char	 buf[PORTSPEC_STRLEN];
	size_t	 i;

	for (i = 0; i < v->info.spec.nports; i++)
		json_array_append_new(a, json_string(portspec_fmt(
		    &v->info.spec.ports[i], buf)));
	return a;
}

/* The spec's networks as names (a new reference). */
json_t *
ctrview_networks(const struct ctrview *v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < v->info.spec.nnetworks; i++)
		json_array_append_new(a, json_string(v->info.spec.networks[i]));
	return a;
}

/* Move v to the end of vs (v is left empty). */
void
ctrviews_add(struct ctrviews *vs, struct ctrview *v)
{
	vs->v = xreallocarray(vs->v, vs->n + 1, sizeof(*vs->v));
	vs->v[vs->n++] = *v;
	memset(v, 0, sizeof(*v));
}
