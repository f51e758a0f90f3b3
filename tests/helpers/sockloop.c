/* SPDX-License-Identifier: ISC */
/*
 * sockloop - the loops bench/shim times, with and without the
 * interposer preloaded.
 *
 *	sockloop server ADDR		accept and close, forever; prints
 *					the port once listening
 *	sockloop connect N ADDR PORT [SRC]
 *					N x (socket, [bind SRC:0 with
 *					IP_BIND_ADDRESS_NO_PORT,] connect,
 *					read EOF, close)
 *	sockloop bind N ADDR		N x (socket, bind ADDR:0, close)
 * The loops print nanoseconds per iteration. The server closes first,
 * so TIME_WAIT stays on its side and the client never runs out of
 * ports.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "sockloop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Linux's shim defers the port choice to connect() (the source port must
 * not be taken from the bind range); macOS has no such option and binds
 * to an ephemeral port, as its shim does.
 */
static int
bind_no_port(int fd)
{
#ifdef IP_BIND_ADDRESS_NO_PORT
	int	 one = 1;

	return setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
#else
	(void)fd;
	return 0;
#endif
}

static void
addr_of(struct sockaddr_in *sin, const char *addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "sockloop: %s: not an IPv4 address\n", addr);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin, src;
	socklen_t		 len = sizeof(sin);
	long long		 t0, i, n;
	char			 buf[16];
	int			 fd, c, one = 1;

	if (argc == 3 && strcmp(argv[1], "server") == 0) {
		addr_of(&sin, argv[2], 0);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, 1024) == -1 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
			die("listen");
		printf("%u\n", ntohs(sin.sin_port));
		fflush(stdout);
		for (;;) {
			if ((c = accept(fd, NULL, NULL)) != -1)
				close(c);
		}
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "connect") == 0) {
		n = atoll(argv[2]);
		addr_of(&sin, argv[3], atoi(argv[4]));
		if (argc == 6)
			addr_of(&src, argv[5], 0);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
				die("socket");
			/* what the interposer does, done by hand */
			if (argc == 6 && (bind_no_port(fd) == -1 ||
			    bind(fd, (struct sockaddr *)&src,
			    sizeof(src)) == -1))
				die("bind");
			if (connect(fd, (struct sockaddr *)&sin,
			    sizeof(sin)) == -1)
				die("connect");
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		printf("%lld\n", (now_ns() - t0) / n);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "bind") == 0) {
		n = atoll(argv[2]);
		addr_of(&sin, argv[3], 0);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
				die("socket");
			if (bind(fd, (struct sockaddr *)&sin,
			    sizeof(sin)) == -1)
				die("bind");
			close(fd);
		}
		printf("%lld\n", (now_ns() - t0) / n);
		return 0;
	}
	fprintf(stderr, "usage: sockloop server ADDR | connect N ADDR PORT "
	    "[SRC] | bind N ADDR\n");
	return 1;
}
