/* SPDX-License-Identifier: ISC */
/*
 * cmd_up.c - berth up -f FILE and berth down -f FILE.
 *
 * DOC: bringing a stack up
 * The stack file is parsed and validated whole before anything starts
 * (common/stack.c). Networks it declares are created when missing.
 * Services start detached in depends_on order; after each start berth
 * waits for its healthcheck, a TCP connect to the container's address
 * and port every interval_ms, at most retries times, and gives up early
 * when the process has exited. On failure it names the service, prints
 * the last lines of its log and removes what this run started, unless
 * --keep. down removes the stack's containers (found by the stack name
 * netd stores with them), last started first.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
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

/* One TCP connect attempt with a timeout; 0 when it connected. */
static int
up_tcp_probe(uint32_t addr, uint16_t port, int timeout_ms)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	int			 fd, rc = -1, err = 0;
	socklen_t		 len = sizeof(err);

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (util_set_nonblock(fd) == -1 || util_set_cloexec(fd) == -1) {
		close(fd);
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		rc = 0;
	else if (errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout_ms) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			rc = 0;
	}
	close(fd);
	return rc;
}

static void
up_tail_log(const char *name, int lines)
{
	char	*path, *text, *p;
	size_t	 len;
	int	 n = 0;

	path = client_log_path(name);
	text = util_read_file(path, 16 * 1024 * 1024, &len);
	free(path);
	if (text == NULL || len == 0) {
		fprintf(stderr, "  (no output)\n");
		free(text);
		return;
	}
	p = text + len;
	if (p > text && p[-1] == '\n')
		p--;
	while (p > text && n < lines) {
		p--;
		if (*p == '\n')
			n++;
	}
	if (*p == '\n')
		p++;
	fprintf(stderr, "  | ");
	for (; *p != '\0'; p++) {
		fputc(*p, stderr);
		if (*p == '\n' && p[1] != '\0')
			fprintf(stderr, "  | ");
	}
	if (text[len - 1] != '\n')
		fputc('\n', stderr);
	free(text);
}

static int
up_health(const struct stack_service *svc, json_t *ctr, char **cause)
{
	uint32_t	 addr;
	unsigned int	 i;
	const char	*ip = json_string_value(json_object_get(ctr, "ip"));

	if (!svc->health.set)
		return 0;
	if (ip == NULL || addr_parse(ip, &addr) == -1)
		return cause_set(cause, "netd returned no address");
	for (i = 0; i < svc->health.retries; i++) {
		if (up_tcp_probe(addr, svc->health.tcp_port,
		    (int)svc->health.interval_ms) == 0)
			return 0;
		if (!container_alive(ctr))
			return cause_set(cause, "its process exited before "
			    "the healthcheck (tcp %s:%u) passed", ip,
			    svc->health.tcp_port);
		usleep(svc->health.interval_ms * 1000);
	}
	return cause_set(cause, "healthcheck tcp %s:%u failed %u times, "
	    "%u ms apart", ip, svc->health.tcp_port, svc->health.retries,
	    svc->health.interval_ms);
}

static int
up_networks(const struct stack *st, char **cause)
{
	json_t		*list = NULL, *n;
	size_t		 i, j;
	int		 found;

	if (st->nnetworks == 0)
		return 0;
	if (client_call("net_list", NULL, &list, cause) == -1)
		return -1;
	for (i = 0; i < st->nnetworks; i++) {
		found = 0;
		json_array_foreach(list, j, n) {
			if (json_is_string(json_object_get(n, "name")) &&
			    strcmp(json_string_value(json_object_get(n,
			    "name")), st->networks[i].name) == 0)
				found = 1;
		}
		if (found)
			continue;
		if (client_do("net_create", json_pack("{s:s, s:b}", "name",
		    st->networks[i].name, "internal",
		    st->networks[i].internal), cause) == -1) {
			json_decref(list);
			return cause_prefix(cause, "network %s",
			    st->networks[i].name);
		}
	}
	json_decref(list);
	return 0;
}

/* Check the stack's pool against netd's: one pool per netd. */
static int
up_check_pool(const struct stack *st, char **cause)
{
	json_t		*hello = NULL;
	struct cidr	 pool;
	char		 a[CIDR_STRLEN];
	const char	*np;
	int		 rc = 0;

	if (!st->pool_set)
		return 0;
	if (client_call("hello", NULL, &hello, cause) == -1)
		return -1;
	if ((np = json_string_value(json_object_get(hello, "pool"))) == NULL)
		np = "no pool";
	if (cidr_parse(np, &pool, NULL) == -1 || pool.net != st->pool.net ||
	    pool.plen != st->pool.plen)
		rc = cause_set(cause, "pool: the stack wants %s but netd "
		    "runs %s (start netd with BERTH_POOL=%s, or drop \"pool\")",
		    cidr_fmt(&st->pool, a), np, a);
	json_decref(hello);
	return rc;
}

/* The stack's rules and NetworkPolicy objects replace its earlier ones. */
static int
up_policy(const struct stack *st, char **cause)
{
	if (st->policy == NULL || json_array_size(st->policy) == 0)
		return client_do("policy_unload", json_pack("{s:s}", "stack",
		    st->name), cause);
	return client_do("policy_load", json_pack("{s:s, s:O}", "stack",
	    st->name, "entries", st->policy), cause);
}

static void
up_opts(const struct stack *st, const struct stack_service *svc,
    struct run_opts *o, char *ipbuf)
{
	char		 spec[PORTSPEC_STRLEN], *kv;
	size_t		 i;

	memset(o, 0, sizeof(*o));
	o->name = svc->container_name;
	if (svc->ip != 0)
		o->ip = addr_fmt(svc->ip, ipbuf);
	o->rootfs = svc->rootfs;
	o->user = svc->user;
	o->workdir = svc->workdir;
	o->stack = st->name;
	o->service = svc->name;
	o->argv = svc->command;
	o->detach = 1;
	o->ports = json_array();
	for (i = 0; i < svc->nports; i++)
		json_array_append_new(o->ports, json_string(portspec_fmt(
		    &svc->ports[i], spec)));
	o->networks = json_array();
	for (i = 0; i < svc->nnetworks; i++)
		json_array_append_new(o->networks,
		    json_string(svc->networks[i]));
	o->labels = json_object();
	for (i = 0; i < svc->nlabels; i++)
		json_object_set_new(o->labels, svc->labels[i].key,
		    json_string(svc->labels[i].value));
	o->env = json_array();
	for (i = 0; i < svc->nenv; i++) {
		xasprintf(&kv, "%s=%s", svc->env[i].key, svc->env[i].value);
		json_array_append_new(o->env, json_string(kv));
		free(kv);
	}
}

static void
up_print(json_t *started)
{
	json_t		*c, *p;
	struct portspec	 ps;
	size_t		 i, j;
	char		 host[ADDR_STRLEN];

	printf("%-12s %-24s %-15s %s\n", "SERVICE", "CONTAINER", "ADDRESS",
	    "PORTS");
	json_array_foreach(started, i, c) {
		printf("%-12s %-24s %-15s",
		    json_string_value(json_object_get(c, "service")),
		    json_string_value(json_object_get(c, "name")),
		    json_string_value(json_object_get(c, "ip")));
		json_array_foreach(json_object_get(c, "ports"), j, p)
			printf(" %s", json_string_value(p));
		printf("\n");
	}
	/* A hint per published TCP port: its host address, or localhost. */
	json_array_foreach(started, i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			if (json_string_value(p) == NULL || portspec_parse(
			    json_string_value(p), &ps, NULL) == -1 ||
			    ps.proto != PORT_TCP)
				continue;
			printf("try: curl http://%s:%u/\n", ps.host_addr != 0 ?
			    addr_fmt(ps.host_addr, host) : "127.0.0.1",
			    ps.host_lo);
		}
	}
}

/* The stack's links, between the containers of its services. */
static int
up_links(const struct stack *st, char **cause)
{
	const struct stack_link	*l;
	json_t			*args;
	size_t			 i;

	for (i = 0; i < st->nlinks; i++) {
		l = &st->links[i];
		args = json_pack("{s:s, s:b, s:o}", "a", stack_find(st,
		    l->a)->container_name, "oneway", l->oneway, "profile",
		    linkspec_json(&l->p));
		if (l->b != NULL)
			json_object_set_new(args, "b", json_string(
			    stack_find(st, l->b)->container_name));
		if (client_do("link_set", args, cause) == -1)
			return cause_prefix(cause, "links[%zu]", i);
	}
	return 0;
}

int
cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", no_argument, NULL, 'k' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct stack			*st = NULL;
	struct cidr			 pool;
	const struct stack_service	*svc;
	struct run_opts			 o;
	json_t				*started, *ctr;
	char				*cause = NULL, ipbuf[ADDR_STRLEN];
	const char			*file = NULL;
	int				 ch, keep = 0, rc = 1;
	size_t				 i;
	pid_t				 cap = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		default:
			return cli_usage("up");
		}
	}
	if (file == NULL || optind != argc)
		return cli_usage("up");
	started = json_array();
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL) {
		cli_error("up", "%s", cause);
		goto out;
	}
	if (up_check_pool(st, &cause) == -1 ||
	    up_networks(st, &cause) == -1 ||
	    up_policy(st, &cause) == -1 ||
	    (st->capture != NULL && capture_spawn(st->name, st->capture,
	    &cap, &cause) == -1)) {
		cli_error("up", "%s", cause);
		goto out;
	}
	for (i = 0; i < st->nservices; i++) {
		svc = &st->services[st->order[i]];
		up_opts(st, svc, &o, ipbuf);
		if (container_run(&o, &ctr, &cause) == -1) {
			cli_error("up", "service %s: %s", svc->name, cause);
			json_decref(o.ports);
			json_decref(o.networks);
			json_decref(o.env);
			json_decref(o.labels);
			goto fail;
		}
		json_decref(o.ports);
		json_decref(o.networks);
		json_decref(o.env);
		json_decref(o.labels);
		json_array_append_new(started, ctr);
		if (up_health(svc, ctr, &cause) == -1) {
			cli_error("up", "service %s: %s; last lines of its "
			    "log:", svc->name, cause);
			up_tail_log(svc->container_name, 10);
			goto fail;
		}
	}
	if (up_links(st, &cause) == -1) {
		cli_error("up", "%s", cause);
		goto fail;
	}
	up_print(started);
	if (cap != -1)
		printf("capture: %s (pid %ld)\n", st->capture->file,
		    (long)cap);
	rc = 0;
	goto out;
fail:
	if (keep) {
		fprintf(stderr, "berth up: --keep: leaving %zu started "
		    "container(s) in place\n", json_array_size(started));
		goto out;
	}
	if (cap != -1)
		kill(cap, SIGTERM);
	for (i = json_array_size(started); i-- > 0; ) {
		ctr = json_array_get(started, i);
		if (container_remove(json_string_value(json_object_get(ctr,
		    "name")), 1, &cause) == -1)
			cli_error("up", "%s", cause);
	}
	(void)client_do("policy_unload", json_pack("{s:s}", "stack",
	    st->name), NULL);
out:
	json_decref(started);
	stack_free(st);
	free(cause);
	return rc;
}

int
cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct stack	*st = NULL;
	struct cidr	 pool;
	json_t		*list = NULL, *c;
	char		*cause = NULL;
	const char	*file = NULL, *s;
	int		 ch, rc = 1;
	size_t		 i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage("down");
		file = optarg;
	}
	if (file == NULL || optind != argc)
		return cli_usage("down");
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL) {
		cli_error("down", "%s", cause);
		goto out;
	}
	if (client_call("list", NULL, &list, &cause) == -1) {
		cli_error("down", "%s", cause);
		goto out;
	}
	rc = 0;
	for (i = json_array_size(list); i-- > 0; ) {
		c = json_array_get(list, i);
		s = json_string_value(json_object_get(c, "stack"));
		if (s == NULL || strcmp(s, st->name) != 0)
			continue;
		if (container_remove(json_string_value(json_object_get(c,
		    "name")), 1, &cause) == -1) {
			cli_error("down", "%s", cause);
			rc = 1;
		}
	}
	/* Its rules and NetworkPolicy objects, then its networks (unless
	 * something still uses them). */
	if (client_do("policy_unload", json_pack("{s:s}", "stack", st->name),
	    &cause) == -1) {
		cli_error("down", "%s", cause);
		rc = 1;
	}
	for (i = 0; i < st->nnetworks; i++) {
		(void)client_do("net_delete", json_pack("{s:s}", "name",
		    st->networks[i].name), NULL);
	}
out:
	json_decref(list);
	stack_free(st);
	free(cause);
	return rc;
}
