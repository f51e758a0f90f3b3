/* SPDX-License-Identifier: ISC */
/*
 * dnsload - a small DNS load generator for bench/dns.
 *
 *   dnsload -s ADDR -p PORT [-n QUERIES] [-w WINDOW] [-t TIMEOUT_MS]
 *	NAME...
 *
 * Sends QUERIES A queries over UDP, cycling through the names, keeping
 * at most WINDOW unanswered at a time (a query unanswered after
 * TIMEOUT_MS counts as lost and frees its slot). Each has a random ID;
 * an answer is counted when its ID is one in flight. Prints
 * "qps Q answered A lost L noerror N" on stdout.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXQ	512

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Encode a query for name with id into b; its length, 0 if too long. */
static size_t
mkquery(uint8_t *b, uint16_t id, const char *name)
{
	size_t		 n = 12, l;
	const char	*p = name, *dot;

	memset(b, 0, 12);
	b[0] = id >> 8;
	b[1] = id & 0xff;
	b[2] = 0x01;
	b[5] = 1;
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || n + l + 6 > MAXQ)
			return 0;
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	return n + 4;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	static long long	 sent_at[65536];	/* 0: not in flight */
	static uint16_t		 order[65536];		/* FIFO of IDs */
	uint8_t			 q[MAXQ], r[4096];
	const char		*server = NULL;
	long long		 start, t, timeout = 1000000;
	unsigned long		 n = 100000, window = 100, port = 53;
	unsigned long		 sent = 0, answered = 0, lost = 0, noerr = 0;
	unsigned long		 inflight = 0, head = 0, tail = 0;
	struct pollfd		 pfd;
	ssize_t			 got;
	size_t			 len;
	uint16_t		 id;
	int			 ch, fd, names, i;

	while ((ch = getopt(argc, argv, "s:p:n:w:t:")) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtoll(optarg, NULL, 10) * 1000;
			break;
		default:
			goto usage;
		}
	}
	names = argc - optind;
	if (server == NULL || names < 1 || window < 1 || window > 30000 ||
	    port < 1 || port > 65535)
		goto usage;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, server, &sin.sin_addr) != 1)
		goto usage;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("dnsload: socket");
		return 1;
	}
	i = 1 << 22;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i));
	srandom((unsigned)getpid());
	pfd.fd = fd;
	pfd.events = POLLIN;
	start = now_us();
	while (sent < n || inflight > 0) {
		t = now_us();
		/* Expire the oldest in flight. */
		while (inflight > 0 && (sent_at[order[head]] == 0 ||
		    t - sent_at[order[head]] > timeout)) {
			if (sent_at[order[head]] != 0) {
				sent_at[order[head]] = 0;
				lost++;
				inflight--;
			}
			head = (head + 1) % 65536;
		}
		/* The FIFO also holds answered IDs until they reach its
		 * head: never let it wrap. */
		while (sent < n && inflight < window &&
		    (tail + 65536 - head) % 65536 < 65000) {
			do
				id = (uint16_t)random();
			while (sent_at[id] != 0);
			len = mkquery(q, id, argv[optind + sent % names]);
			if (len == 0 || send(fd, q, len, 0) == -1)
				break;
			sent_at[id] = t != 0 ? t : 1;
			order[tail] = id;
			tail = (tail + 1) % 65536;
			inflight++;
			sent++;
		}
		if (poll(&pfd, 1, 10) < 1)
			continue;
		while ((got = recv(fd, r, sizeof(r), MSG_DONTWAIT)) >= 12) {
			id = (uint16_t)(r[0] << 8 | r[1]);
			if (sent_at[id] == 0)
				continue;
			sent_at[id] = 0;
			inflight--;
			answered++;
			if ((r[3] & 0x0f) == 0 && (r[6] | r[7]) != 0)
				noerr++;
		}
	}
	t = now_us() - start;
	printf("qps %.0f answered %lu lost %lu noerror %lu\n",
	    (double)answered * 1e6 / (double)(t > 0 ? t : 1), answered, lost,
	    noerr);
	return 0;
usage:
	fprintf(stderr, "usage: dnsload -s ADDR -p PORT [-n QUERIES] "
	    "[-w WINDOW] [-t TIMEOUT_MS] NAME...\n");
	return 2;
}
