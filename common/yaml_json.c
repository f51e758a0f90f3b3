/* SPDX-License-Identifier: ISC */
/*
 * yaml_json.c - a YAML document as the JSON value the stack parser reads.
 *
 * DOC: YAML stack files
 * libyaml's parser yields events; they are built into a jansson value
 * the way JSON would have given it, so a YAML stack file goes through
 * exactly the checks a JSON one does (common/stack.c). Scalars follow
 * YAML 1.2's core schema: quoted ones are strings; plain ones are null
 * (null, ~, nothing), booleans (true/false in any case), integers
 * (decimal, 0x, 0o), floats, else strings. Anchors and aliases work
 * (an alias is a copy of the anchored value), and so does the merge key
 * "<<" (one mapping or a list of them; keys already set win). Duplicate
 * keys are refused, as they are in JSON stack files. One document only.
 *
 * For messages, every value's path in the stack parser's own syntax
 * ("services.web.ports[1]") is recorded with its line, and
 * yaml_json_line() finds the line of the longest path that starts a
 * message: "line 12: services.web.ports[1]: ...".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <yaml.h>

#include "util.h"
#include "xmalloc.h"
#include "yaml_json.h"

#define YAML_MAX_DEPTH	64
#define YAML_MAX_ANCHORS 1024

struct yctx {
	yaml_parser_t	 p;
	json_t		*lines;		/* path -> line */
	json_t		*anchors;	/* name -> value */
	size_t		 nalias;	/* alias expansions, bounded */
	char		**cause;
};

static int	 yj_node(struct yctx *, yaml_event_t *, const char *path,
		    int depth, json_t **out);

static int
yj_next(struct yctx *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->p, ev))
		return cause_set(y->cause, "line %zu column %zu: %s%s%s",
		    y->p.problem_mark.line + 1, y->p.problem_mark.column + 1,
		    y->p.problem != NULL ? y->p.problem : "not valid YAML",
		    y->p.context != NULL ? " " : "",
		    y->p.context != NULL ? y->p.context : "");
	return 0;
}

static void
yj_mark(struct yctx *y, const char *path, const yaml_event_t *ev)
{
	if (*path != '\0' && json_object_get(y->lines, path) == NULL)
		json_object_set_new(y->lines, path,
		    json_integer((json_int_t)ev->start_mark.line + 1));
}

static int
yj_is_int(const char *s, json_int_t *out)
{
	char		*end;
	long long	 v;
	int		 base = 10;
	const char	*p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
		base = p[1] == 'x' ? 16 : 8;
		if (p != s)
			return 0;
		p += 2;
	}
	if (!isdigit((unsigned char)*p) && !(base == 16 &&
	    isxdigit((unsigned char)*p)))
		return 0;
	errno = 0;
	v = strtoll(base == 10 ? s : p, &end, base);
	if (*end != '\0' || errno != 0)
		return 0;
	*out = (json_int_t)v;
	return 1;
}

static json_t *
yj_scalar(const yaml_event_t *ev)
{
	const char	*s = (const char *)ev->data.scalar.value;
	size_t		 len = ev->data.scalar.length;
	json_int_t	 i;
	char		*end;
	double		 d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (ev->data.scalar.tag != NULL && strcmp((const char *)
	    ev->data.scalar.tag, YAML_STR_TAG) == 0))
		return json_stringn(s, len);
	if (len == 0 || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0)
		return json_null();
	if (strcasecmp(s, "true") == 0)
		return json_true();
	if (strcasecmp(s, "false") == 0)
		return json_false();
	if (yj_is_int(s, &i))
		return json_integer(i);
	if (strpbrk(s, ".eE") != NULL && (isdigit((unsigned char)s[0]) ||
	    ((s[0] == '-' || s[0] == '.') && isdigit((unsigned char)s[1])))) {
		errno = 0;
		d = strtod(s, &end);
		if (*end == '\0' && errno == 0)
			return json_real(d);
	}
	return json_stringn(s, len);
}

static void
yj_anchor(struct yctx *y, const yaml_char_t *anchor, json_t *v)
{
	if (anchor != NULL && json_object_size(y->anchors) <
	    YAML_MAX_ANCHORS)
		json_object_set(y->anchors, (const char *)anchor, v);
}

/* "<<": merge a mapping (or a list of them) under keys not yet set. */
static int
yj_merge(struct yctx *y, json_t *obj, json_t *src, size_t line)
{
	const char	*k;
	json_t		*v, *e;
	size_t		 i;

	if (json_is_array(src)) {
		json_array_foreach(src, i, e) {
			if (yj_merge(y, obj, e, line) == -1)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(src))
		return cause_set(y->cause, "line %zu: \"<<\" wants a mapping "
		    "(or a list of them)", line);
	json_object_foreach(src, k, v) {
		if (json_object_get(obj, k) == NULL)
			json_object_set(obj, k, v);
	}
	return 0;
}

static int
yj_mapping(struct yctx *y, yaml_event_t *start, const char *path,
    int depth, json_t **out)
{
	yaml_event_t	 ev;
	json_t		*obj = json_object(), *v = NULL;
	json_t		*merges = json_array();
	char		*key = NULL, *sub = NULL;
	size_t		 line, i;
	int		 rc = -1;

	for (;;) {
		if (yj_next(y, &ev) == -1)
			goto out;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		line = ev.start_mark.line + 1;
		if (ev.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&ev);
			cause_set(y->cause, "line %zu: %s%sa key must be a "
			    "string", line, path, *path != '\0' ? ": " : "");
			goto out;
		}
		free(key);
		key = xstrndup((const char *)ev.data.scalar.value,
		    ev.data.scalar.length);
		yaml_event_delete(&ev);
		free(sub);
		if (*path == '\0')
			sub = xstrdup(key);
		else
			xasprintf(&sub, "%s.%s", path, key);
		if (yj_next(y, &ev) == -1)
			goto out;
		if (yj_node(y, &ev, strcmp(key, "<<") == 0 ? path : sub,
		    depth + 1, &v) == -1)
			goto out;
		if (strcmp(key, "<<") == 0) {
			json_array_append_new(merges, json_pack("[o, I]", v,
			    (json_int_t)line));
			v = NULL;
			continue;
		}
		if (json_object_get(obj, key) != NULL) {
			cause_set(y->cause, "line %zu: %s: duplicate key", line,
			    sub);
			goto out;
		}
		json_object_set_new(obj, key, v);
		v = NULL;
	}
	json_array_foreach(merges, i, v) {
		if (yj_merge(y, obj, json_array_get(v, 0), (size_t)
		    json_integer_value(json_array_get(v, 1))) == -1) {
			v = NULL;
			goto out;
		}
	}
	v = NULL;
	yj_anchor(y, start->data.mapping_start.anchor, obj);
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	json_decref(v);
	json_decref(obj);
	json_decref(merges);
	free(key);
	free(sub);
	return rc;
}

static int
yj_sequence(struct yctx *y, yaml_event_t *start, const char *path,
    int depth, json_t **out)
{
	yaml_event_t	 ev;
	json_t		*arr = json_array(), *v;
	char		*sub;

	for (;;) {
		if (yj_next(y, &ev) == -1)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		xasprintf(&sub, "%s[%zu]", path, json_array_size(arr));
		if (yj_node(y, &ev, sub, depth + 1, &v) == -1) {
			free(sub);
			goto fail;
		}
		free(sub);
		json_array_append_new(arr, v);
	}
	yj_anchor(y, start->data.sequence_start.anchor, arr);
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return -1;
}

/* Build the value that starts with ev (which this consumes). */
static int
yj_node(struct yctx *y, yaml_event_t *ev, const char *path, int depth,
    json_t **out)
{
	json_t	*v;
	int	 rc = -1;

	*out = NULL;
	yj_mark(y, path, ev);
	if (depth > YAML_MAX_DEPTH) {
		cause_set(y->cause, "line %zu: nested more than %d deep",
		    ev->start_mark.line + 1, YAML_MAX_DEPTH);
		goto out;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = yj_scalar(ev);
		yj_anchor(y, ev->data.scalar.anchor, *out);
		rc = 0;
		break;
	case YAML_ALIAS_EVENT:
		v = json_object_get(y->anchors,
		    (const char *)ev->data.alias.anchor);
		if (v == NULL) {
			cause_set(y->cause, "line %zu: no anchor \"&%s\"",
			    ev->start_mark.line + 1,
			    (const char *)ev->data.alias.anchor);
			break;
		}
		/* a billion laughs is refused, not expanded */
		if (++y->nalias > 10000) {
			cause_set(y->cause, "line %zu: too many aliases",
			    ev->start_mark.line + 1);
			break;
		}
		*out = json_deep_copy(v);
		rc = 0;
		break;
	case YAML_MAPPING_START_EVENT:
		rc = yj_mapping(y, ev, path, depth, out);
		break;
	case YAML_SEQUENCE_START_EVENT:
		rc = yj_sequence(y, ev, path, depth, out);
		break;
	default:
		cause_set(y->cause, "line %zu: unexpected YAML event",
		    ev->start_mark.line + 1);
		break;
	}
out:
	yaml_event_delete(ev);
	return rc;
}

json_t *
yaml_json_load(const char *text, size_t len, json_t **lines, char **cause)
{
	struct yctx	 y;
	yaml_event_t	 ev;
	json_t		*root = NULL;
	int		 done = 0;

	memset(&y, 0, sizeof(y));
	y.cause = cause;
	y.lines = json_object();
	y.anchors = json_object();
	if (!yaml_parser_initialize(&y.p)) {
		cause_set(cause, "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	while (!done) {
		if (yj_next(&y, &ev) == -1)
			goto fail;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&ev);
			break;
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(&ev);
			if (root != NULL) {
				cause_set(cause, "line %zu: one YAML document "
				    "only", y.p.mark.line + 1);
				goto fail;
			}
			if (yj_next(&y, &ev) == -1 ||
			    yj_node(&y, &ev, "", 0, &root) == -1)
				goto fail;
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			done = 1;
			break;
		default:
			yaml_event_delete(&ev);
			cause_set(cause, "not a YAML document");
			goto fail;
		}
	}
	if (root == NULL) {
		cause_set(cause, "an empty YAML file");
		goto fail;
	}
	goto out;
fail:
	json_decref(root);
	root = NULL;
out:
	yaml_parser_delete(&y.p);
	json_decref(y.anchors);
	if (root != NULL && lines != NULL)
		*lines = y.lines;
	else
		json_decref(y.lines);
	return root;
}

/*
 * The line of the longest recorded path that msg starts with (paths end
 * at ':', '.' or '['), or 0.
 */
size_t
yaml_json_line(json_t *lines, const char *msg)
{
	const char	*k;
	json_t		*v;
	size_t		 best = 0, bestlen = 0, n;

	json_object_foreach(lines, k, v) {
		n = strlen(k);
		if (n <= bestlen || strncmp(msg, k, n) != 0 ||
		    (msg[n] != ':' && msg[n] != '.' && msg[n] != '[' &&
		    msg[n] != '\0'))
			continue;
		best = (size_t)json_integer_value(v);
		bestlen = n;
	}
	return best;
}
