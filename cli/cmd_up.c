/* SPDX-License-Identifier: ISC */
/*
 * cmd_up.c - berth up -f FILE and berth down -f FILE.
 *
 * DOC: bringing a stack up, the way compose converges
 * The stack file (-f, or berth.json, compose.yaml... in the current
 * directory) is parsed and validated whole before anything starts
 * (common/stack.c). Its networks are the stack's own: "back" in stack
 * "shop" is netd's network "shop-back" (compose's project_network), so
 * two stacks never share one by accident; "default" is netd's.
 *
 * up converges: each service's run options are hashed and the hash is
 * kept in the container's meta ("config"). A service whose container
 * runs with the same hash is left alone; a missing one is created; a
 * stopped one, or one whose hash differs, is removed and created again.
 * A service starts as soon as everything it depends on is ready (up, and
 * healthy when it has a healthcheck), so independent services and their
 * healthchecks run side by side: up takes as long as the longest chain,
 * not the sum. A healthcheck is a TCP connect to the container's address
 * and port every interval_ms, at most retries times, given up early
 * when the process has exited; a wait of more than two seconds is
 * announced. On failure, or Ctrl-C, up names what it removes (what this
 * run started), or with --keep what it leaves running, and exits 1 (130
 * after Ctrl-C). Containers of the stack whose service left the file are
 * named, not removed (compose's orphans). down removes the stack's
 * containers (found by the stack name netd stores with them), last
 * started first, then its networks, and says what it did.
 *
 * Around the services: before the first one starts, up loads the
 * stack's policy (replacing what an earlier up loaded; a rule's net:NAME
 * becomes netd's STACK-NAME) and, when the stack has no container yet,
 * starts its capture (an earlier run's capture records until netd ends
 * it with the stack's last container); once every service is ready it
 * sets the stack's links. A failed or interrupted up that found the
 * stack empty also stops that capture and unloads the policy; down
 * unloads it too.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include "name.h"
#include "port.h"
#include "run.h"
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
up_networks(const struct stack *st, char **cause)
{
	struct net_info	*nets = NULL;
	json_t		*list = NULL;
	char		 name[NAME_MAX_LEN + 2];
	size_t		 i, j, n;
	int		 found;

	if (st->nnetworks == 0)
		return 0;
	if (client_call("net_list", NULL, &list, cause) == -1)
		return -1;
	if (net_infos_parse(list, &nets, &n, cause) == -1)
		goto fail;
	for (i = 0; i < st->nnetworks; i++) {
		if (stack_net_name(st, st->networks[i].name, name, sizeof(name),
		    cause) == -1)
			goto fail;
		found = 0;
		for (j = 0; j < n; j++) {
			if (strcmp(nets[j].name, name) != 0)
				continue;
			found = 1;
			/* the same name, another kind: refuse, never join */
			if (nets[j].internal !=
			    (st->networks[i].internal != 0)) {
				cause_set(cause, "network %s exists and is%s "
				    "internal, the stack declares it%s "
				    "internal (berth net rm %s, or rename it)",
				    name, st->networks[i].internal ? " not" :
				    "", st->networks[i].internal ? "" : " not",
				    name);
				goto fail;
			}
		}
		if (found)
			continue;
		if (client_do("net_create", json_pack("{s:s, s:b}", "name",
		    name, "internal", st->networks[i].internal), cause) ==
		    -1) {
			cause_prefix(cause, "network %s", name);
			goto fail;
		}
	}
	free(nets);
	json_decref(list);
	return 0;
fail:
	free(nets);
	json_decref(list);
	return -1;
}

/* Check the stack's pool against netd's: one pool per netd. */
static int
up_check_pool(const struct stack *st, char **cause)
{
	struct netd_hello h;
	char		 a[CIDR_STRLEN], np[CIDR_STRLEN];
	int		 rc = 0;

	if (!st->pool_set)
		return 0;
	if (client_hello(&h, cause) == -1)
		return -1;
	if (h.pool.net != st->pool.net || h.pool.plen != st->pool.plen)
		rc = cause_set(cause, "pool: the stack wants %s but netd "
		    "runs %s (start netd with BERTH_POOL=%s, or drop \"pool\")",
		    cidr_fmt(&st->pool, a), cidr_fmt(&h.pool, np), a);
	netd_hello_clear(&h);
	return rc;
}

/* The stack's rules and NetworkPolicy objects replace its earlier ones. */
static int
up_policy(const struct stack *st, char **cause)
{
	if (st->policy == NULL || json_array_size(st->policy) == 0)
		return client_do("policy_unload", json_pack("{s:s}", "stack",
		    st->name), cause);
	return client_do("policy_load", json_pack("{s:s, s:o}", "stack",
	    st->name, "entries", stack_policy_entries(st)), cause);
}

static int
up_opts(const struct stack *st, const struct stack_service *svc,
    struct run_opts *o, char *ipbuf, char **cause)
{
	char		 spec[PORTSPEC_STRLEN], *kv, net[NAME_MAX_LEN + 2];
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
	o->restart = svc->restart;
	o->detach = 1;
	o->ports = json_array();
	for (i = 0; i < svc->nports; i++)
		json_array_append_new(o->ports, json_string(portspec_fmt(
		    &svc->ports[i], spec)));
	o->networks = json_array();
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
	for (i = 0; i < svc->nnetworks; i++) {
		if (stack_net_name(st, svc->networks[i], net, sizeof(net),
		    cause) == -1)
			return -1;
		json_array_append_new(o->networks, json_string(net));
	}
	return 0;
}

static void
up_opts_free(struct run_opts *o)
{
	json_decref(o->ports);
	json_decref(o->networks);
	json_decref(o->env);
	json_decref(o->labels);
	o->ports = o->networks = o->env = o->labels = NULL;
}

/* What a service's container is made of, hashed: FNV-1a 64 in hex. */
static void
up_hash(const struct run_opts *o, char out[17])
{
	json_t		*j, *cmd;
	char		*text;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	cmd = json_array();
	for (i = 0; o->argv[i] != NULL; i++)
		json_array_append_new(cmd, json_string(o->argv[i]));
	j = json_pack("{s:o, s:O, s:O, s:O, s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:s?}", "command", cmd, "ports", o->ports, "networks",
	    o->networks, "env", o->env, "ip", o->ip, "rootfs", o->rootfs,
	    "user", o->user, "workdir", o->workdir, "name", o->name,
	    "restart", o->restart);
	/* policy selects by label: a new label is a new container */
	if (json_object_size(o->labels) > 0)
		json_object_set(j, "labels", o->labels);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	for (i = 0; text != NULL && text[i] != '\0'; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	free(text);
	json_decref(j);
}

enum up_state { UP_WAITING, UP_PROBING, UP_READY, UP_FAILED };

struct up_svc {
	const struct stack_service *svc;
	struct run_opts	 o;
	char		 ipbuf[ADDR_STRLEN];
	char		 hash[17];
	struct ctrview	*ctr;		/* its container, once known */
	const char	*action;	/* what up did: created, ... */
	int		 replace;	/* remove the old container first */
	char		 oldname[NAME_MAX_LEN + 1];
	int		 started;	/* by this run */
	enum up_state	 state;
	unsigned int	 tries;
	long long	 since, next;
	int		 announced;
};

static volatile sig_atomic_t	 up_interrupted;

static void
up_on_signal(int sig)
{
	up_interrupted = sig;
}

/*
 * Decide each service's action from what runs now; 1 when the stack has
 * no container at all (a fresh start).
 */
static int
up_plan(const struct stack *st, struct up_svc *u, struct ctrviews *list)
{
	struct ctrview	*old;
	struct ctr_spec	*c;
	const char	*have;
	size_t		 i;
	int		 fresh = 1;

	for (i = 0; i < st->nservices; i++) {
		old = ctrviews_find(list, st->name, u[i].svc->name, NULL);
		u[i].action = "created";
		if (old == NULL)
			continue;
		have = old->meta.config;
		if (ctrview_settle(old) == CTR_RUNNING &&
		    have != NULL && strcmp(have, u[i].hash) == 0) {
			u[i].ctr = xcalloc(1, sizeof(*u[i].ctr));
			(void)ctrview_decode(old->obj, u[i].ctr, NULL);
			u[i].action = "running";
			u[i].state = u[i].svc->health.set ? UP_PROBING :
			    UP_READY;
			continue;
		}
		u[i].replace = 1;
		snprintf(u[i].oldname, sizeof(u[i].oldname), "%s", old->name);
		u[i].action = have != NULL && strcmp(have, u[i].hash) == 0 ?
		    "started" : "recreated";
	}
	/* compose's orphans: the stack's containers of services gone */
	for (i = 0; i < list->n; i++) {
		c = &list->v[i].info.spec;
		have = c->stack;
		if (have != NULL && strcmp(have, st->name) == 0)
			fresh = 0;
		if (have == NULL || strcmp(have, st->name) != 0 ||
		    c->service == NULL || stack_find(st, c->service) != NULL)
			continue;
		fprintf(stderr, "berth up: container %s belongs to stack %s "
		    "but its service is not in the file any more (berth rm "
		    "-f %s)\n", c->name, st->name, c->name);
	}
	return fresh;
}

static int
up_deps_ready(const struct stack *st, const struct up_svc *u, size_t k)
{
	const struct stack_service	*svc = u[k].svc;
	size_t				 i, j;

	for (i = 0; i < svc->ndepends_on; i++) {
		for (j = 0; j < st->nservices; j++) {
			if (strcmp(u[j].svc->name, svc->depends_on[i]) == 0 &&
			    u[j].state != UP_READY)
				return 0;
		}
	}
	return 1;
}

static void
up_ctr_free(struct up_svc *u)
{
	if (u->ctr != NULL)
		ctrview_clear(u->ctr);
	free(u->ctr);
	u->ctr = NULL;
}

static int
up_start(struct up_svc *u, char **cause)
{
	if (u->replace && container_remove(u->oldname, 1, cause) == -1)
		return -1;
	up_ctr_free(u);
	u->o.config = u->hash;
	u->ctr = xcalloc(1, sizeof(*u->ctr));
	if (container_run(&u->o, u->ctr, cause) == -1) {
		up_ctr_free(u);
		return -1;
	}
	u->started = 1;
	u->state = u->svc->health.set ? UP_PROBING : UP_READY;
	u->since = u->next = util_now_ms();
	return 0;
}

/*
 * A healthcheck command, run in the container like exec (its output
 * discarded); 0 when it exited 0.
 */
static int
up_cmd_probe(struct up_svc *u, char **cmd)
{
	const char	*name = u->ctr->name;
	pid_t		 pid;
	int		 status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		util_stdio_null(UTIL_STDIN | UTIL_STDOUT | UTIL_STDERR);
		signal(SIGINT, SIG_IGN);	/* up handles Ctrl-C */
		client_reset();
		_exit(container_exec(name, cmd, NULL, NULL, NULL, 0, 0,
		    NULL) == 0 ? 0 : 1);
	}
	if (run_wait(pid, &status) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One healthcheck attempt, when due. */
static int
up_probe(struct up_svc *u, char **cause)
{
	const struct stack_health	*h = &u->svc->health;
	uint32_t			 addr = u->ctr->info.spec.addr;
	const char			*ip = u->ctr->ip;
	long long			 now = util_now_ms();

	if (now < u->next)
		return 0;
	char				 what[300];

	if (h->cmd != NULL)
		snprintf(what, sizeof(what), "cmd %s%s", h->cmd[0],
		    h->ncmd > 1 ? " ..." : "");
	else
		snprintf(what, sizeof(what), "tcp %s:%u", ip, h->tcp_port);
	if (h->cmd != NULL ? up_cmd_probe(u, h->cmd) == 0 :
	    up_tcp_probe(addr, h->tcp_port, h->interval_ms < 1000 ?
	    (int)h->interval_ms : 1000) == 0) {
		u->state = UP_READY;
		return 0;
	}
	if (!ctrview_alive(u->ctr))
		return cause_set(cause, "its process exited before the "
		    "healthcheck (%s) passed", what);
	if (++u->tries >= h->retries)
		return cause_set(cause, "healthcheck %s failed %u times, "
		    "%u ms apart", what, h->retries, h->interval_ms);
	u->next = now + h->interval_ms;
	if (!u->announced && now - u->since >= 2000) {
		fprintf(stderr, "berth up: waiting for %s (healthcheck %s, "
		    "%u of %u tries)\n", u->svc->name, what, u->tries,
		    h->retries);
		u->announced = 1;
	}
	return 0;
}

/* A hint for a published port that fits what is likely behind it. */
static void
up_hint(const struct portspec *ps)
{
	char		 host[ADDR_STRLEN];
	const char	*h = ps->host_addr != 0 ? addr_fmt(ps->host_addr,
			    host) : "127.0.0.1";
	unsigned int	 p = ps->host_lo, c = ps->ctr_lo;

	if (ps->proto == PORT_UDP) {
		if (c == 53)
			printf("try: dig @%s -p %u host.berth\n", h, p);
		return;
	}
	switch (c) {
	case 80: case 3000: case 4000: case 5000: case 8000: case 8008:
	case 8080: case 8081: case 8888: case 9000: case 9090:
		printf("try: curl http://%s:%u/\n", h, p);
		break;
	case 443: case 8443:
		printf("try: curl -k https://%s:%u/\n", h, p);
		break;
	case 6379:
		printf("try: redis-cli -h %s -p %u ping\n", h, p);
		break;
	case 5432:
		printf("try: psql -h %s -p %u -U postgres\n", h, p);
		break;
	case 3306:
		printf("try: mysql -h %s -P %u -u root -p\n", h, p);
		break;
	case 27017:
		printf("try: mongosh mongodb://%s:%u/\n", h, p);
		break;
	case 11211:
		printf("try: printf 'stats\\r\\nquit\\r\\n' | nc %s %u\n", h, p);
		break;
	default:
		printf("try: nc -vz %s %u\n", h, p);
		break;
	}
}

static void
up_print(const struct stack *st, const struct up_svc *u, int json)
{
	const struct ctrview	*c;
	json_t			*out;
	char			 buf[PORTSPEC_STRLEN];
	size_t			 i, j;

	if (json) {
		out = json_array();
		for (i = 0; i < st->nservices; i++) {
			c = u[i].ctr;
			json_array_append_new(out, json_pack("{s:s, s:s?, "
			    "s:s?, s:s, s:o}", "service", u[i].svc->name,
			    "name", c != NULL ? c->name : NULL, "ip",
			    c != NULL ? c->ip : NULL, "action", u[i].action,
			    "ports", c != NULL ? ctrview_ports(c) :
			    json_array()));
		}
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
		return;
	}
	printf("%-12s %-24s %-15s %-10s %s\n", "SERVICE", "CONTAINER",
	    "ADDRESS", "STATUS", "PORTS");
	for (i = 0; i < st->nservices; i++) {
		c = u[i].ctr;
		printf("%-12s %-24s %-15s %-10s", u[i].svc->name,
		    c != NULL ? c->name : "(null)",
		    c != NULL ? c->ip : "(null)", u[i].action);
		for (j = 0; c != NULL && j < c->info.spec.nports; j++)
			printf(" %s", portspec_fmt(&c->info.spec.ports[j],
			    buf));
		printf("\n");
	}
	/* A hint per published port: its host address, or localhost. */
	for (i = 0; i < st->nservices; i++) {
		c = u[i].ctr;
		for (j = 0; c != NULL && j < c->info.spec.nports; j++)
			up_hint(&c->info.spec.ports[j]);
	}
}

/* Remove what this run started (or say what --keep leaves). */
static void
up_undo(const struct stack *st, struct up_svc *u, int keep, const char *why)
{
	char	*cause = NULL;
	size_t	 i, n = 0;

	for (i = 0; i < st->nservices; i++)
		n += u[i].started;
	if (n == 0) {
		fprintf(stderr, "berth up: %s; this run started nothing\n",
		    why);
		return;
	}
	fprintf(stderr, "berth up: %s; %s %zu container(s) this run "
	    "started:", why, keep ? "--keep: leaving" : "removing", n);
	for (i = 0; i < st->nservices; i++) {
		if (u[i].started)
			fprintf(stderr, " %s", u[i].ctr->name);
	}
	fputc('\n', stderr);
	if (keep)
		return;
	for (i = st->nservices; i-- > 0; ) {
		if (!u[st->order[i]].started)
			continue;
		if (container_remove(u[st->order[i]].ctr->name, 1,
		    &cause) == -1)
			cli_error("up", "%s", cause);
	}
	free(cause);
}

/*
 * up failed or was interrupted: undo this run's containers and, when the
 * stack had none before it (nothing left to guard or record), its
 * capture and its policy too.
 */
static void
up_abandon(const struct stack *st, struct up_svc *u, int keep,
    const char *why, int fresh, pid_t cap)
{
	up_undo(st, u, keep, why);
	if (keep || !fresh)
		return;
	if (cap != -1)
		kill(cap, SIGTERM);
	(void)client_do("policy_unload", json_pack("{s:s}", "stack",
	    st->name), NULL);
}

/* The stack file: up/down -f, berth -f, or one in this directory. */
static const char *
up_file(const char *file)
{
	if (file != NULL)
		return file;
	return resolve_stack_file();
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
		{ "detach", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction	 sa, oldint, oldterm;
	struct stack		*st = NULL;
	struct cidr		 pool;
	struct up_svc		*u = NULL;
	struct ctrviews		 list;
	char			*cause = NULL;
	const char		*file = NULL, *failed = NULL;
	int			 ch, keep = 0, json = 0, rc = 1, busy, fresh = 0;
	size_t			 i, k, ndone;
	long long		 wake, now;
	pid_t			 cap = -1;

	memset(&list, 0, sizeof(list));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "df:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'd':
			break;		/* up always leaves the stack running */
		case 'J':
			json = 1;
			break;
		default:
			return cli_usage("up");
		}
	}
	if (optind != argc)
		return cli_usage("up");
	if ((file = up_file(file)) == NULL) {
		cli_error("up", "no stack file: use -f FILE, or run where "
		    "berth.json or compose.yaml is");
		return 1;
	}
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL) {
		cli_error("up", "%s", cause);
		goto out;
	}
	if (up_check_pool(st, &cause) == -1 ||
	    up_networks(st, &cause) == -1 ||
	    ctrviews_list(&list, &cause) == -1) {
		cli_error("up", "%s", cause);
		goto out;
	}
	u = xcalloc(st->nservices + 1, sizeof(*u));
	for (i = 0; i < st->nservices; i++) {
		u[i].svc = &st->services[i];
		if (up_opts(st, u[i].svc, &u[i].o, u[i].ipbuf, &cause) ==
		    -1) {
			cli_error("up", "service %s: %s", u[i].svc->name,
			    cause);
			goto out;
		}
		up_hash(&u[i].o, u[i].hash);
	}
	fresh = up_plan(st, u, &list);
	/* the policy holds before the first packet of a new container */
	if (up_policy(st, &cause) == -1) {
		cli_error("up", "%s", cause);
		goto out;
	}
	/*
	 * The stack's capture runs while the stack has containers (netd
	 * ends it with the last one): a stack already up has its own.
	 */
	if (fresh && st->capture != NULL && capture_spawn(st->name,
	    st->capture, &cap, &cause) == -1) {
		cli_error("up", "%s", cause);
		(void)client_do("policy_unload", json_pack("{s:s}", "stack",
		    st->name), NULL);
		goto out;
	}

	/* Ctrl-C: finish the step at hand, then undo (or keep). */
	up_interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = up_on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);
	for (;;) {
		busy = 0;
		/* everything whose dependencies are ready starts now */
		for (k = 0; k < st->nservices && !up_interrupted; k++) {
			i = st->order[k];
			if (u[i].state != UP_WAITING || u[i].ctr != NULL ||
			    !up_deps_ready(st, u, i))
				continue;
			if (up_start(&u[i], &cause) == -1) {
				failed = u[i].svc->name;
				cli_error("up", "service %s: %s", failed,
				    cause);
				goto fail;
			}
			busy = 1;
		}
		if (up_interrupted)
			break;
		ndone = 0;
		wake = util_now_ms() + 1000;
		for (i = 0; i < st->nservices; i++) {
			if (u[i].state == UP_PROBING &&
			    up_probe(&u[i], &cause) == -1) {
				failed = u[i].svc->name;
				cli_error("up", "service %s: %s; last lines "
				    "of its log:", failed, cause);
				up_tail_log(u[i].ctr->name, 10);
				goto fail;
			}
			if (u[i].state == UP_READY)
				ndone++;
			else if (u[i].state == UP_PROBING && u[i].next < wake)
				wake = u[i].next;
		}
		if (ndone == st->nservices)
			break;
		if (busy || up_interrupted)
			continue;
		now = util_now_ms();
		if (wake > now)
			usleep((useconds_t)(wake - now) * 1000);
	}
	if (up_interrupted) {
		up_abandon(st, u, keep, "interrupted", fresh, cap);
		rc = 130;
		goto restore;
	}
	if (up_links(st, &cause) == -1) {
		cli_error("up", "%s", cause);
		goto fail;
	}
	up_print(st, u, json);
	if (cap != -1)
		printf("capture: %s (pid %ld)\n", st->capture->file,
		    (long)cap);
	rc = 0;
	goto restore;
fail:
	up_abandon(st, u, keep, "failed", fresh, cap);
restore:
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
out:
	for (i = 0; u != NULL && i < st->nservices; i++) {
		up_opts_free(&u[i].o);
		up_ctr_free(&u[i]);
	}
	free(u);
	ctrviews_clear(&list);
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
	struct ctrviews	 list;
	json_t		*data;
	char		*cause = NULL, net[NAME_MAX_LEN + 2];
	const char	*file = NULL, *s, *name;
	enum proto_code	 code;
	int		 ch, rc = 1, n = 0;
	size_t		 i;

	memset(&list, 0, sizeof(list));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage("down");
		file = optarg;
	}
	if (optind != argc)
		return cli_usage("down");
	if ((file = up_file(file)) == NULL) {
		cli_error("down", "no stack file: use -f FILE, or run where "
		    "berth.json or compose.yaml is");
		return 1;
	}
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL) {
		cli_error("down", "%s", cause);
		goto out;
	}
	if (ctrviews_list(&list, &cause) == -1) {
		cli_error("down", "%s", cause);
		goto out;
	}
	rc = 0;
	for (i = list.n; i-- > 0; ) {
		s = list.v[i].info.spec.stack;
		name = list.v[i].name;
		if (s == NULL || strcmp(s, st->name) != 0)
			continue;
		if (container_remove(name, 1, &cause) == -1) {
			cli_error("down", "%s", cause);
			rc = 1;
		} else {
			printf("removed container %s\n", name);
			n++;
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
		if (stack_net_name(st, st->networks[i].name, net, sizeof(net),
		    NULL) == -1 || strcmp(net, "default") == 0)
			continue;
		free(cause);
		cause = NULL;
		if (client_call_code("net_delete", json_pack("{s:s}", "name",
		    net), &data, &code, &cause) == 0) {
			json_decref(data);
			printf("removed network %s\n", net);
		} else if (code != PROTO_E_NOT_FOUND)
			printf("kept network %s: %s\n", net, cause);
	}
	if (n == 0)
		printf("stack %s: no containers\n", st->name);
out:
	ctrviews_clear(&list);
	stack_free(st);
	free(cause);
	return rc;
}

/* berth config: the stack a file means, as berth reads it (compose's). */
int
cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct stack	*st = NULL;
	struct cidr	 pool;
	json_t		*j = NULL;
	char		*cause = NULL;
	const char	*file = NULL;
	int		 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return cli_usage("config");
		file = optarg;
	}
	if (optind != argc)
		return cli_usage("config");
	if ((file = up_file(file)) == NULL) {
		cli_error("config", "no stack file: use -f FILE, or run where "
		    "berth.json or compose.yaml is");
		return 1;
	}
	/* checked whole first: a file up would refuse prints nothing */
	if (cli_pool(&pool, &cause) == -1 ||
	    (st = stack_load(file, &pool, &cause)) == NULL ||
	    (j = stack_load_json(file, &cause)) == NULL) {
		cli_error("config", "%s", cause);
		stack_free(st);
		free(cause);
		return 1;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
	stack_free(st);
	return 0;
}
