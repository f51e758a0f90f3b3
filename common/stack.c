/* SPDX-License-Identifier: ISC */
/*
 * stack.c - the stack file, parsed and validated into struct stack.
 *
 * DOC: how a stack file is read
 * The whole file is loaded with jansson (duplicate keys refused), then
 * walked once. Every object is checked against the list of keys it may
 * hold, so a misspelt key is an error naming its path
 * ("services.web.portz") rather than a silently ignored setting. Each
 * value is checked for its JSON type and then for its meaning (names are
 * DNS labels, ports parse, addresses lie in the pool). Checks that need
 * the whole file (duplicates, depends_on order, declared networks) run
 * after the walk. The first error wins; its text names the field.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "addr.h"
#include "compose.h"
#include "instance.h"
#include "name.h"
#include "port.h"
#include "policy.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"
#include "yaml_json.h"

#define STACK_DEFAULT_NET	"default"
#define STACK_MAX_FILTER	4096	/* netd's CAPTURE_FILTER_MAX */

/* The parse context: where we are, for messages. */
struct sctx {
	struct stack	*st;
	const char	*dir;	/* directory of the file, for rootfs */
	char		**cause;
};

static int
stack_keys(json_t *obj, const char *path, const char *const *keys,
    char **cause)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 q[96];

	json_object_foreach(obj, k, v) {
		for (i = 0; keys[i] != NULL; i++) {
			if (strcmp(k, keys[i]) == 0)
				break;
		}
		if (keys[i] == NULL)
			return cause_set(cause, "%s%s%s: unknown key",
			    path, *path != '\0' ? "." : "",
			    name_quote(k, q, sizeof(q)));
	}
	return 0;
}

/* A string without NUL bytes, or an error naming path. */
static int
stack_string(json_t *v, const char *path, const char **out, char **cause)
{
	if (!json_is_string(v))
		return cause_set(cause, "%s: must be a string", path);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return cause_set(cause, "%s: contains a NUL character", path);
	*out = json_string_value(v);
	return 0;
}

static int
stack_nonempty(json_t *v, const char *path, const char **out, char **cause)
{
	const char	*p;

	if (stack_string(v, path, out, cause) == -1)
		return -1;
	if (**out == '\0')
		return cause_set(cause, "%s: must not be empty", path);
	for (p = *out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cause_set(cause, "%s: contains a control "
			    "character", path);
	}
	return 0;
}

static int
stack_uint(json_t *v, const char *path, unsigned long lo, unsigned long hi,
    unsigned long *out, char **cause)
{
	json_int_t	 n;

	if (!json_is_integer(v))
		return cause_set(cause, "%s: must be an integer", path);
	n = json_integer_value(v);
	if (n < 0 || (unsigned long long)n < lo || (unsigned long long)n > hi)
		return cause_set(cause, "%s: %lld is not in %lu..%lu", path,
		    (long long)n, lo, hi);
	*out = (unsigned long)n;
	return 0;
}

/*
 * obj.key, when present: an integer in lo..hi into *out (left as it is
 * when absent). The message names path.key.
 */
static int
stack_opt_uint(json_t *obj, const char *path, const char *key,
    unsigned long lo, unsigned long hi, unsigned int *out, char **cause)
{
	json_t		*v;
	char		*p;
	unsigned long	 n = 0;
	int		 rc;

	if ((v = json_object_get(obj, key)) == NULL)
		return 0;
	xasprintf(&p, "%s.%s", path, key);
	rc = stack_uint(v, p, lo, hi, &n, cause);
	free(p);
	if (rc == 0)
		*out = (unsigned int)n;
	return rc;
}

/*
 * Element i of the array named what: an object holding only keys.
 * Sets *path to "what[i]" (freed first).
 */
static int
stack_elem(json_t *e, const char *what, size_t i, const char *const *keys,
    char **path, char **cause)
{
	free(*path);
	xasprintf(path, "%s[%zu]", what, i);
	if (!json_is_object(e))
		return cause_set(cause, "%s: must be an object", *path);
	return stack_keys(e, *path, keys, cause);
}

/* An array of strings; each checked by fn if given. */
static int
stack_strings(json_t *v, const char *path, char ***out, size_t *n,
    int (*fn)(const char *, const char *, char **), char **cause)
{
	json_t		*e;
	size_t		 i;
	const char	*s;
	char		*p;

	if (!json_is_array(v))
		return cause_set(cause, "%s: must be an array of strings",
		    path);
	*out = xcalloc(json_array_size(v) + 1, sizeof(char *));
	*n = 0;
	json_array_foreach(v, i, e) {
		xasprintf(&p, "%s[%zu]", path, i);
		/* Without a checker (command arguments) "" is a value. */
		if ((fn != NULL ? stack_nonempty(e, p, &s, cause) :
		    stack_string(e, p, &s, cause)) == -1 ||
		    (fn != NULL && fn(s, p, cause) == -1)) {
			free(p);
			return -1;
		}
		free(p);
		(*out)[(*n)++] = xstrdup(s);
	}
	return 0;
}

static int
stack_name_field(const char *s, const char *path, char **cause)
{
	return name_check(s, path, cause);
}

static int
stack_env_key(const char *k, const char *path, char **cause)
{
	char		 q[96];

	if (*k == '\0')
		return cause_set(cause, "%s: empty variable name", path);
	if (util_env_name_len(k) != strlen(k))
		return cause_set(cause, "%s: \"%s\" is not a valid variable "
		    "name", path, name_quote(k, q, sizeof(q)));
	return 0;
}

static int
stack_parse_health(struct sctx *c, json_t *v, const char *path,
    struct stack_health *h)
{
	static const char *const keys[] = { "tcp", "cmd", "interval_ms",
	    "retries", NULL };
	unsigned long	 n = 0;
	json_t		*e;
	char		*p = NULL;
	int		 rc = -1;

	if (!json_is_object(v))
		return cause_set(c->cause, "%s: must be an object", path);
	if (stack_keys(v, path, keys, c->cause) == -1)
		return -1;
	h->set = 1;
	h->interval_ms = 100;
	h->retries = 50;
	if ((e = json_object_get(v, "cmd")) != NULL) {
		/* a command run in the container: exit 0 is healthy */
		xasprintf(&p, "%s.cmd", path);
		if (json_object_get(v, "tcp") != NULL) {
			cause_set(c->cause, "%s: tcp or cmd, not both", path);
			goto out;
		}
		if (stack_strings(e, p, &h->cmd, &h->ncmd, NULL,
		    c->cause) == -1)
			goto out;
		if (h->ncmd == 0 || *h->cmd[0] == '\0') {
			cause_set(c->cause, "%s: must name a program", p);
			goto out;
		}
	} else if ((e = json_object_get(v, "tcp")) == NULL) {
		return cause_set(c->cause, "%s.tcp: missing (the container "
		    "port to connect to, or cmd: a command)", path);
	} else {
		xasprintf(&p, "%s.tcp", path);
		if (stack_uint(e, p, 1, 65535, &n, c->cause) == -1)
			goto out;
		h->tcp_port = (uint16_t)n;
	}
	if (stack_opt_uint(v, path, "interval_ms", 1, 60000, &h->interval_ms,
	    c->cause) == -1 ||
	    stack_opt_uint(v, path, "retries", 1, 100000, &h->retries,
	    c->cause) == -1)
		goto out;
	rc = 0;
out:
	free(p);
	return rc;
}

static int
stack_parse_env(struct sctx *c, json_t *v, const char *path,
    struct stack_service *svc)
{
	const char	*k, *s;
	json_t		*e;
	char		*p;

	if (!json_is_object(v))
		return cause_set(c->cause, "%s: must be an object of strings",
		    path);
	svc->env = xcalloc(json_object_size(v) + 1, sizeof(*svc->env));
	json_object_foreach(v, k, e) {
		xasprintf(&p, "%s.%s", path, k);
		if (stack_env_key(k, path, c->cause) == -1 ||
		    stack_string(e, p, &s, c->cause) == -1) {
			free(p);
			return -1;
		}
		free(p);
		svc->env[svc->nenv].key = xstrdup(k);
		svc->env[svc->nenv].value = xstrdup(s);
		svc->nenv++;
	}
	return 0;
}

/* Kubernetes-style labels, for policy's label selectors. */
static int
stack_parse_labels(struct sctx *c, json_t *v, const char *path,
    struct stack_service *svc)
{
	const char	*k, *s;
	json_t		*e;
	char		*p;
	int		 rc;

	if (!json_is_object(v) || json_object_size(v) > POLICY_MAX_ITEMS)
		return cause_set(c->cause, "%s: must be an object of at most "
		    "%d strings", path, POLICY_MAX_ITEMS);
	svc->labels = xcalloc(json_object_size(v) + 1, sizeof(*svc->labels));
	json_object_foreach(v, k, e) {
		xasprintf(&p, "%s.%s", path, k);
		rc = stack_string(e, p, &s, c->cause) == -1 ||
		    policy_label_check(k, s, p, c->cause) == -1 ? -1 : 0;
		free(p);
		if (rc == -1)
			return -1;
		svc->labels[svc->nlabels].key = xstrdup(k);
		svc->labels[svc->nlabels++].value = xstrdup(s);
	}
	return 0;
}

static int
stack_parse_ports(struct sctx *c, json_t *v, const char *path,
    struct stack_service *svc)
{
	json_t		*e;
	size_t		 i;
	char		*p;
	const char	*s;

	if (!json_is_array(v))
		return cause_set(c->cause, "%s: must be an array of port "
		    "specs", path);
	svc->ports = xcalloc(json_array_size(v) + 1, sizeof(*svc->ports));
	json_array_foreach(v, i, e) {
		xasprintf(&p, "%s[%zu]", path, i);
		if (stack_string(e, p, &s, c->cause) == -1) {
			free(p);
			return -1;
		}
		if (portspec_parse(s, &svc->ports[i], c->cause) == -1) {
			cause_prefix(c->cause, "%s", p);
			free(p);
			return -1;
		}
		free(p);
		svc->nports++;
	}
	return 0;
}

static int
stack_parse_service(struct sctx *c, const char *name, json_t *v,
    struct stack_service *svc)
{
	static const char *const keys[] = { "command", "container_name",
	    "networks", "ports", "ip", "rootfs", "user", "workdir", "env",
	    "depends_on", "healthcheck", "labels", "restart", NULL };
	char		*path, *p = NULL, q[24];
	const char	*s;
	json_t		*e;
	int		 rc = -1;

	xasprintf(&path, "services.%s", name);
	svc->name = xstrdup(name);
	if (name_check(name, "service name", c->cause) == -1)
		goto out;
	if (!json_is_object(v)) {
		cause_set(c->cause, "%s: must be an object", path);
		goto out;
	}
	if (stack_keys(v, path, keys, c->cause) == -1)
		goto out;

#define FIELD(key) (free(p), xasprintf(&p, "%s.%s", path, key), \
	    (e = json_object_get(v, key)) != NULL)
	if (!FIELD("command")) {
		cause_set(c->cause, "%s.command: missing", path);
		goto out;
	}
	if (stack_strings(e, p, &svc->command, &svc->ncommand, NULL,
	    c->cause) == -1)
		goto out;
	if (svc->ncommand == 0) {
		cause_set(c->cause, "%s: must not be empty", p);
		goto out;
	}
	if (*svc->command[0] == '\0') {
		cause_set(c->cause, "%s[0]: the program name is empty", p);
		goto out;
	}
	if (FIELD("container_name")) {
		if (stack_string(e, p, &s, c->cause) == -1 ||
		    name_check(s, p, c->cause) == -1)
			goto out;
		svc->container_name = xstrdup(s);
	}
	if (FIELD("networks")) {
		if (stack_strings(e, p, &svc->networks, &svc->nnetworks,
		    stack_name_field, c->cause) == -1)
			goto out;
	}
	if (FIELD("ports") &&
	    stack_parse_ports(c, e, p, svc) == -1)
		goto out;
	if (FIELD("ip")) {
		if (stack_string(e, p, &s, c->cause) == -1)
			goto out;
		if (addr_parse(s, &svc->ip) == -1) {
			cause_set(c->cause, "%s: \"%s\" is not an IPv4 "
			    "address", p, name_quote(s, q, 24));
			goto out;
		}
	}
	if (FIELD("rootfs")) {
		if (stack_nonempty(e, p, &s, c->cause) == -1)
			goto out;
		if (*s == '/' || c->dir == NULL)
			svc->rootfs = xstrdup(s);
		else
			xasprintf(&svc->rootfs, "%s/%s", c->dir, s);
	}
	if (FIELD("user")) {
		if (stack_nonempty(e, p, &s, c->cause) == -1)
			goto out;
		svc->user = xstrdup(s);
	}
	if (FIELD("workdir")) {
		if (stack_nonempty(e, p, &s, c->cause) == -1)
			goto out;
		/* Outside a rootfs, relative to the file like rootfs. */
		if (*s == '/' || c->dir == NULL || svc->rootfs != NULL)
			svc->workdir = xstrdup(s);
		else
			xasprintf(&svc->workdir, "%s/%s", c->dir, s);
	}
	if (FIELD("env") && stack_parse_env(c, e, p, svc) == -1)
		goto out;
	if (FIELD("labels") && stack_parse_labels(c, e, p, svc) == -1)
		goto out;
	if (FIELD("depends_on")) {
		if (stack_strings(e, p, &svc->depends_on, &svc->ndepends_on,
		    stack_name_field, c->cause) == -1)
			goto out;
	}
	if (FIELD("healthcheck") &&
	    stack_parse_health(c, e, p, &svc->health) == -1)
		goto out;
	if (FIELD("restart")) {
		if (stack_string(e, p, &s, c->cause) == -1)
			goto out;
		if (strcmp(s, "no") != 0 && strcmp(s, "always") != 0 &&
		    strcmp(s, "unless-stopped") != 0 &&
		    strcmp(s, "on-failure") != 0) {
			cause_set(c->cause, "%s: \"%.20s\": expected no, "
			    "always, unless-stopped or on-failure", p, s);
			goto out;
		}
		svc->restart = xstrdup(s);
	}
#undef FIELD
	rc = 0;
out:
	free(p);
	free(path);
	return rc;
}

static int
stack_parse_networks(struct sctx *c, json_t *v)
{
	static const char *const keys[] = { "internal", NULL };
	const char	*k;
	json_t		*e, *in;
	char		*path;
	struct stack_network *n;

	if (!json_is_object(v))
		return cause_set(c->cause, "networks: must be an object");
	c->st->networks = xcalloc(json_object_size(v) + 1,
	    sizeof(*c->st->networks));
	json_object_foreach(v, k, e) {
		if (name_check(k, "network name", c->cause) == -1)
			return -1;
		xasprintf(&path, "networks.%s", k);
		if (!json_is_object(e)) {
			cause_set(c->cause, "%s: must be an object", path);
			free(path);
			return -1;
		}
		if (stack_keys(e, path, keys, c->cause) == -1) {
			free(path);
			return -1;
		}
		n = &c->st->networks[c->st->nnetworks++];
		n->name = xstrdup(k);
		if ((in = json_object_get(e, "internal")) != NULL) {
			if (!json_is_boolean(in)) {
				cause_set(c->cause, "%s.internal: must be true "
				    "or false", path);
				free(path);
				return -1;
			}
			n->internal = json_is_true(in);
		}
		free(path);
	}
	return 0;
}

/* Each entry is a rule or a NetworkPolicy object (common/policy.c). */
static int
stack_parse_policy(struct sctx *c, json_t *v)
{
	json_t	*e;
	size_t	 i;
	char	*path;
	int	 rc;

	if (!json_is_array(v))
		return cause_set(c->cause, "policy: must be an array");
	if (json_array_size(v) > POLICY_MAX_RULES)
		return cause_set(c->cause, "policy: at most %d entries",
		    POLICY_MAX_RULES);
	json_array_foreach(v, i, e) {
		xasprintf(&path, "policy[%zu]", i);
		rc = policy_check_entry(e, path, c->cause);
		free(path);
		if (rc == -1)
			return -1;
	}
	c->st->policy = json_incref(v);
	return 0;
}

/* A link's endpoint key (from, to, service): a service name, copied. */
static int
stack_link_name(json_t *e, const char *path, const char *key, char **out,
    char **cause)
{
	json_t		*v = json_object_get(e, key);
	const char	*s;
	char		*p;
	int		 rc;

	xasprintf(&p, "%s.%s", path, key);
	rc = stack_nonempty(v, p, &s, cause);
	if (rc == 0)
		rc = name_check(s, p, cause);
	free(p);
	if (rc == 0)
		*out = xstrdup(s);
	return rc;
}

/* Who a link joins: between [a, b], from a to b, or one service. */
static int
stack_link_ends(json_t *e, const char *path, struct stack_link *l,
    char **cause)
{
	json_t	*f;
	char	*p, **between = NULL;
	size_t	 n = 0, i;
	int	 rc = -1, forms;

	forms = (json_object_get(e, "between") != NULL) +
	    (json_object_get(e, "from") != NULL ||
	    json_object_get(e, "to") != NULL) +
	    (json_object_get(e, "service") != NULL);
	if (forms != 1)
		return cause_set(cause, "%s: give one of between, from/to or "
		    "service", path);
	if (json_object_get(e, "service") != NULL)
		return stack_link_name(e, path, "service", &l->a, cause);
	if ((f = json_object_get(e, "between")) == NULL) {
		l->oneway = 1;
		if (stack_link_name(e, path, "from", &l->a, cause) == -1 ||
		    stack_link_name(e, path, "to", &l->b, cause) == -1)
			return -1;
		if (strcmp(l->a, l->b) == 0)
			return cause_set(cause, "%s: from and to are the "
			    "same", path);
		return 0;
	}
	xasprintf(&p, "%s.between", path);
	if (stack_strings(f, p, &between, &n, stack_name_field,
	    cause) == -1)
		goto out;
	if (n != 2 || strcmp(between[0], between[1]) == 0) {
		cause_set(cause, "%s: must name two services", p);
		goto out;
	}
	l->a = between[0];
	l->b = between[1];
	between[0] = between[1] = NULL;
	rc = 0;
out:
	if (between != NULL) {
		for (i = 0; i < n; i++)
			free(between[i]);
		free(between);
	}
	free(p);
	return rc;
}

/*
 * A link's impairments: the file's keys (delay_ms, rate "10mbit"...)
 * turned into the protocol's (linkspec.h) and checked there.
 */
static int
stack_link_profile(json_t *e, const char *path, struct link_profile *lp,
    char **cause)
{
	static const char *const same[] = { "loss", "loss_corr",
	    "duplicate", "corrupt", "queue", "mtu", "reorder", "seed", "down",
	    NULL };
	unsigned int	 delay = 0, jitter = 0;
	json_t		*j, *f;
	const char	*s;
	char		*p;
	uint64_t	 rate;
	size_t		 i;
	int		 rc = -1;

	if (stack_opt_uint(e, path, "delay_ms", 0, 60000, &delay,
	    cause) == -1 || stack_opt_uint(e, path, "jitter_ms", 0, 60000,
	    &jitter, cause) == -1)
		return -1;
	j = json_pack("{s:I, s:I}", "delay_us", (json_int_t)delay * 1000,
	    "jitter_us", (json_int_t)jitter * 1000);
	for (i = 0; same[i] != NULL; i++)
		if ((f = json_object_get(e, same[i])) != NULL)
			json_object_set(j, same[i], f);
	xasprintf(&p, "%s.rate", path);
	if ((f = json_object_get(e, "rate")) != NULL) {
		if (stack_nonempty(f, p, &s, cause) == -1 ||
		    linkspec_rate(s, &rate, cause) == -1) {
			cause_prefix(cause, "%s", p);
			goto out;
		}
		json_object_set_new(j, "rate", json_integer((json_int_t)rate));
	}
	if ((rc = linkspec_from_json(j, lp, cause)) == -1)
		cause_prefix(cause, "%s", path);
out:
	free(p);
	json_decref(j);
	return rc;
}

static int
stack_parse_links(struct sctx *c, json_t *v)
{
	static const char *const keys[] = { "between", "from", "to",
	    "service", "delay_ms", "jitter_ms", "loss", "loss_corr",
	    "duplicate", "corrupt", "rate", "queue", "mtu", "reorder", "seed",
	    "down", NULL };
	json_t		*e;
	size_t		 i;
	char		*path = NULL;
	struct stack_link *l;
	int		 rc = -1;

	if (!json_is_array(v))
		return cause_set(c->cause, "links: must be an array");
	c->st->links = xcalloc(json_array_size(v) + 1, sizeof(*l));
	json_array_foreach(v, i, e) {
		l = &c->st->links[c->st->nlinks++];
		if (stack_elem(e, "links", i, keys, &path, c->cause) == -1 ||
		    stack_link_ends(e, path, l, c->cause) == -1 ||
		    stack_link_profile(e, path, &l->p, c->cause) == -1)
			goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

static int
stack_parse_capture(struct sctx *c, json_t *v)
{
	static const char *const keys[] = { "file", "filter", "rotate_mb",
	    "files", NULL };
	struct stack_capture	*cap;
	json_t			*e;
	const char		*s;

	if (!json_is_object(v))
		return cause_set(c->cause, "capture: must be an object");
	if (stack_keys(v, "capture", keys, c->cause) == -1)
		return -1;
	cap = c->st->capture = xcalloc(1, sizeof(*cap));
	cap->rotate_mb = 100;
	if ((e = json_object_get(v, "file")) == NULL)
		return cause_set(c->cause, "capture.file: missing");
	if (stack_string(e, "capture.file", &s, c->cause) == -1)
		return -1;
	if (*s == '\0')
		return cause_set(c->cause, "capture.file: empty");
	if (*s == '/' || c->dir == NULL)
		cap->file = xstrdup(s);
	else
		xasprintf(&cap->file, "%s/%s", c->dir, s);
	if ((e = json_object_get(v, "filter")) != NULL) {
		if (stack_string(e, "capture.filter", &s, c->cause) == -1)
			return -1;
		if (strlen(s) > STACK_MAX_FILTER)
			return cause_set(c->cause, "capture.filter: longer "
			    "than %d bytes", STACK_MAX_FILTER);
		cap->filter = xstrdup(s);
	}
	if (stack_opt_uint(v, "capture", "rotate_mb", 1, 1000000,
	    &cap->rotate_mb, c->cause) == -1 ||
	    stack_opt_uint(v, "capture", "files", 1, 100000, &cap->files,
	    c->cause) == -1)
		return -1;
	return 0;
}

static int
stack_network_declared(const struct stack *st, const char *name)
{
	size_t	 i;

	if (strcmp(name, STACK_DEFAULT_NET) == 0)
		return 1;
	for (i = 0; i < st->nnetworks; i++) {
		if (strcmp(st->networks[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/* Depth-first topological sort of depends_on; refuses cycles. */
static int
stack_visit(struct stack *st, size_t i, int *mark, size_t *n, char **cause)
{
	struct stack_service	*svc = &st->services[i];
	const struct stack_service *dep;
	size_t			 j;

	if (mark[i] == 2)
		return 0;
	if (mark[i] == 1)
		return cause_set(cause, "services.%s.depends_on: dependency "
		    "cycle through \"%s\"", svc->name, svc->name);
	mark[i] = 1;
	for (j = 0; j < svc->ndepends_on; j++) {
		dep = stack_find(st, svc->depends_on[j]);
		if (stack_visit(st, (size_t)(dep - st->services), mark, n,
		    cause) == -1)
			return -1;
	}
	mark[i] = 2;
	st->order[(*n)++] = i;
	return 0;
}

static int
stack_check_service(struct stack *st, size_t i, char **cause)
{
	struct stack_service	*a = &st->services[i], *b;
	size_t			 j, k, l;
	char			 ab[ADDR_STRLEN], pb[CIDR_STRLEN];
	char			 sa[PORTSPEC_STRLEN];

	if (a->container_name == NULL) {
		if (strlen(st->name) + 1 + strlen(a->name) > NAME_MAX_LEN)
			return cause_set(cause, "services.%s: container name "
			    "\"%s-%s\" would be longer than %d characters; "
			    "set container_name", a->name, st->name, a->name,
			    NAME_MAX_LEN);
		xasprintf(&a->container_name, "%s-%s", st->name, a->name);
	}
	if (a->nnetworks == 0) {
		free(a->networks);	/* "networks": [] */
		a->networks = xcalloc(2, sizeof(char *));
		a->networks[0] = xstrdup(STACK_DEFAULT_NET);
		a->nnetworks = 1;
	}
	for (j = 0; j < a->nnetworks; j++) {
		if (!stack_network_declared(st, a->networks[j]))
			return cause_set(cause, "services.%s.networks[%zu]: "
			    "network \"%s\" is not declared in \"networks\"",
			    a->name, j, a->networks[j]);
	}
	if (a->ip != 0) {
		if (!cidr_contains(&st->pool, a->ip))
			return cause_set(cause, "services.%s.ip: %s is not in "
			    "the pool %s", a->name, addr_fmt(a->ip, ab),
			    cidr_fmt(&st->pool, pb));
		if (a->ip == cidr_gateway(&st->pool))
			return cause_set(cause, "services.%s.ip: %s is the "
			    "gateway address", a->name, addr_fmt(a->ip, ab));
		if (!cidr_host_usable(&st->pool, a->ip))
			return cause_set(cause, "services.%s.ip: %s is the "
			    "network or broadcast address of the pool",
			    a->name, addr_fmt(a->ip, ab));
	}
	for (j = 0; j < a->ndepends_on; j++) {
		if (stack_find(st, a->depends_on[j]) == NULL)
			return cause_set(cause, "services.%s.depends_on[%zu]: "
			    "no service \"%s\"", a->name, j,
			    a->depends_on[j]);
	}
	for (j = 0; j < i; j++) {
		b = &st->services[j];
		if (strcmp(a->container_name, b->container_name) == 0)
			return cause_set(cause, "services.%s: container name "
			    "\"%s\" is also used by service \"%s\"", a->name,
			    a->container_name, b->name);
		if (a->ip != 0 && a->ip == b->ip)
			return cause_set(cause, "services.%s.ip: %s is also "
			    "the address of service \"%s\"", a->name,
			    addr_fmt(a->ip, ab), b->name);
		for (k = 0; k < a->nports; k++) {
			for (l = 0; l < b->nports; l++) {
				if (!portspec_conflict(&a->ports[k],
				    &b->ports[l]))
					continue;
				return cause_set(cause, "services.%s.ports"
				    "[%zu]: host port of \"%s\" is also "
				    "published by service \"%s\"", a->name, k,
				    portspec_fmt(&a->ports[k], sa), b->name);
			}
		}
	}
	for (k = 0; k < a->nports; k++) {
		for (l = 0; l < k; l++) {
			if (portspec_conflict(&a->ports[k], &a->ports[l]))
				return cause_set(cause, "services.%s.ports"
				    "[%zu]: host port of \"%s\" is published "
				    "twice", a->name, k,
				    portspec_fmt(&a->ports[k], sa));
		}
	}
	return 0;
}

int
stack_net_name(const struct stack *st, const char *net, char *buf,
    size_t len, char **cause)
{
	if (strcmp(net, "default") == 0) {
		snprintf(buf, len, "%s", net);
		return 0;
	}
	snprintf(buf, len, "%s-%s", st->name, net);
	return name_check(buf, "network name (STACK-NETWORK)", cause);
}

json_t *
stack_policy_entries(const struct stack *st)
{
	static const char *const ends[] = { "from", "to" };
	json_t		*out, *e;
	const char	*s;
	char		 net[NAME_MAX_LEN + 2], *sel;
	size_t		 i, j, k;

	out = st->policy != NULL ? json_deep_copy(st->policy) : json_array();
	json_array_foreach(out, i, e) {
		for (k = 0; k < 2; k++) {
			s = json_string_value(json_object_get(e, ends[k]));
			if (s == NULL || strncmp(s, "net:", 4) != 0)
				continue;
			for (j = 0; j < st->nnetworks; j++) {
				if (strcmp(st->networks[j].name, s + 4) != 0 ||
				    stack_net_name(st, s + 4, net, sizeof(net),
				    NULL) == -1)
					continue;
				xasprintf(&sel, "net:%s", net);
				json_object_set_new(e, ends[k],
				    json_string(sel));
				free(sel);
				break;
			}
		}
	}
	return out;
}

/* A rule's name selector names a service, or its container. */
static int
stack_policy_name(const struct stack *st, const char *s)
{
	size_t	 i;

	if (s == NULL || strchr(s, ':') != NULL || strchr(s, '/') != NULL ||
	    strcmp(s, "*") == 0 || strcmp(s, "all") == 0 ||
	    strcmp(s, "host") == 0 || strcmp(s, "outside") == 0 ||
	    (*s >= '0' && *s <= '9'))
		return 1;
	for (i = 0; i < st->nservices; i++)
		if (strcmp(st->services[i].name, s) == 0 ||
		    strcmp(st->services[i].container_name, s) == 0)
			return 1;
	return 0;
}

static int
stack_check_policy(const struct stack *st, char **cause)
{
	const char	*f, *t;
	json_t		*e;
	size_t		 i;

	json_array_foreach(st->policy, i, e) {
		f = json_string_value(json_object_get(e, "from"));
		t = json_string_value(json_object_get(e, "to"));
		if (json_object_get(e, "kind") != NULL)
			continue;
		if (!stack_policy_name(st, f))
			return cause_set(cause, "policy[%zu].from: no service "
			    "\"%s\"", i, f);
		if (!stack_policy_name(st, t))
			return cause_set(cause, "policy[%zu].to: no service "
			    "\"%s\"", i, t);
	}
	return 0;
}

static int
stack_check(struct stack *st, char **cause)
{
	size_t	 i, n = 0;
	int	*mark, rc = -1;

	for (i = 0; i < st->nservices; i++) {
		if (stack_check_service(st, i, cause) == -1)
			return -1;
	}
	if (stack_check_policy(st, cause) == -1)
		return -1;
	for (i = 0; i < st->nlinks; i++) {
		if (stack_find(st, st->links[i].a) == NULL ||
		    (st->links[i].b != NULL &&
		    stack_find(st, st->links[i].b) == NULL))
			return cause_set(cause, "links[%zu]: no service "
			    "\"%s\"", i, stack_find(st, st->links[i].a) ==
			    NULL ? st->links[i].a : st->links[i].b);
	}
	st->order = xcalloc(st->nservices + 1, sizeof(*st->order));
	mark = xcalloc(st->nservices + 1, sizeof(*mark));
	for (i = 0; i < st->nservices; i++) {
		if (stack_visit(st, i, mark, &n, cause) == -1)
			goto out;
	}
	rc = 0;
out:
	free(mark);
	return rc;
}

/*
 * The stack's default name: the file name without directory and .json
 * (.yaml, .yml); for berth.json, compose.yaml and docker-compose.yml,
 * the directory's name.
 */
static char *
stack_default_name(const char *fname)
{
	const char	*b;
	char		*s;
	size_t		 n;

	b = strrchr(fname, '/');
	b = b != NULL ? b + 1 : fname;
	s = xstrdup(b);
	n = strlen(s);
	if (n > 5 && strcmp(s + n - 5, ".json") == 0)
		s[n - 5] = '\0';
	else if (n > 5 && strcmp(s + n - 5, ".yaml") == 0)
		s[n - 5] = '\0';
	else if (n > 4 && strcmp(s + n - 4, ".yml") == 0)
		s[n - 4] = '\0';
	/* berth.json, compose.yaml: named for their directory, as compose
	   names a project */
	if (strcmp(s, "berth") == 0 || strcmp(s, "compose") == 0 ||
	    strcmp(s, "docker-compose") == 0) {
		free(s);
		s = compose_project_name(fname);
	}
	return s;
}

/* A YAML file, by its name. */
static int
stack_is_yaml(const char *fname)
{
	size_t	 n = fname != NULL ? strlen(fname) : 0;

	return (n > 5 && strcmp(fname + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(fname + n - 4, ".yml") == 0);
}

/*
 * The text as the JSON value of a berth stack: JSON, YAML, or a compose
 * file (mapped by compose.c). *lines: where each path is, for YAML.
 */
static json_t *
stack_root(const char *text, size_t len, const char *fname, json_t **lines,
    char **cause)
{
	json_t		*root, *berth;
	json_error_t	 jerr;

	*lines = NULL;
	if (!stack_is_yaml(fname)) {
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL)
			cause_set(cause, "not a valid JSON file: line %d "
			    "column %d: %s", jerr.line, jerr.column,
			    jerr.text);
	} else if ((root = yaml_json_load(text, len, lines, cause)) == NULL)
		cause_prefix(cause, "not a valid YAML file");
	if (root == NULL || !compose_is(root, fname))
		return root;
	berth = compose_to_stack(root, fname, cause);
	json_decref(root);
	return berth;
}

/* "line N: " before a message whose path the YAML file has. */
static void
stack_line(json_t *lines, char **cause)
{
	size_t	 line;

	if (lines == NULL || cause == NULL || *cause == NULL ||
	    strncmp(*cause, "line ", 5) == 0)
		return;
	if ((line = yaml_json_line(lines, *cause)) > 0)
		cause_prefix(cause, "line %zu", line);
}

static struct stack *
stack_parse_pool(const char *text, size_t len, const char *fname,
    const struct cidr *pool, char **cause)
{
	static const char *const keys[] = { "name", "pool", "networks",
	    "services", "policy", "links", "capture", NULL };
	struct stack	*st;
	struct sctx	 c;
	json_t		*root, *v, *e, *lines = NULL;
	const char	*k, *s;
	char		*dir = NULL, *slash;

	st = xcalloc(1, sizeof(*st));
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.cause = cause;
	if (fname != NULL && (slash = strrchr(fname, '/')) != NULL) {
		dir = xstrndup(fname, (size_t)(slash - fname));
		c.dir = dir;
	}
	if ((root = stack_root(text, len, fname, &lines, cause)) == NULL)
		goto fail;
	if (!json_is_object(root)) {
		cause_set(cause, "the top level must be a JSON object");
		goto fail;
	}
	if (stack_keys(root, "", keys, cause) == -1)
		goto fail;

	if ((v = json_object_get(root, "name")) != NULL) {
		if (stack_string(v, "name", &s, cause) == -1 ||
		    name_check(s, "name", cause) == -1)
			goto fail;
		st->name = xstrdup(s);
	} else {
		st->name = stack_default_name(fname != NULL ? fname :
		    "stack");
		if (name_check(st->name, "stack name (from the file name; "
		    "set \"name\")", cause) == -1)
			goto fail;
	}
	if ((v = json_object_get(root, "pool")) != NULL) {
		if (stack_string(v, "pool", &s, cause) == -1)
			goto fail;
		if (cidr_parse(s, &st->pool, cause) == -1) {
			cause_prefix(cause, "pool");
			goto fail;
		}
		if (st->pool.plen < 8 || st->pool.plen > 29) {
			cause_set(cause, "pool: prefix length /%u not in "
			    "/8../29", st->pool.plen);
			goto fail;
		}
		st->pool_set = 1;
	} else if (pool != NULL)
		st->pool = *pool;
	else
		cidr_parse(BERTH_DEFAULT_POOL, &st->pool, NULL);
	if ((v = json_object_get(root, "networks")) != NULL &&
	    stack_parse_networks(&c, v) == -1)
		goto fail;

	if ((v = json_object_get(root, "services")) == NULL) {
		cause_set(cause, "services: missing");
		goto fail;
	}
	if (!json_is_object(v)) {
		cause_set(cause, "services: must be an object");
		goto fail;
	}
	if (json_object_size(v) == 0) {
		cause_set(cause, "services: no services");
		goto fail;
	}
	if (json_object_size(v) > STACK_MAX_SERVICES) {
		cause_set(cause, "services: more than %d services",
		    STACK_MAX_SERVICES);
		goto fail;
	}
	st->services = xcalloc(json_object_size(v), sizeof(*st->services));
	/* jansson keeps insertion order: services stay in file order. */
	json_object_foreach(v, k, e) {
		if (stack_parse_service(&c, k, e,
		    &st->services[st->nservices++]) == -1)
			goto fail;
	}
	if ((v = json_object_get(root, "policy")) != NULL &&
	    stack_parse_policy(&c, v) == -1)
		goto fail;
	if ((v = json_object_get(root, "links")) != NULL &&
	    stack_parse_links(&c, v) == -1)
		goto fail;
	if ((v = json_object_get(root, "capture")) != NULL &&
	    stack_parse_capture(&c, v) == -1)
		goto fail;
	if (stack_check(st, cause) == -1)
		goto fail;
	json_decref(root);
	json_decref(lines);
	free(dir);
	return st;
fail:
	stack_line(lines, cause);
	json_decref(root);
	json_decref(lines);
	free(dir);
	stack_free(st);
	return NULL;
}

/* The file as the berth stack JSON it means (YAML, compose mapped). */
json_t *
stack_load_json(const char *path, char **cause)
{
	json_t	*root, *lines = NULL;
	char	*text;
	size_t	 len;

	if ((text = util_read_file(path, STACK_MAX_FILE, &len)) == NULL) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	root = stack_root(text, len, path, &lines, cause);
	if (root == NULL) {
		stack_line(lines, cause);
		cause_prefix(cause, "%s", path);
	}
	json_decref(lines);
	free(text);
	return root;
}

struct stack *
stack_parse(const char *text, size_t len, const char *fname, char **cause)
{
	return stack_parse_pool(text, len, fname, NULL, cause);
}

struct stack *
stack_load(const char *path, const struct cidr *pool, char **cause)
{
	struct stack	*st;
	char		*text;
	size_t		 len;

	if ((text = util_read_file(path, STACK_MAX_FILE, &len)) == NULL) {
		if (errno == EFBIG)
			cause_set(cause, "%s: larger than %d bytes", path,
			    STACK_MAX_FILE);
		else
			cause_set(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	st = stack_parse_pool(text, len, path, pool, cause);
	free(text);
	if (st == NULL)
		cause_prefix(cause, "%s", path);
	return st;
}

const struct stack_service *
stack_find(const struct stack *st, const char *name)
{
	size_t	 i;

	for (i = 0; i < st->nservices; i++) {
		if (st->services[i].name != NULL &&
		    strcmp(st->services[i].name, name) == 0)
			return &st->services[i];
	}
	return NULL;
}

static void
stack_free_strv(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
stack_free(struct stack *st)
{
	struct stack_service	*s;
	size_t			 i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->nservices; i++) {
		s = &st->services[i];
		free(s->name);
		free(s->container_name);
		stack_free_strv(s->command);
		stack_free_strv(s->networks);
		stack_free_strv(s->depends_on);
		free(s->ports);
		free(s->rootfs);
		free(s->user);
		free(s->workdir);
		free(s->restart);
		stack_free_strv(s->health.cmd);
		for (j = 0; j < s->nenv; j++) {
			free(s->env[j].key);
			free(s->env[j].value);
		}
		free(s->env);
		for (j = 0; j < s->nlabels; j++) {
			free(s->labels[j].key);
			free(s->labels[j].value);
		}
		free(s->labels);
	}
	for (i = 0; i < st->nnetworks; i++)
		free(st->networks[i].name);
	for (i = 0; i < st->nlinks; i++) {
		free(st->links[i].a);
		free(st->links[i].b);
	}
	free(st->services);
	free(st->networks);
	json_decref(st->policy);
	free(st->links);
	if (st->capture != NULL) {
		free(st->capture->file);
		free(st->capture->filter);
		free(st->capture);
	}
	free(st->order);
	free(st->name);
	free(st);
}
