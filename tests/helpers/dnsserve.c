/* SPDX-License-Identifier: ISC */
/*
 * dnsserve - netd's DNS server (netd/dnssrv.c) alone, for tests and
 * bench/dns: no tuns, no root needed on a high port.
 *
 *   dnsserve -l ADDR -p PORT [-r RESOLV] [-u UPSTREAM_PORT]
 *	[-P POOL] [-H HOSTS -x PREFIX] [NAME=IP[/STACK/SERVICE]]...
 *
 * Serves UDP and TCP on ADDR:PORT, the zone given by the arguments and
 * by lines on stdin ("add NAME IP [STACK SERVICE]", "del NAME"; each
 * answered "ok" on stdout), forwarding other names to the nameservers
 * of RESOLV on UPSTREAM_PORT. With -H it keeps the berth block of the
 * hosts file HOSTS (hostdns, "hosts" mode) and removes it on exit.
 * Prints "ready" when serving; SIGTERM or SIGINT stops it, and the
 * counters go to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "dnssrv.h"
#include "ev.h"
#include "hostdns.h"
#include "log.h"
#include "util.h"

static volatile sig_atomic_t	 quit;
static struct dns_zone		*zone;
static struct hostdns		*hdns;

static void
on_signal(int sig)
{
	quit = 1;
}

/* "NAME IP [STACK SERVICE]" or "NAME=IP[/STACK/SERVICE]" split. */
static int
zone_add(char *name, char *ip, char *stack, char *service)
{
	uint32_t	 a;
	char		*cause = NULL;

	if (addr_parse(ip, &a) == -1) {
		fprintf(stderr, "dnsserve: bad address %s\n", ip);
		return -1;
	}
	dns_zone_add(zone, name, a, stack, service);
	if (hostdns_sync(hdns, zone, &cause) == -1) {
		fprintf(stderr, "dnsserve: %s\n", cause);
		free(cause);
	}
	return 0;
}

static void
on_stdin(int fd, int events, void *arg)
{
	static char	 buf[4096];
	static size_t	 len;
	char		*nl, *w[5], *save;
	ssize_t		 n;
	int		 i, rc;

	if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0) {
		ev_del(arg, fd);
		return;
	}
	len += (size_t)n;
	buf[len] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		for (i = 0; i < 5; i++)
			w[i] = strtok_r(i == 0 ? buf : NULL, " \t", &save);
		rc = -1;
		if (w[0] != NULL && strcmp(w[0], "add") == 0 && w[2] != NULL)
			rc = zone_add(w[1], w[2], w[3], w[4]);
		else if (w[0] != NULL && strcmp(w[0], "del") == 0 &&
		    w[1] != NULL) {
			dns_zone_del(zone, w[1]);
			rc = hostdns_sync(hdns, zone, NULL);
		}
		printf("%s\n", rc == 0 ? "ok" : "error");
		fflush(stdout);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len + 1);
	}
	if (len == sizeof(buf) - 1)
		len = 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dnsserve -l ADDR -p PORT [-r RESOLV] "
	    "[-u UPSTREAM_PORT] [-P POOL] [-H HOSTS -x PREFIX] "
	    "[NAME=IP[/STACK/SERVICE]]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct dnssrv_conf	 conf;
	struct hostdns_conf	 hc;
	struct dnssrv		*srv;
	struct ev		*ev;
	struct sigaction	 sa;
	struct cidr		 pool = { 0x0ad50000u, 16 };
	const struct dnssrv_stats *st;
	const char		*hosts = NULL, *prefix = "dnsserve";
	char			*cause = NULL, *ip, *stack, *service;
	unsigned long		 v;
	int			 ch, t;

	log_init(LOG_TO_STDERR, 0);
	memset(&conf, 0, sizeof(conf));
	while ((ch = getopt(argc, argv, "l:p:r:u:P:H:x:")) != -1) {
		switch (ch) {
		case 'l':
			if (addr_parse(optarg, &conf.addr) == -1)
				usage();
			break;
		case 'p':
		case 'u':
			if (util_parse_uint(optarg, 65535, &v) == -1 || v == 0)
				usage();
			if (ch == 'p')
				conf.port = (uint16_t)v;
			else
				conf.upstream_port = (uint16_t)v;
			break;
		case 'r':
			conf.resolv_conf = optarg;
			break;
		case 'P':
			if (cidr_parse(optarg, &pool, &cause) == -1)
				usage();
			break;
		case 'H':
			hosts = optarg;
			break;
		case 'x':
			prefix = optarg;
			break;
		default:
			usage();
		}
	}
	if (conf.addr == 0 || conf.port == 0)
		usage();
	zone = dns_zone_new(&pool, cidr_gateway(&pool));
	if (hosts != NULL) {
		memset(&hc, 0, sizeof(hc));
		hc.mode = HOSTDNS_HOSTS;
		hc.prefix = prefix;
		hc.gateway = cidr_gateway(&pool);
		hc.hosts = hosts;
		if ((hdns = hostdns_start(&hc, &cause)) == NULL) {
			fprintf(stderr, "dnsserve: %s\n", cause);
			return 1;
		}
	}
	for (; optind < argc; optind++) {
		stack = service = NULL;
		if ((ip = strchr(argv[optind], '=')) == NULL)
			usage();
		*ip++ = '\0';
		if ((stack = strchr(ip, '/')) != NULL) {
			*stack++ = '\0';
			if ((service = strchr(stack, '/')) == NULL)
				usage();
			*service++ = '\0';
		}
		if (zone_add(argv[optind], ip, stack, service) == -1)
			return 2;
	}
	(void)hostdns_sync(hdns, zone, NULL);
	conf.zone = zone;
	ev = ev_new();
	if ((srv = dnssrv_new(&conf, ev, &cause)) == NULL) {
		fprintf(stderr, "dnsserve: %s\n", cause);
		return 1;
	}
	(void)ev_add(ev, STDIN_FILENO, EV_READ, on_stdin, ev);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	while (!quit) {
		t = dnssrv_timeout(srv);
		if (ev_run_once(ev, t == -1 || t > 1000 ? 1000 : t) == -1 &&
		    errno != EINTR)
			break;
		dnssrv_tick(srv);
	}
	st = dnssrv_stats(srv);
	fprintf(stderr, "dnsserve: udp %llu tcp %llu answered %llu dropped "
	    "%llu forwarded %llu replies %llu bogus %llu timeouts %llu "
	    "servfail %llu tcp_errors %llu\n",
	    (unsigned long long)st->udp_queries,
	    (unsigned long long)st->tcp_queries,
	    (unsigned long long)st->answered,
	    (unsigned long long)st->dropped,
	    (unsigned long long)st->forwarded,
	    (unsigned long long)st->upstream_replies,
	    (unsigned long long)st->upstream_bogus,
	    (unsigned long long)st->upstream_timeouts,
	    (unsigned long long)st->servfail,
	    (unsigned long long)st->tcp_errors);
	dnssrv_free(srv);
	hostdns_stop(hdns);
	ev_free(ev);
	dns_zone_free(zone);
	return 0;
}
