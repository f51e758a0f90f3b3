/* SPDX-License-Identifier: ISC */
/*
 * cmd_matrix.c - berth matrix: the reachability truth table, expected
 * (from netd's evaluator, as `policy explain`) against observed (real
 * TCP probes).
 *
 * DOC: how the probes run
 * Sources are the containers (of one stack with -f or --stack) and the
 * host;
 * destinations are each container's TCP ports: those given with -p,
 * the container side of its published ports, and (Linux) the sockets
 * listening on its address in /proc/net/tcp; plus, with --outside, one
 * address outside the pool. A probe from a container is a TCP connect
 * from a socket bound to the container's address, which is exactly what
 * the interposer makes of a connect inside the container: the packets
 * take the container's path through netd's router (or the kernel's, for
 * the outside). All probes run at once (at most MATRIX_INFLIGHT open
 * sockets) with one timeout: connected = allow, refused at once (RST,
 * ICMP) = reject, nothing before the timeout = drop. A mismatch is
 * marked, and makes the exit status 1, so an experiment is also a test.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "port.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"

/* SYNs in flight: a burst beyond a tun's queue (500) would be lost. */
#define MATRIX_INFLIGHT		256
#define MATRIX_TIMEOUT_MS	400
#define MATRIX_MAX_PORTS	64

enum { M_ALLOW, M_REJECT, M_DROP, M_NONE };
static const char *const matrix_names[] = { "allow", "reject", "drop",
    "?" };
static const char matrix_letters[] = "ARD?";

struct mdst {
	const char	*name;		/* container, or "outside" */
	uint32_t	 addr;
	uint16_t	 port;
};

struct msrc {
	const char	*name;		/* container, or "host" */
	uint32_t	 addr;		/* 0: the host, no bind */
};

struct mprobe {
	size_t		 s, d;
	int		 fd;
	int		 expected, observed;
	const char	*why;
};

static int
matrix_expected(const char *name)
{
	size_t	 i;

	for (i = 0; i < M_NONE; i++)
		if (name != NULL && strcmp(name, matrix_names[i]) == 0)
			return (int)i;
	return M_NONE;
}

/* Sockets listening on a, from /proc/net/tcp; none where it is absent. */
static size_t
matrix_listening(uint32_t a, uint16_t *out, size_t max)
{
	FILE		*f;
	char		 line[512];
	unsigned int	 la, lp, st;
	size_t		 n = 0;

	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		if (sscanf(line, " %*u: %8X:%4X %*8X:%*4X %2X", &la, &lp,
		    &st) != 3 || st != 0x0A)
			continue;
		if (ntohl(la) == a)
			out[n++] = (uint16_t)lp;
	}
	fclose(f);
	return n;
}

static void
matrix_add_port(struct mdst **d, size_t *nd, const char *name, uint32_t a,
    uint16_t port)
{
	size_t	 i;

	for (i = 0; i < *nd; i++)
		if ((*d)[i].addr == a && (*d)[i].port == port)
			return;
	*d = xreallocarray(*d, *nd + 1, sizeof(**d));
	(*d)[*nd].name = name;
	(*d)[*nd].addr = a;
	(*d)[(*nd)++].port = port;
}

/* Start a nonblocking connect; observed is set when it ends at once. */
static void
matrix_start(struct mprobe *p, const struct msrc *s, const struct mdst *d)
{
	struct sockaddr_in	 sin;
	struct linger		 l = { 1, 0 };

	p->fd = -1;
	if ((p->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		p->observed = M_NONE;
		return;
	}
	(void)fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	/* Close with a RST: no TIME_WAIT left behind by a thousand probes. */
	(void)setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (s->addr != 0) {
		sin.sin_addr.s_addr = htonl(s->addr);
		if (bind(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			p->observed = M_NONE;
			goto done;
		}
	}
	sin.sin_addr.s_addr = htonl(d->addr);
	sin.sin_port = htons(d->port);
	if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		p->observed = M_ALLOW;
		goto done;
	}
	if (errno == EINPROGRESS)
		return;
	p->observed = M_REJECT;
done:
	close(p->fd);
	p->fd = -1;
}

static void
matrix_finish(struct mprobe *p)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	(void)getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	p->observed = err == 0 ? M_ALLOW : M_REJECT;
	close(p->fd);
	p->fd = -1;
}

/* Run every probe; at most MATRIX_INFLIGHT at once. */
static void
matrix_probe(struct mprobe *pr, size_t n, const struct msrc *s,
    const struct mdst *d, int timeout_ms)
{
	struct pollfd	*pfd;
	size_t		*idx, next = 0, live, i, k;
	long long	*started, now;

	pfd = xcalloc(MATRIX_INFLIGHT, sizeof(*pfd));
	idx = xcalloc(MATRIX_INFLIGHT, sizeof(*idx));
	started = xcalloc(n + 1, sizeof(*started));
	for (;;) {
		live = 0;
		now = util_now_ms();
		/* Collect what is in flight, timing out the old ones. */
		for (i = 0; i < next; i++) {
			if (pr[i].fd == -1)
				continue;
			if (now - started[i] >= timeout_ms) {
				pr[i].observed = M_DROP;
				close(pr[i].fd);
				pr[i].fd = -1;
				continue;
			}
			if (live < MATRIX_INFLIGHT) {
				pfd[live].fd = pr[i].fd;
				pfd[live].events = POLLOUT;
				idx[live++] = i;
			}
		}
		while (next < n && live < MATRIX_INFLIGHT) {
			started[next] = util_now_ms();
			matrix_start(&pr[next], &s[pr[next].s], &d[pr[next].d]);
			if (pr[next].fd != -1) {
				pfd[live].fd = pr[next].fd;
				pfd[live].events = POLLOUT;
				idx[live++] = next;
			}
			next++;
		}
		if (live == 0 && next == n)
			break;
		if (poll(pfd, live, 20) == -1 && errno != EINTR)
			break;
		for (k = 0; k < live; k++)
			if (pfd[k].revents != 0)
				matrix_finish(&pr[idx[k]]);
	}
	free(pfd);
	free(idx);
	free(started);
}

static void
matrix_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <
	    MATRIX_INFLIGHT + 64 && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < MATRIX_INFLIGHT + 64 ?
		    rl.rlim_max : MATRIX_INFLIGHT + 64;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
matrix_print(const struct mprobe *pr, size_t n, const struct msrc *s,
    size_t ns, const struct mdst *d, size_t nd)
{
	char	 col[96], cell[16];
	size_t	 i, j, k;

	printf("%-20s", "FROM \\ TO");
	for (j = 0; j < nd; j++) {
		snprintf(col, sizeof(col), "%s:%u", d[j].name, d[j].port);
		printf(" %-*s", (int)(strlen(col) > 8 ? strlen(col) : 8), col);
	}
	printf("\n");
	for (i = 0; i < ns; i++) {
		printf("%-20s", s[i].name);
		for (j = 0; j < nd; j++) {
			snprintf(col, sizeof(col), "%s:%u", d[j].name,
			    d[j].port);
			cell[0] = '\0';
			for (k = 0; k < n; k++) {
				if (pr[k].s != i || pr[k].d != j)
					continue;
				if (pr[k].observed == pr[k].expected)
					snprintf(cell, sizeof(cell), "%c",
					    matrix_letters[pr[k].observed]);
				else
					snprintf(cell, sizeof(cell), "%c!%c",
					    matrix_letters[pr[k].observed],
					    matrix_letters[pr[k].expected]);
			}
			printf(" %-*s", (int)(strlen(col) > 8 ? strlen(col) :
			    8), cell[0] != '\0' ? cell : "-");
		}
		printf("\n");
	}
	printf("\nA allow, R reject, D drop; X!Y: observed X, expected Y\n");
	for (k = 0; k < n; k++) {
		if (pr[k].observed == pr[k].expected)
			continue;
		printf("mismatch: %s -> %s:%u: observed %s, expected %s (%s)\n",
		    s[pr[k].s].name, d[pr[k].d].name, d[pr[k].d].port,
		    matrix_names[pr[k].observed], matrix_names[pr[k].expected],
		    pr[k].why != NULL ? pr[k].why : "");
	}
}

static json_t *
matrix_json(const struct mprobe *pr, size_t n, const struct msrc *s,
    const struct mdst *d)
{
	json_t	*a = json_array();
	size_t	 k;

	for (k = 0; k < n; k++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s, s:s, "
		    "s:s, s:b, s:s?}", "from", s[pr[k].s].name, "to",
		    d[pr[k].d].name, "port", d[pr[k].d].port, "proto", "tcp",
		    "expected", matrix_names[pr[k].expected], "observed",
		    matrix_names[pr[k].observed], "match", pr[k].observed ==
		    pr[k].expected, "why", pr[k].why));
	return a;
}

int
cmd_matrix(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ "port", required_argument, NULL, 'p' },
		{ "outside", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stack", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct stack	*st = NULL;
	struct msrc	*src = NULL;
	struct mdst	*dst = NULL;
	struct mprobe	*pr = NULL;
	struct ctrviews	 list;
	const struct ctr_spec *cs;
	const struct portspec *ps;
	json_t		*c, *qs = NULL, *ans = NULL, *out;
	struct cidr	 pool;
	const char	*file = NULL, *stackname = NULL, *outside = NULL, *s;
	char		*cause = NULL, *colon;
	uint16_t	 ports[MATRIX_MAX_PORTS], lp[MATRIX_MAX_PORTS];
	unsigned long	 v, timeout = MATRIX_TIMEOUT_MS;
	uint32_t	 a, oaddr = 0;
	size_t		 nports = 0, ns = 0, nd = 0, n = 0, i, j, k, nl;
	int		 ch, json = 0, rc = 1, bad = 0;
	long long	 t0;

	memset(&list, 0, sizeof(list));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:p:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'J':
			json = 1;
			break;
		case 'p':
			if (strchr(optarg, '/') != NULL &&
			    strcmp(strchr(optarg, '/'), "/tcp") != 0) {
				cli_error("matrix", "-p %.20s: probes are TCP "
				    "(PORT or PORT/tcp)", optarg);
				return 1;
			}
			if (util_parse_uint(strtok(optarg, "/"), 65535,
			    &v) == -1 || v == 0 || nports == MATRIX_MAX_PORTS) {
				cli_error("matrix", "-p: a TCP port 1..65535 "
				    "(at most %d)", MATRIX_MAX_PORTS);
				return 1;
			}
			ports[nports++] = (uint16_t)v;
			break;
		case 'o':
			outside = optarg;
			break;
		case 's':
			stackname = optarg;
			break;
		case 't':
			if (util_parse_uint(optarg, 60000, &timeout) == -1 ||
			    timeout < 10) {
				cli_error("matrix", "--timeout: 10..60000 ms");
				return 1;
			}
			break;
		default:
			return cli_usage("matrix");
		}
	}
	if (optind != argc)
		return cli_usage("matrix");
	if (outside != NULL) {
		char	*o = xstrdup(outside);

		if ((colon = strchr(o, ':')) == NULL || (*colon++ = '\0',
		    addr_parse(o, &oaddr) == -1) || util_parse_uint(colon,
		    65535, &v) == -1 || v == 0) {
			cli_error("matrix", "--outside: ADDR:PORT, like "
			    "192.0.2.1:80");
			free(o);
			return 1;
		}
		free(o);
	}
	if (file != NULL && stackname != NULL)
		return cli_usage("matrix");
	if (file != NULL) {
		if (cli_pool(&pool, &cause) == -1 ||
		    (st = stack_load(file, &pool, &cause)) == NULL) {
			cli_error("matrix", "%s", cause);
			goto out;
		}
		stackname = st->name;
	}
	if (ctrviews_list(&list, &cause) == -1) {
		cli_error("matrix", "%s", cause);
		goto out;
	}
	src = xcalloc(list.n + 1, sizeof(*src));
	src[ns].name = "host";
	src[ns++].addr = 0;
	for (i = 0; i < list.n; i++) {
		cs = &list.v[i].info.spec;
		s = cs->stack;
		if (stackname != NULL && (s == NULL || strcmp(s,
		    stackname) != 0))
			continue;
		a = cs->addr;
		src[ns].name = cs->name;
		src[ns++].addr = a;
		for (k = 0; k < nports; k++)
			matrix_add_port(&dst, &nd, src[ns - 1].name, a,
			    ports[k]);
		for (j = 0; j < cs->nports; j++) {
			ps = &cs->ports[j];
			if (ps->proto != PORT_TCP)
				continue;
			for (v = ps->ctr_lo; v <= ps->ctr_hi && nd < 100000;
			    v++)
				matrix_add_port(&dst, &nd, src[ns - 1].name,
				    a, (uint16_t)v);
		}
		nl = matrix_listening(a, lp, MATRIX_MAX_PORTS);
		for (k = 0; k < nl; k++)
			matrix_add_port(&dst, &nd, src[ns - 1].name, a, lp[k]);
	}
	if (outside != NULL)
		matrix_add_port(&dst, &nd, "outside", oaddr, (uint16_t)
		    atoi(strchr(outside, ':') + 1));
	if (nd == 0) {
		cli_error("matrix", "no ports to probe: nothing listens; give "
		    "some with -p");
		goto out;
	}
	/* Every source to every destination but its own address. */
	pr = xcalloc(ns * nd + 1, sizeof(*pr));
	qs = json_array();
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			if (src[i].addr == dst[j].addr)
				continue;
			pr[n].s = i;
			pr[n].d = j;
			pr[n].fd = -1;
			json_array_append_new(qs, json_pack("{s:s, s:s, s:i, "
			    "s:s}", "from", src[i].name, "to", strcmp(
			    dst[j].name, "outside") == 0 ? addr_fmt(
			    dst[j].addr, (char[ADDR_STRLEN]){ 0 }) :
			    dst[j].name, "port", dst[j].port, "proto", "tcp"));
			n++;
		}
	}
	if (client_call("policy_explain", json_pack("{s:o}", "queries", qs),
	    &ans, &cause) == -1) {
		cli_error("matrix", "%s", cause);
		goto out;
	}
	for (k = 0; k < n; k++) {
		c = json_array_get(ans, k);
		pr[k].expected = matrix_expected(json_string_value(
		    json_object_get(c, "action")));
		pr[k].why = json_string_value(json_object_get(c, "why"));
	}
	matrix_nofile();
	t0 = util_now_ms();
	matrix_probe(pr, n, src, dst, (int)timeout);
	for (k = 0; k < n; k++)
		if (pr[k].observed != pr[k].expected)
			bad++;
	if (json) {
		out = json_pack("{s:o, s:I, s:I, s:I}", "probes", matrix_json(pr,
		    n, src, dst), "mismatches", (json_int_t)bad, "count",
		    (json_int_t)n, "elapsed_ms", (json_int_t)(util_now_ms() -
		    t0));
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else {
		matrix_print(pr, n, src, ns, dst, nd);
		printf("%zu probes, %d mismatch%s, %lld ms\n", n, bad,
		    bad == 1 ? "" : "es", util_now_ms() - t0);
	}
	rc = bad > 0 ? 1 : 0;
out:
	free(pr);
	free(src);
	free(dst);
	json_decref(ans);
	ctrviews_clear(&list);
	stack_free(st);
	free(cause);
	return rc;
}
