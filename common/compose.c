/* SPDX-License-Identifier: ISC */
/*
 * compose.c - a docker-compose file as a berth stack.
 *
 * DOC: what of compose maps, and how
 * A compose file (compose.yaml, docker-compose.yml, or any stack file
 * with keys only compose has: version, volumes, image, build,
 * environment, env_file, entrypoint, working_dir, expose,
 * healthcheck.test) is rewritten
 * into the berth stack it means, which then goes through the same
 * checks as any stack file (common/stack.c). What maps:
 *   services.S.command / entrypoint   argv = entrypoint + command (a
 *                                     string is split as a shell would,
 *                                     without running one)
 *   image                             only through x-berth.images: berth
 *                                     runs host programs, not images
 *   environment (map or list), env_file
 *   ports (short and long syntax), networks (list, or map with
 *   ipv4_address), depends_on (list, or map with conditions),
 *   healthcheck (test CMD / CMD-SHELL / string, interval, retries,
 *   start_period, disable), container_name, user, working_dir, restart,
 *   labels (for policy's selectors), expose (nothing to do: every port of a container
 *   is open to its peers), named volumes (nothing to keep: the program
 *   writes where it writes on the host)
 *   networks.N.internal, driver bridge; name, version, volumes, x-*
 *   (ignored) and x-berth: {pool, images: {IMAGE: {command,
 *   entrypoint, rootfs, user, workdir}}}; services.S.x-berth: {command,
 *   rootfs, user, workdir, ip} overrides.
 * Everything else (build, bind mounts, external networks, secrets,
 * cap_add...) is refused with its path and why, never dropped quietly.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compose.h"
#include "util.h"
#include "xmalloc.h"

struct cctx {
	const char	*dir;		/* the file's directory, or NULL */
	json_t		*images;	/* x-berth.images */
	char		**cause;
};

static const char *
compose_base(const char *fname)
{
	const char	*b = strrchr(fname, '/');

	return b != NULL ? b + 1 : fname;
}

int
compose_is(json_t *root, const char *fname)
{
	/* keys only compose has (a berth stack says env, workdir...) */
	static const char *const only[] = { "image", "build",
	    "environment", "env_file", "entrypoint", "volumes",
	    "working_dir", "expose", NULL };
	const char	*b, *k;
	json_t		*s;
	size_t		 i;

	if (fname != NULL) {
		b = compose_base(fname);
		if (strncmp(b, "compose.", 8) == 0 ||
		    strncmp(b, "docker-compose", 14) == 0)
			return 1;
	}
	if (!json_is_object(root))
		return 0;
	if (json_object_get(root, "version") != NULL ||
	    json_object_get(root, "x-berth") != NULL)
		return 1;
	if (json_object_get(root, "volumes") != NULL)
		return 1;
	json_object_foreach(json_object_get(root, "services"), k, s) {
		for (i = 0; only[i] != NULL; i++) {
			if (json_object_get(s, only[i]) != NULL)
				return 1;
		}
		if (json_object_get(json_object_get(s, "healthcheck"),
		    "test") != NULL)
			return 1;
	}
	return 0;
}

/* compose's project name: the file's directory, as a DNS label. */
char *
compose_project_name(const char *fname)
{
	char	 path[PATH_MAX], *dir, *b, *out, *p;
	size_t	 n;

	if (fname == NULL || realpath(fname, path) == NULL)
		snprintf(path, sizeof(path), "./x");
	if ((dir = strrchr(path, '/')) != NULL)
		*dir = '\0';
	b = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	out = xstrdup(*b != '\0' ? b : "default");
	for (p = out; *p != '\0'; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)*p))
			*p = '-';
	}
	for (p = out; *p == '-'; p++)
		;
	memmove(out, p, strlen(p) + 1);
	n = strlen(out);
	if (n > 40)
		out[n = 40] = '\0';
	while (n > 0 && out[n - 1] == '-')
		out[--n] = '\0';
	if (n == 0) {
		free(out);
		out = xstrdup("default");
	}
	return out;
}

/* Split a command string as sh would split words (no expansion). */
static int
compose_split(const char *s, const char *path, json_t *argv, char **cause)
{
	char	*w = xcalloc(1, strlen(s) + 1);
	size_t	 n = 0;
	int	 inword = 0;
	char	 q = 0;

	for (; *s != '\0'; s++) {
		if (q == 0 && (*s == ' ' || *s == '\t' || *s == '\n')) {
			if (inword)
				json_array_append_new(argv, json_stringn(w, n));
			inword = 0;
			n = 0;
			continue;
		}
		inword = 1;
		if (q == 0 && (*s == '\'' || *s == '"'))
			q = *s;
		else if (q != 0 && *s == q)
			q = 0;
		else if (*s == '\\' && q != '\'' && s[1] != '\0')
			w[n++] = *++s;
		else
			w[n++] = *s;
	}
	if (inword)
		json_array_append_new(argv, json_stringn(w, n));
	free(w);
	if (q != 0)
		return cause_set(cause, "%s: unclosed %c quote", path, q);
	return 0;
}

/* A command: string (split) or list of strings, appended to argv. */
static char	*compose_text(json_t *);

static int
compose_argv(json_t *v, const char *path, json_t *argv, char **cause)
{
	json_t	*e;
	char	*t;
	size_t	 i;

	if (json_is_string(v))
		return compose_split(json_string_value(v), path, argv, cause);
	if (!json_is_array(v))
		return cause_set(cause, "%s: must be a string or a list",
		    path);
	json_array_foreach(v, i, e) {
		if (json_is_string(e))
			json_array_append(argv, e);
		else if (json_is_number(e)) {
			t = compose_text(e);
			json_array_append_new(argv, json_string(t));
			free(t);
		} else
			return cause_set(cause, "%s[%zu]: must be a string",
			    path, i);
	}
	return 0;
}

/* A scalar as compose means it in environment and labels. */
static char *
compose_text(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v) || json_is_false(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return json_dumps(v, JSON_ENCODE_ANY);
}

/*
 * labels (a mapping, or a list of KEY=VALUE) into the service's
 * "labels", which policy's label: selectors and NetworkPolicy pod
 * selectors match (common/stack.c checks them).
 */
static int
compose_labels(json_t *v, const char *path, json_t *out, char **cause)
{
	json_t		*labels, *e;
	const char	*k, *s, *eq;
	char		*t, *key;
	size_t		 i;

	if (!json_is_object(v) && !json_is_array(v))
		return cause_set(cause, "%s: must be a mapping or a list",
		    path);
	labels = json_object();
	json_object_foreach(v, k, e) {
		t = json_is_null(e) ? xstrdup("") : compose_text(e);
		json_object_set_new(labels, k, json_string(t));
		free(t);
	}
	json_array_foreach(v, i, e) {
		if ((s = json_string_value(e)) == NULL) {
			json_decref(labels);
			return cause_set(cause, "%s[%zu]: must be a string",
			    path, i);
		}
		if ((eq = strchr(s, '=')) == NULL)
			eq = s + strlen(s);
		key = xstrndup(s, (size_t)(eq - s));
		json_object_set_new(labels, key, json_string(*eq == '=' ?
		    eq + 1 : ""));
		free(key);
	}
	if (json_object_size(labels) > 0)
		json_object_set(out, "labels", labels);
	json_decref(labels);
	return 0;
}

/*
 * KEY=VALUE lines into obj, docker's env-file format: blank lines and
 * # comments skipped, VALUE literal, a bare KEY taken from our own
 * environment (skipped when unset). Errors name path:line.
 */
int
compose_env_file(const char *path, json_t *obj, char **cause)
{
	char		*text, *line, *next, *eq;
	const char	*v;
	size_t		 len, lineno = 0;
	int		 rc = -1;

	if ((text = util_read_file(path, 1 << 20, &len)) == NULL)
		return cause_set(cause, "%s: %s", path, strerror(errno));
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) != NULL)
			*eq = '\0';
		if (!compose_env_key(line)) {
			cause_set(cause, "%s:%zu: expected KEY=VALUE", path,
			    lineno);
			goto out;
		}
		if (eq != NULL)
			json_object_set_new(obj, line, json_string(eq + 1));
		else if ((v = getenv(line)) != NULL)
			json_object_set_new(obj, line, json_string(v));
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* A variable name: [A-Za-z_][A-Za-z0-9_]*. */
int
compose_env_key(const char *k)
{
	const char	*p;

	for (p = k; *p != '\0'; p++) {
		if (!(*p == '_' || isalpha((unsigned char)*p) ||
		    (p != k && isdigit((unsigned char)*p))))
			return 0;
	}
	return p != k;
}

static int
compose_env(struct cctx *c, json_t *svc, const char *path, json_t *out)
{
	json_t		*v, *e, *env = json_object();
	const char	*k;
	char		*p = NULL, *t, *eq, file[PATH_MAX];
	size_t		 i;
	int		 rc = -1;

	if ((v = json_object_get(svc, "env_file")) != NULL) {
		if (json_is_string(v) || json_is_object(v))
			v = json_pack("[O]", v);
		else
			json_incref(v);
		json_array_foreach(v, i, e) {
			if (json_is_object(e))
				e = json_object_get(e, "path");
			if (!json_is_string(e)) {
				cause_set(c->cause, "%s.env_file[%zu]: must be "
				    "a path", path, i);
				json_decref(v);
				goto out;
			}
			k = json_string_value(e);
			snprintf(file, sizeof(file), "%s%s%s", *k != '/' &&
			    c->dir != NULL ? c->dir : "", *k != '/' &&
			    c->dir != NULL ? "/" : "", k);
			if (compose_env_file(file, env, c->cause) == -1) {
				cause_prefix(c->cause, "%s.env_file", path);
				json_decref(v);
				goto out;
			}
		}
		json_decref(v);
	}
	if ((v = json_object_get(svc, "environment")) != NULL) {
		if (json_is_object(v)) {
			json_object_foreach(v, k, e) {
				if (json_is_null(e)) {
					if (getenv(k) != NULL)
						json_object_set_new(env, k,
						    json_string(getenv(k)));
					continue;
				}
				t = compose_text(e);
				json_object_set_new(env, k, json_string(t));
				free(t);
			}
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, e) {
				if (!json_is_string(e)) {
					cause_set(c->cause, "%s.environment"
					    "[%zu]: must be KEY=VALUE", path, i);
					goto out;
				}
				t = xstrdup(json_string_value(e));
				if ((eq = strchr(t, '=')) != NULL) {
					*eq = '\0';
					json_object_set_new(env, t,
					    json_string(eq + 1));
				} else if (getenv(t) != NULL)
					json_object_set_new(env, t,
					    json_string(getenv(t)));
				free(t);
			}
		} else {
			cause_set(c->cause, "%s.environment: must be a mapping "
			    "or a list", path);
			goto out;
		}
	}
	if (json_object_size(env) > 0)
		json_object_set(out, "env", env);
	rc = 0;
out:
	free(p);
	json_decref(env);
	return rc;
}

static int
compose_ports(json_t *v, const char *path, json_t *out, char **cause)
{
	json_t		*ports = json_array(), *e, *t, *pub;
	const char	*s, *ip, *proto;
	char		*spec;
	size_t		 i;
	int		 rc = -1;

	if (!json_is_array(v)) {
		cause_set(cause, "%s: must be a list", path);
		goto out;
	}
	json_array_foreach(v, i, e) {
		if (json_is_object(e)) {
			t = json_object_get(e, "target");
			pub = json_object_get(e, "published");
			ip = json_string_value(json_object_get(e, "host_ip"));
			proto = json_string_value(json_object_get(e,
			    "protocol"));
			if (!json_is_integer(t) || pub == NULL) {
				cause_set(cause, "%s[%zu]: target and published "
				    "are needed (berth picks no host port)",
				    path, i);
				goto out;
			}
			s = json_is_string(pub) ? json_string_value(pub) : NULL;
			if (s != NULL)
				xasprintf(&spec, "%s%s%s:%lld/%s", ip != NULL ?
				    ip : "", ip != NULL ? ":" : "", s,
				    (long long)json_integer_value(t),
				    proto != NULL ? proto : "tcp");
			else
				xasprintf(&spec, "%s%s%lld:%lld/%s", ip !=
				    NULL ? ip : "", ip != NULL ? ":" : "",
				    (long long)json_integer_value(pub),
				    (long long)json_integer_value(t),
				    proto != NULL ? proto : "tcp");
			json_array_append_new(ports, json_string(spec));
			free(spec);
			continue;
		}
		if (json_is_integer(e) || (json_is_string(e) &&
		    strchr(json_string_value(e), ':') == NULL)) {
			cause_set(cause, "%s[%zu]: a container port alone asks "
			    "for a random host port, which berth does not "
			    "pick: write HOSTPORT:PORT", path, i);
			goto out;
		}
		if (!json_is_string(e)) {
			cause_set(cause, "%s[%zu]: must be a string", path, i);
			goto out;
		}
		json_array_append(ports, e);
	}
	json_object_set(out, "ports", ports);
	rc = 0;
out:
	json_decref(ports);
	return rc;
}

/* "1m30s", "500ms", "10s" in milliseconds; -1 if not a duration. */
static long long
compose_duration(json_t *v)
{
	const char	*s = json_string_value(v);
	long long	 total = 0, n, unit;
	char		*end;

	if (json_is_integer(v))		/* compose: microseconds... as s */
		return json_integer_value(v) * 1000;
	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = strtoll(s, &end, 10);
		if (strncmp(end, "ms", 2) == 0) {
			unit = 1;
			end += 2;
		} else if (*end == 's' || *end == 'm' || *end == 'h') {
			unit = *end == 's' ? 1000 : *end == 'm' ? 60000 :
			    3600000;
			end++;
		} else
			return -1;
		total += n * unit;
		s = end;
	}
	return total;
}

static int
compose_health(json_t *v, const char *path, json_t *out, char **cause)
{
	json_t		*test, *h, *cmd = json_array(), *e;
	const char	*kind;
	long long	 interval = 30000, start = 0;
	json_int_t	 retries = 3;
	size_t		 i;
	int		 rc = -1;

	if (!json_is_object(v)) {
		cause_set(cause, "%s: must be a mapping", path);
		goto out;
	}
	if (json_is_true(json_object_get(v, "disable"))) {
		rc = 0;
		goto out;
	}
	test = json_object_get(v, "test");
	if (json_is_string(test)) {
		json_array_append_new(cmd, json_string("sh"));
		json_array_append_new(cmd, json_string("-c"));
		json_array_append(cmd, test);
	} else if (json_is_array(test) && json_array_size(test) > 0 &&
	    (kind = json_string_value(json_array_get(test, 0))) != NULL) {
		if (strcmp(kind, "NONE") == 0) {
			rc = 0;
			goto out;
		}
		if (strcmp(kind, "CMD-SHELL") == 0 &&
		    json_array_size(test) == 2) {
			json_array_append_new(cmd, json_string("sh"));
			json_array_append_new(cmd, json_string("-c"));
			json_array_append(cmd, json_array_get(test, 1));
		} else if (strcmp(kind, "CMD") == 0 &&
		    json_array_size(test) > 1) {
			json_array_foreach(test, i, e) {
				if (i > 0)
					json_array_append(cmd, e);
			}
		} else {
			cause_set(cause, "%s.test: expected [\"CMD\", ...], "
			    "[\"CMD-SHELL\", \"...\"] or [\"NONE\"]", path);
			goto out;
		}
	} else {
		cause_set(cause, "%s.test: missing", path);
		goto out;
	}
	if ((e = json_object_get(v, "interval")) != NULL &&
	    (interval = compose_duration(e)) <= 0) {
		cause_set(cause, "%s.interval: expected a duration like 5s",
		    path);
		goto out;
	}
	if ((e = json_object_get(v, "start_period")) != NULL &&
	    (start = compose_duration(e)) < 0) {
		cause_set(cause, "%s.start_period: expected a duration like "
		    "30s", path);
		goto out;
	}
	if ((e = json_object_get(v, "retries")) != NULL) {
		if (!json_is_integer(e) || json_integer_value(e) < 1) {
			cause_set(cause, "%s.retries: must be a number >= 1",
			    path);
			goto out;
		}
		retries = json_integer_value(e);
	}
	if (interval > 60000)
		interval = 60000;
	/* failures in start_period do not count: as many more tries */
	retries += start / interval;
	h = json_pack("{s:O, s:I, s:I}", "cmd", cmd, "interval_ms",
	    (json_int_t)interval, "retries", retries);
	json_object_set_new(out, "healthcheck", h);
	rc = 0;
out:
	json_decref(cmd);
	return rc;
}

/*
 * networks and depends_on: a list of names, or a mapping whose keys are
 * the names (a network's ipv4_address becomes the service's ip).
 */
static int
compose_names(json_t *v, const char *path, const char *key, json_t *out,
    char **cause)
{
	json_t		*names = json_array(), *e;
	const char	*k;
	size_t		 i;
	int		 rc = -1;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				cause_set(cause, "%s[%zu]: must be a name",
				    path, i);
				goto out;
			}
			json_array_append(names, e);
		}
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			json_array_append_new(names, json_string(k));
			if (json_is_object(e) &&
			    json_object_get(e, "ipv4_address") != NULL)
				json_object_set(out, "ip", json_object_get(e,
				    "ipv4_address"));
		}
	} else {
		cause_set(cause, "%s: must be a list or a mapping", path);
		goto out;
	}
	json_object_set(out, key, names);
	rc = 0;
out:
	json_decref(names);
	return rc;
}

static int
compose_volumes(json_t *v, const char *path, char **cause)
{
	json_t		*e;
	const char	*s;
	size_t		 i;

	if (!json_is_array(v))
		return cause_set(cause, "%s: must be a list", path);
	json_array_foreach(v, i, e) {
		s = json_is_string(e) ? json_string_value(e) :
		    json_string_value(json_object_get(e, "source"));
		if (json_is_object(e) && json_is_string(json_object_get(e,
		    "type")) && strcmp(json_string_value(json_object_get(e,
		    "type")), "volume") == 0)
			continue;
		/* a named volume: "data:/var/lib/x" */
		if (s != NULL && *s != '/' && *s != '.' && *s != '~' &&
		    strchr(s, ':') != NULL && json_is_string(e))
			continue;
		return cause_set(cause, "%s[%zu]: a bind mount (%s) is not "
		    "mapped: berth runs host programs, which see the host's "
		    "files already (remove it, or run the service with "
		    "berth run --rootfs DIR -v)", path, i, s != NULL ? s :
		    "?");
	}
	return 0;
}

static int
compose_service(struct cctx *c, const char *name, json_t *svc, json_t **outp)
{
	static const char *const ignored[] = { "expose", "stop_signal",
	    "stop_grace_period", "tty", "stdin_open", "init", "logging",
	    "pull_policy", "platform", "deploy", NULL };
	json_t		*out = json_object(), *argv = json_array(), *v, *img = NULL;
	json_t		*xb;
	const char	*k, *image = NULL;
	char		*path, *p = NULL, *t;
	size_t		 i;
	int		 rc = -1;

	xasprintf(&path, "services.%s", name);
	if (!json_is_object(svc)) {
		cause_set(c->cause, "%s: must be a mapping", path);
		goto out;
	}
	json_object_foreach(svc, k, v) {
		static const char *const known[] = { "image", "command",
		    "entrypoint", "environment", "env_file", "ports",
		    "depends_on", "healthcheck", "networks", "labels",
		    "container_name", "user", "working_dir", "restart",
		    "volumes", "x-berth", NULL };
		for (i = 0; known[i] != NULL && strcmp(k, known[i]) != 0; i++)
			;
		if (known[i] != NULL)
			continue;
		for (i = 0; ignored[i] != NULL && strcmp(k, ignored[i]) != 0;
		    i++)
			;
		if (ignored[i] != NULL || strncmp(k, "x-", 2) == 0)
			continue;
		cause_set(c->cause, "%s.%s: not supported by berth%s", path, k,
		    strcmp(k, "build") == 0 ? " (it builds no images: give "
		    "the service a command, or map its image in "
		    "x-berth.images)" : "");
		goto out;
	}
	xb = json_object_get(svc, "x-berth");
	if ((image = json_string_value(json_object_get(svc, "image"))) !=
	    NULL)
		img = json_object_get(c->images, image);
	/* argv = entrypoint + command, each from the service or the image */
#define PART(key) do { \
	free(p); \
	xasprintf(&p, "%s.%s", path, key); \
	if ((v = json_object_get(svc, key)) == NULL && img != NULL) { \
		v = json_object_get(img, key); \
		free(p); \
		xasprintf(&p, "x-berth.images.%s.%s", image, key); \
	} \
	if (v != NULL && !json_is_null(v) && \
	    compose_argv(v, p, argv, c->cause) == -1) \
		goto out; \
} while (0)
	PART("entrypoint");
	PART("command");
#undef PART
	if ((v = json_object_get(xb, "command")) != NULL) {
		json_array_clear(argv);
		if (compose_argv(v, path, argv, c->cause) == -1)
			goto out;
	}
	if (json_array_size(argv) == 0) {
		if (image != NULL)
			cause_set(c->cause, "%s.image: \"%s\" is a container "
			    "image, and berth runs host programs: map it in "
			    "x-berth.images (x-berth: {images: {\"%s\": "
			    "{command: [...]}}}), or give the service a "
			    "command", path, image, image);
		else
			cause_set(c->cause, "%s: no command (command, "
			    "entrypoint, or an image mapped in x-berth.images)",
			    path);
		goto out;
	}
	json_object_set(out, "command", argv);
	if (compose_env(c, svc, path, out) == -1)
		goto out;
#define FIELD(key) (free(p), xasprintf(&p, "%s.%s", path, key), \
	    (v = json_object_get(svc, key)) != NULL)
	if (FIELD("ports") && compose_ports(v, p, out, c->cause) == -1)
		goto out;
	if (FIELD("networks") && compose_names(v, p, "networks", out,
	    c->cause) == -1)
		goto out;
	if (FIELD("depends_on") && compose_names(v, p, "depends_on", out,
	    c->cause) == -1)
		goto out;
	if (FIELD("healthcheck") && compose_health(v, p, out, c->cause) == -1)
		goto out;
	if (FIELD("volumes") && compose_volumes(v, p, c->cause) == -1)
		goto out;
	if (FIELD("labels") && compose_labels(v, p, out, c->cause) == -1)
		goto out;
	if (FIELD("container_name"))
		json_object_set(out, "container_name", v);
	if (FIELD("user")) {
		t = compose_text(v);
		json_object_set_new(out, "user", json_string(t));
		free(t);
	}
	if (FIELD("working_dir"))
		json_object_set(out, "workdir", v);
	if (FIELD("restart"))
		json_object_set(out, "restart", v);
#undef FIELD
	/* x-berth per service, then the image's: rootfs, user, workdir, ip */
	for (i = 0; i < 4; i++) {
		static const char *const keys[] = { "rootfs", "user",
		    "workdir", "ip" };
		if ((v = json_object_get(xb, keys[i])) != NULL ||
		    (i < 3 && (v = json_object_get(img, keys[i])) != NULL &&
		    json_object_get(out, keys[i]) == NULL))
			json_object_set(out, keys[i], v);
	}
	*outp = out;
	out = NULL;
	rc = 0;
out:
	json_decref(out);
	json_decref(argv);
	free(path);
	free(p);
	return rc;
}

json_t *
compose_to_stack(json_t *root, const char *fname, char **cause)
{
	static const char *const top[] = { "version", "name", "services",
	    "networks", "volumes", NULL };
	struct cctx	 c;
	json_t		*st = NULL, *svcs, *v, *e, *out, *nets, *n;
	const char	*k, *nk;
	char		*dir = NULL, *name;
	size_t		 i;

	memset(&c, 0, sizeof(c));
	c.cause = cause;
	if (fname != NULL && strrchr(fname, '/') != NULL) {
		dir = xstrndup(fname, (size_t)(strrchr(fname, '/') - fname));
		c.dir = dir;
	}
	if (!json_is_object(root)) {
		cause_set(cause, "the top level must be a mapping");
		goto fail;
	}
	json_object_foreach(root, k, v) {
		for (i = 0; top[i] != NULL && strcmp(k, top[i]) != 0; i++)
			;
		if (top[i] == NULL && strncmp(k, "x-", 2) != 0) {
			cause_set(cause, "%s: not supported by berth", k);
			goto fail;
		}
	}
	st = json_object();
	if ((v = json_object_get(root, "name")) != NULL)
		json_object_set(st, "name", v);
	else if (fname != NULL) {
		name = compose_project_name(fname);
		json_object_set_new(st, "name", json_string(name));
		free(name);
	}
	v = json_object_get(root, "x-berth");
	if (v != NULL && !json_is_object(v)) {
		cause_set(cause, "x-berth: must be a mapping");
		goto fail;
	}
	if ((e = json_object_get(v, "pool")) != NULL)
		json_object_set(st, "pool", e);
	c.images = json_object_get(v, "images");
	if ((v = json_object_get(root, "networks")) != NULL) {
		nets = json_object();
		json_object_set_new(st, "networks", nets);
		json_object_foreach(v, nk, e) {
			n = json_object();
			json_object_set_new(nets, nk, n);
			if (e == NULL || json_is_null(e))
				continue;
			if (json_is_true(json_object_get(e, "external"))) {
				cause_set(cause, "networks.%s.external: not "
				    "mapped (a stack's networks are its own; "
				    "berth net create and berth run --net join "
				    "others)", nk);
				goto fail;
			}
			if (json_object_get(e, "driver") != NULL &&
			    (!json_is_string(json_object_get(e, "driver")) ||
			    strcmp(json_string_value(json_object_get(e,
			    "driver")), "bridge") != 0)) {
				cause_set(cause, "networks.%s.driver: only "
				    "bridge is mapped", nk);
				goto fail;
			}
			if (json_object_get(e, "internal") != NULL)
				json_object_set(n, "internal",
				    json_object_get(e, "internal"));
		}
	}
	if (!json_is_object(svcs = json_object_get(root, "services"))) {
		cause_set(cause, "services: %s", svcs == NULL ? "missing" :
		    "must be a mapping");
		goto fail;
	}
	out = json_object();
	json_object_set_new(st, "services", out);
	json_object_foreach(svcs, k, v) {
		if (compose_service(&c, k, v, &e) == -1)
			goto fail;
		json_object_set_new(out, k, e);
	}
	free(dir);
	return st;
fail:
	free(dir);
	json_decref(st);
	return NULL;
}
