/* SPDX-License-Identifier: ISC */
/*
 * cmd_ps.c - the verbs that look at containers: ps, inspect, port, logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "port.h"
#include "util.h"
#include "xmalloc.h"

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "all", no_argument, NULL, 'a' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "format", required_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 }
};

/*
 * A string from netd made safe for a terminal: control characters (C0,
 * DEL, and C1 as UTF-8) become \xNN, a backslash \\, so an ESC in a
 * stored command cannot drive the terminal of whoever runs ps.
 */
static char *
ps_vis(const char *in)
{
	const unsigned char	*p = (const unsigned char *)in;
	char			*out = xcalloc(4, strlen(in) + 1), *o = out;

	for (; *p != '\0'; p++) {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			o += sprintf(o, "\\x%02x", p[1]);
			p++;
		} else if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\x%02x", *p);
		else if (*p == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

/*
 * --format TEMPLATE for a list: "table " prints a header first; "json"
 * alone is one JSON object per line, as docker does.
 */
static int
ps_format(json_t *list, const char *tmpl, char **cause)
{
	json_t	*c;
	size_t	 i;
	int	 table = 0;

	if (strcmp(tmpl, "json") == 0)
		tmpl = "{{json .}}";
	if (strncmp(tmpl, "table ", 6) == 0) {
		tmpl += 6;
		table = 1;
	}
	if (format_check(tmpl, cause) == -1)
		return -1;
	if (table)
		format_header(stdout, tmpl);
	json_array_foreach(list, i, c) {
		if (format_render(stdout, tmpl, c, cause) == -1)
			return -1;
		putchar('\n');
	}
	return 0;
}

/* One line of text for a vector of strings, joined by sep. */
static char *
ps_join(const char *const *strs, const char *sep, size_t max)
{
	size_t		 i, len = 0, n;
	char		*s = xcalloc(1, max + 4), *v;

	for (i = 0; strs[i] != NULL; i++) {
		v = ps_vis(strs[i]);
		n = strlen(v);
		if (len + n + strlen(sep) > max) {
			memcpy(s + len, "...", 4);
			free(v);
			break;
		}
		len += (size_t)snprintf(s + len, max + 4 - len, "%s%s",
		    i > 0 ? sep : "", v);
		free(v);
	}
	return s;
}

/* The PORTS column: the container's port specifications. */
static char *
ps_ports(const struct ctrview *v)
{
	const struct ctr_spec	*s = &v->info.spec;
	char			(*buf)[PORTSPEC_STRLEN], *out;
	const char		**strs;
	size_t			 i;

	buf = xcalloc(s->nports + 1, sizeof(*buf));
	strs = xcalloc(s->nports + 1, sizeof(*strs));
	for (i = 0; i < s->nports; i++)
		strs[i] = portspec_fmt(&s->ports[i], buf[i]);
	out = ps_join(strs, ",", 28);
	free(strs);
	free(buf);
	return out;
}

/*
 * The table: from the brief list (ctr_brief_parse), which carries just
 * its columns and what settles a state; --json and --format print
 * netd's whole object.
 */
static int
ps_table(int all)
{
	struct ctrviews	 vs;
	struct ctrview	*v;
	char		*cause = NULL, *ports, *cmd;
	size_t		 i;

	if (ctrviews_list_brief(&vs, &cause) == -1) {
		cli_error("ps", "%s", cause);
		free(cause);
		return 1;
	}
	printf("%-24s %-15s %-12s %-28s %s\n", "NAME", "ADDRESS", "STATE",
	    "PORTS", "COMMAND");
	for (i = 0; i < vs.n; i++) {
		v = &vs.v[i];
		if (ctrview_settle(v) != CTR_RUNNING && !all)
			continue;
		ports = ps_ports(v);
		cmd = ps_join(v->meta.command, " ", 40);
		printf("%-24s %-15s %-12s %-28s %s\n", v->name, v->ip,
		    v->status, ports, cmd);
		free(ports);
		free(cmd);
	}
	ctrviews_clear(&vs);
	return 0;
}

int
cmd_ps(int argc, char **argv)
{
	struct ctrviews	 vs;
	struct ctrview	*v;
	json_t		*out;
	char		*cause = NULL;
	const char	*fmt = NULL;
	int		 ch, all = 0, json = 0, quiet = 0, rc = 1;
	size_t		 i;

	memset(&vs, 0, sizeof(vs));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "aq", json_opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'F':
			fmt = optarg;
			break;
		case 'J':
			json = 1;
			break;
		default:
			return cli_usage("ps");
		}
	}
	if (optind != argc)
		return cli_usage("ps");
	if (quiet)
		fmt = "{{.name}}";
	if (fmt == NULL && !json) {
		rc = ps_table(all);
		goto out;
	}
	if (ctrviews_list(&vs, &cause) == -1) {
		cli_error("ps", "%s", cause);
		goto out;
	}
	out = json_array();
	for (i = 0; i < vs.n; i++) {
		v = &vs.v[i];
		if (ctrview_settle(v) == CTR_RUNNING || all)
			json_array_append(out, v->obj);
	}
	if (fmt != NULL) {
		if (ps_format(out, fmt, &cause) == -1)
			cli_error("ps", "%s", cause);
		else
			rc = 0;
	} else {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		rc = 0;
	}
	json_decref(out);
out:
	ctrviews_clear(&vs);
	free(cause);
	return rc;
}

int
cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctrview	 v;
	json_t		*out;
	char		*cause = NULL;
	const char	*fmt = NULL;
	int		 ch, i, rc = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage("inspect");
		fmt = optarg;
	}
	if (optind >= argc)
		return cli_usage("inspect");
	if (fmt != NULL && format_check(fmt, &cause) == -1) {
		cli_error("inspect", "%s", cause);
		free(cause);
		return 1;
	}
	out = json_array();
	for (i = optind; i < argc; i++) {
		if (client_inspect(argv[i], &v, &cause) == -1) {
			cli_error("inspect", "%s", cause);
			rc = 1;
			continue;
		}
		ctrview_settle(&v);
		if (fmt != NULL) {
			format_render(stdout, fmt, v.obj, NULL);
			putchar('\n');
		}
		json_array_append(out, v.obj);
		ctrview_clear(&v);
	}
	if (fmt == NULL && json_array_size(out) > 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(out);
	free(cause);
	return rc;
}

/* "80", "80/tcp", "53/udp". */
static int
port_want(const char *s, unsigned long *port, int *proto)
{
	char	*p = xstrdup(s), *slash;
	int	 rc = -1;

	if ((slash = strchr(p, '/')) != NULL) {
		*slash++ = '\0';
		if (strcmp(slash, "tcp") == 0)
			*proto = PORT_TCP;
		else if (strcmp(slash, "udp") == 0)
			*proto = PORT_UDP;
		else
			goto out;
	}
	if (util_parse_uint(p, 65535, port) == -1 || *port == 0)
		goto out;
	rc = 0;
out:
	free(p);
	return rc;
}

int
cmd_port(int argc, char **argv)
{
	struct ctrview	 v;
	const struct portspec *ps;
	json_t		*ports;
	char		*cause = NULL, host[ADDR_STRLEN];
	unsigned long	 want = 0;
	int		 ch, json = 0, wproto = -1, found = 0;
	size_t		 i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", json_opts, NULL)) != -1) {
		if (ch != 'J')
			return cli_usage("port");
		json = 1;
	}
	if (optind != argc - 1 && optind != argc - 2)
		return cli_usage("port");
	if (optind == argc - 2 && port_want(argv[argc - 1], &want, &wproto) ==
	    -1) {
		cli_error("port", "%.40s: expected PORT[/tcp|udp]",
		    argv[argc - 1]);
		return 1;
	}
	if (client_inspect(argv[optind], &v, &cause) == -1) {
		cli_error("port", "%s", cause);
		free(cause);
		return 1;
	}
	if (json) {
		ports = ctrview_ports(&v);
		json_dumpf(ports, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(ports);
		ctrview_clear(&v);
		return 0;
	}
	/* One line per mapping, docker's way: CTR/PROTO -> HOST:PORT. */
	for (i = 0; i < v.info.spec.nports; i++) {
		ps = &v.info.spec.ports[i];
		addr_fmt(ps->host_addr, host);
		if (want != 0) {
			/* docker port NAME PORT: the host side only */
			if (want < ps->ctr_lo || want > ps->ctr_hi ||
			    (wproto != -1 && wproto != (int)ps->proto) ||
			    (wproto == -1 && ps->proto != PORT_TCP))
				continue;
			printf("%s:%lu\n", host, ps->host_lo + (want -
			    ps->ctr_lo));
			found = 1;
			continue;
		}
		if (ps->host_lo == ps->host_hi)
			printf("%u/%s -> %s:%u\n", ps->ctr_lo,
			    port_proto_name(ps->proto), host, ps->host_lo);
		else
			printf("%u-%u/%s -> %s:%u-%u\n", ps->ctr_lo,
			    ps->ctr_hi, port_proto_name(ps->proto), host,
			    ps->host_lo, ps->host_hi);
	}
	ctrview_clear(&v);
	if (want != 0 && !found) {
		cli_error("port", "%s: no public port %s published",
		    argv[optind], argv[argc - 1]);
		return 1;
	}
	return 0;
}

int
cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "tail", required_argument, NULL, 'n' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "since", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct logs_view v;
	struct ctrview	 c;
	char		*cause = NULL, *path = NULL, buf[65536];
	int		 ch, follow = 0, fd = -1, rc = 1, idle = 0;
	unsigned long	 tail = 0;
	int		 tail_set = 0;
	ssize_t		 n;

	memset(&v, 0, sizeof(v));
	memset(&c, 0, sizeof(c));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "fn:t", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			follow = 1;
			break;
		case 'n':
			if (strcmp(optarg, "all") == 0)
				break;
			if (util_parse_uint(optarg, 100000000, &tail) == -1) {
				cli_error("logs", "--tail %.20s: expected a "
				    "number of lines or \"all\"", optarg);
				return 1;
			}
			tail_set = 1;
			break;
		case 't':
			v.stamps = 1;
			break;
		case 'S':
			if (logs_parse_since(optarg, &v.since_ms, &cause) ==
			    -1) {
				cli_error("logs", "%s", cause);
				free(cause);
				return 1;
			}
			break;
		default:
			return cli_usage("logs");
		}
	}
	if (optind != argc - 1)
		return cli_usage("logs");
	if (client_inspect(argv[optind], &c, &cause) == -1) {
		cli_error("logs", "%s", cause);
		goto out;
	}
	path = client_log_path(c.name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {	/* nothing written yet */
			rc = 0;
			goto out;
		}
		cli_error("logs", "%s: %s", path, strerror(errno));
		goto out;
	}
	if (logs_view_open(&v, path, fd, tail_set ? (long)tail : -1) == -1) {
		cli_error("logs", "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			if (logs_view_put(&v, buf, (size_t)n) == -1)
				goto done;
			idle = 0;
		}
		if (!follow)
			break;
		fflush(stdout);
		/* Follow until the container's process is gone. */
		if (++idle % 10 == 0 && !ctrview_alive(&c))
			break;
		usleep(100000);
	}
done:
	logs_view_close(&v);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	ctrview_clear(&c);
	free(path);
	free(cause);
	return rc;
}
