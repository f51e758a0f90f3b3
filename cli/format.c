/* SPDX-License-Identifier: ISC */
/*
 * format.c - the small part of Go's text/template that docker users type:
 * inspect -f '{{.ip}}', ps --format 'table {{.Names}}\t{{.Status}}'.
 *
 * DOC: what a template may contain
 * Text, "\t" and "\n" (as two characters, the way a shell passes them),
 * and actions: {{.}} (the whole object as JSON), {{.a.b}} (a field,
 * nested), {{json .a}} (a field as JSON), {{upper .a}}, {{lower .a}}.
 * Field names match the container's JSON keys case-insensitively, and a
 * few of docker's names are accepted for ours (Names, ID, IPAddress,
 * NetworkSettings.IPAddress, Status, Command...). A missing field prints
 * "<no value>", as Go does. Anything else ({{if}}, {{range}}, pipes) is
 * refused with the action named, never printed as if it had worked.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "util.h"
#include "xmalloc.h"

/* docker's field names (lower case) for the keys berth uses. */
static const struct {
	const char	*docker;
	const char	*berth;
} format_alias[] = {
	{ "names", "name" },
	{ "id", "name" },
	{ "ipaddress", "ip" },
	{ "networksettings.ipaddress", "ip" },
	{ "networksettings.networks", "networks" },
	{ "networksettings.ports", "ports" },
	{ "state.status", "state" },
	{ "state.pid", "pid" },
	{ "state.exitcode", "exit_code" },
	{ "config.cmd", "meta.command" },
	{ "config.env", "meta.env" },
	{ "config.hostname", "meta.hostname" },
	{ "command", "meta.command" },
	{ "hostconfig.restartpolicy.name", "meta.restart" },
	{ "image", "meta.rootfs" },
	{ "labels", "labels" },
};

static json_t *
format_key(json_t *obj, const char *key, size_t len)
{
	const char	*k;
	json_t		*v;

	if (!json_is_object(obj))
		return NULL;
	json_object_foreach(obj, k, v) {
		if (strlen(k) == len && strncasecmp(k, key, len) == 0)
			return v;
	}
	return NULL;
}

/* Follow a dotted path ("a.b.c") through objects. */
static json_t *
format_path(json_t *obj, const char *path)
{
	const char	*p = path, *dot;
	size_t		 i;

	for (i = 0; i < nitems(format_alias); i++) {
		if (strcasecmp(path, format_alias[i].docker) == 0) {
			p = format_alias[i].berth;
			break;
		}
	}
	while (obj != NULL && *p != '\0') {
		dot = strchr(p, '.');
		obj = format_key(obj, p, dot != NULL ? (size_t)(dot - p) :
		    strlen(p));
		p = dot != NULL ? dot + 1 : p + strlen(p);
	}
	return obj;
}

/* A value the way Go prints it: strings bare, arrays [a b]. */
static void
format_value(FILE *f, json_t *v)
{
	json_t	*e;
	char	*s;
	size_t	 i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		fputs(json_string_value(v), f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("<nil>", f);
		break;
	case JSON_ARRAY:
		fputc('[', f);
		json_array_foreach(v, i, e) {
			if (i > 0)
				fputc(' ', f);
			format_value(f, e);
		}
		fputc(']', f);
		break;
	default:
		s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		fputs(s != NULL ? s : "", f);
		free(s);
		break;
	}
}

/* One action's text (between the braces, trimmed). */
static int
format_action(FILE *f, const char *act, json_t *obj, char **cause)
{
	json_t		*v;
	char		*s;
	const char	*fn = NULL, *arg = act;
	int		 lower = 0;

	if (strncmp(act, "json ", 5) == 0 || strncmp(act, "upper ", 6) == 0 ||
	    strncmp(act, "lower ", 6) == 0) {
		fn = act;
		arg = strchr(act, ' ') + 1;
		while (*arg == ' ')
			arg++;
	}
	if (*arg != '.' || strpbrk(arg, " |()$") != NULL)
		return cause_set(cause, "template: {{%s}}: only {{.field}}, "
		    "{{.a.b}}, {{json .field}}, {{upper|lower .field}} are "
		    "understood", act);
	v = arg[1] == '\0' ? obj : format_path(obj, arg + 1);
	if (fn != NULL && strncmp(fn, "json", 4) == 0) {
		s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_SORT_KEYS) : NULL;
		fputs(s != NULL ? s : "null", f);
		free(s);
		return 0;
	}
	if (v == NULL) {
		fputs("<no value>", f);
		return 0;
	}
	if (fn == NULL) {
		if (v == obj) {
			s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
			fputs(s != NULL ? s : "", f);
			free(s);
		} else
			format_value(f, v);
		return 0;
	}
	lower = fn[0] == 'l';
	s = NULL;
	if (json_is_string(v)) {
		s = xstrdup(json_string_value(v));
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s == NULL)
			s = xstrdup("");
	}
	for (char *p = s; *p != '\0'; p++)
		*p = (char)(lower ? tolower((unsigned char)*p) :
		    toupper((unsigned char)*p));
	fputs(s, f);
	free(s);
	return 0;
}

/*
 * Render tmpl for obj onto f. Rendered into memory first: a bad
 * template prints nothing.
 */
int
format_render(FILE *f, const char *tmpl, json_t *obj, char **cause)
{
	const char	*p, *end;
	char		*act, *a, *z, *buf = NULL;
	size_t		 len = 0;
	FILE		*m;
	int		 rc = -1;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return cause_set(cause, "template: out of memory");
	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			fputc(p[1] == 't' ? '\t' : '\n', m);
			p++;
			continue;
		}
		if (p[0] != '{' || p[1] != '{') {
			fputc(*p, m);
			continue;
		}
		if ((end = strstr(p + 2, "}}")) == NULL) {
			cause_set(cause, "template: unclosed \"{{\" at offset "
			    "%zu", (size_t)(p - tmpl));
			goto out;
		}
		act = xstrndup(p + 2, (size_t)(end - p - 2));
		for (a = act; *a == ' ' || *a == '-'; a++)
			;
		z = a + strlen(a);
		while (z > a && (z[-1] == ' ' || z[-1] == '-'))
			*--z = '\0';
		if (format_action(m, a, obj, cause) == -1) {
			free(act);
			goto out;
		}
		free(act);
		p = end + 1;
	}
	rc = 0;
out:
	fclose(m);
	if (rc == 0)
		fwrite(buf, 1, len, f);
	free(buf);
	return rc;
}

/* Is tmpl one we understand? (A list may be empty.) */
int
format_check(const char *tmpl, char **cause)
{
	json_t	*empty = json_object();
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*m;
	int	 rc;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return cause_set(cause, "template: out of memory");
	rc = format_render(m, tmpl, empty, cause);
	fclose(m);
	free(buf);
	json_decref(empty);
	return rc;
}

/* A template's header for "table ...": each action's field, upper case. */
void
format_header(FILE *f, const char *tmpl)
{
	const char	*p, *end, *q;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			fputc(p[1] == 't' ? '\t' : '\n', f);
			p++;
			continue;
		}
		if (p[0] != '{' || p[1] != '{' ||
		    (end = strstr(p + 2, "}}")) == NULL) {
			fputc(*p, f);
			continue;
		}
		q = end;
		while (q > p + 2 && q[-1] == ' ')
			q--;
		while (q > p + 2 && q[-1] != '.' && q[-1] != ' ')
			q--;
		for (; q < end && *q != ' ' && *q != '}'; q++)
			fputc(toupper((unsigned char)*q), f);
		p = end + 1;
	}
	fputc('\n', f);
}
