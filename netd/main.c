/* SPDX-License-Identifier: ISC */
/*
 * main.c - berth-netd: options, the daemon, signals.
 *
 * Without -d the process forks: the child becomes the daemon (new
 * session, stdio on /dev/null, syslog) and the parent waits on a pipe
 * until the child is serving, then exits 0 -- or prints the child's
 * error and exits 1. So `berth-netd && berth ...` never races the
 * socket, and a failed start is visible to whoever started it.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "netd.h"
#include "util.h"
#include "xmalloc.h"

#define NETD_MAX_EGRESS	8

static int	 main_sigpipe[2] = { -1, -1 };

static void __attribute__((__noreturn__))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: berth-netd [-dv] [-s socket] [-g group] [--pool cidr] "
	    "[--state-dir dir]\n"
	    "                  [--prefix name] [--table n] [--egress if] "
	    "[--cleanup]\n"
	    "       berth-netd --print-state [--state-dir dir]\n"
	    "       berth-netd --version\n"
	    "       berth-netd -h\n");
	exit(status);
}

static void
main_signal(int sig)
{
	int		 saved = errno;
	unsigned char	 c = (unsigned char)sig;

	(void)write(main_sigpipe[1], &c, 1);
	errno = saved;
}

static void
main_signal_event(int fd, int events, void *arg)
{
	struct netd	*d = arg;
	unsigned char	 c;

	(void)events;
	while (read(fd, &c, 1) == 1) {
		log_info("%s: signal %d: stopping", __func__, c);
		d->quit = 1;
	}
}

static void
main_signals(void)
{
	struct sigaction	 sa;

	if (pipe(main_sigpipe) == -1)
		fatal("pipe");
	(void)util_set_nonblock(main_sigpipe[0]);
	(void)util_set_nonblock(main_sigpipe[1]);
	(void)util_set_cloexec(main_sigpipe[0]);
	(void)util_set_cloexec(main_sigpipe[1]);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Fork; the parent waits for the child's word. Returns the write end
 * of the pipe in the child. */
static int
main_daemonize(void)
{
	char	 buf[2048];
	ssize_t	 n;
	size_t	 len = 0;
	int	 p[2];
	pid_t	 pid;

	if (pipe(p) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid != 0) {
		close(p[1]);
		while (len < sizeof(buf) - 1) {
			n = read(p[0], buf + len, sizeof(buf) - 1 - len);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		if (len == 1 && buf[0] == '.')
			exit(0);
		fprintf(stderr, "berth-netd: %s\n", len > 0 ? buf :
		    "the daemon exited while starting");
		exit(1);
	}
	close(p[0]);
	(void)util_set_cloexec(p[1]);
	if (setsid() == -1)
		fatal("setsid");
	(void)chdir("/");
	util_stdio_null(UTIL_STDIN | UTIL_STDOUT | UTIL_STDERR);
	return p[1];
}

/*
 * One fd per container tun, six per proxied TCP connection: the usual
 * soft limit of 1024 would run out near a thousand containers. Take the
 * hard limit.
 */
static void
main_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("%s: setrlimit", __func__);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pool",	required_argument,	NULL, 'P' },
		{ "state-dir",	required_argument,	NULL, 'S' },
		{ "prefix",	required_argument,	NULL, 'p' },
		{ "table",	required_argument,	NULL, 't' },
		{ "egress",	required_argument,	NULL, 'e' },
		{ "cleanup",	no_argument,		NULL, 'C' },
		{ "format",	required_argument,	NULL, 'F' },
		{ "print-state", no_argument,		NULL, 'Z' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct netd_config	 cfg;
	struct netd		*d;
	char			*cause = NULL, *egress[NETD_MAX_EGRESS];
	const char		*pool = BERTH_DEFAULT_POOL, *format = NULL;
	int			 ch, debug = 0, verbose = 0, cleanup = 0;
	int			 print = 0;
	int			 ready = -1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.socket = BERTH_DEFAULT_SOCKET;
	cfg.state_dir = BERTH_DEFAULT_STATE_DIR;
	cfg.table = BERTH_DEFAULT_TABLE;
	cfg.egress = egress;
	snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", BERTH_DEFAULT_PREFIX);

	while ((ch = getopt_long(argc, argv, "dg:hns:v", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'n':
			print = 1;
			break;
		case 'Z':
			print = 2;
			break;
		case 'F':
			if (strcmp(optarg, "nft") != 0 &&
			    strcmp(optarg, "pf") != 0)
				errx(1, "--format must be nft or pf");
			format = optarg;
			break;
		case 's':
			cfg.socket = optarg;
			break;
		case 'g':
			cfg.group = optarg;
			break;
		case 'P':
			pool = optarg;
			break;
		case 'S':
			cfg.state_dir = optarg;
			break;
		case 'p':
			if (strlen(optarg) >= sizeof(cfg.prefix))
				errx(1, "prefix too long: %s", optarg);
			snprintf(cfg.prefix, sizeof(cfg.prefix), "%s",
			    optarg);
			break;
		case 't':
			if (instance_table_parse(optarg, "--table",
			    &cfg.table, &cause) == -1)
				errx(1, "%s", cause);
			break;
		case 'e':
			if (cfg.negress == NETD_MAX_EGRESS)
				errx(1, "at most %d --egress",
				    NETD_MAX_EGRESS);
			egress[cfg.negress++] = optarg;
			break;
		case 'C':
			cleanup = 1;
			break;
		case 'V':
			printf("berth-netd %s\n", BERTH_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc || (format != NULL && print != 1))
		usage(1);
	if (instance_pool_parse(pool, "--pool", &cfg.pool, &cause) == -1)
		errx(1, "%s", cause);
	if (netd_config_check(&cfg, &cause) == -1)
		errx(1, "%s", cause);
	if (print == 2) {
		log_init(LOG_TO_STDERR, LOG_DAEMON);
		if (state_print(&cfg, &cause) == -1)
			errx(1, "%s", cause);
		return 0;
	}
	if (print) {
		log_init(LOG_TO_STDERR, LOG_DAEMON);
		if (netd_rules_print(&cfg, format, &cause) == -1)
			errx(1, "%s", cause);
		return 0;
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");

	log_procinit("berth-netd");
	log_setverbose(verbose);
	if (cleanup) {
		log_init(LOG_TO_STDERR, LOG_DAEMON);
		if (netd_cleanup(&cfg, &cause) == -1)
			errx(1, "%s", cause);
		return 0;
	}
	if (!debug) {
		ready = main_daemonize();
		log_init(LOG_TO_SYSLOG, LOG_DAEMON);
	} else
		log_init(LOG_TO_STDERR, LOG_DAEMON);
	umask(022);
	main_nofile();
	main_signals();

	d = netd_new(&cfg);
	if (netd_start(d, &cause) == -1) {
		log_warnx("%s", cause);
		if (ready != -1)
			(void)write(ready, cause, strlen(cause));
		netd_free(d);
		return 1;
	}
	if (ev_add(d->ev, main_sigpipe[0], EV_READ, main_signal_event,
	    d) == -1)
		fatal("ev_add");
	if (ready != -1) {
		(void)write(ready, ".", 1);
		close(ready);
	}
	netd_run(d);
	netd_stop(d);
	netd_free(d);
	return 0;
}
