/* SPDX-License-Identifier: ISC */
/*
 * shim_probe - a helper client for the interposer's tests, meant to be
 * run through sh -c, env -i, exec chains: it does one socket operation
 * the plain way and prints what the kernel and the peer saw.
 *
 *	shim_probe connect HOST PORT	TCP; "local=A server-saw=B"
 *	shim_probe udp HOST PORT	UDP; "server-saw=B reply-from=C"
 *	shim_probe bind HOST PORT	TCP listener; "bound=A PORT"
 * HOST is an IPv4 or IPv6 literal. Exit 0 on success, 1 with the error
 * on stderr otherwise.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
probe_ntop(const struct sockaddr_storage *ss, char *buf, size_t len,
    unsigned int *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		*port = ntohs(sin6->sin6_port);
		return inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
	}
	const struct sockaddr_in *sin = (const void *)ss;

	*port = ntohs(sin->sin_port);
	return inet_ntop(AF_INET, &sin->sin_addr, buf, len);
}

static void
die(const char *what)
{
	fprintf(stderr, "shim_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss, local, from;
	struct sockaddr_in	*sin = (void *)&ss;
	struct sockaddr_in6	*sin6 = (void *)&ss;
	struct timeval		 tv = { 3, 0 };
	socklen_t		 len, llen = sizeof(local), flen = sizeof(from);
	char			 buf[256], a[INET6_ADDRSTRLEN];
	char			 b[INET6_ADDRSTRLEN];
	unsigned int		 port;
	int			 fd, type;
	ssize_t			 n;

	if (argc != 4) {
		fprintf(stderr, "usage: shim_probe connect|udp|bind HOST "
		    "PORT\n");
		return 1;
	}
	memset(&ss, 0, sizeof(ss));
	memset(&local, 0, sizeof(local));
	memset(&from, 0, sizeof(from));
	if (inet_pton(AF_INET, argv[2], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)atoi(argv[3]));
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[2], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)atoi(argv[3]));
		len = sizeof(*sin6);
	} else {
		fprintf(stderr, "shim_probe: %s: not an address\n", argv[2]);
		return 1;
	}
	type = strcmp(argv[1], "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	if ((fd = socket(ss.ss_family, type, 0)) == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (strcmp(argv[1], "bind") == 0) {
		if (bind(fd, (struct sockaddr *)&ss, len) == -1)
			die("bind");
		if (listen(fd, 1) == -1)
			die("listen");
		if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1)
			die("getsockname");
		probe_ntop(&local, a, sizeof(a), &port);
		printf("bound=%s %u\n", a, port);
		return 0;
	}
	if (type == SOCK_DGRAM) {
		if (sendto(fd, "?", 1, 0, (struct sockaddr *)&ss, len) == -1)
			die("sendto");
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0,
		    (struct sockaddr *)&from, &flen);
	} else {
		if (connect(fd, (struct sockaddr *)&ss, len) == -1)
			die("connect");
		n = read(fd, buf, sizeof(buf) - 1);
	}
	if (n <= 0) {
		if (n == 0)
			errno = ECONNRESET;
		die("no answer");
	}
	buf[n] = '\0';
	/* "PEER ADDR PORT\n" */
	if (sscanf(buf, "PEER %45s", b) != 1) {
		fprintf(stderr, "shim_probe: odd answer %s", buf);
		return 1;
	}
	if (type == SOCK_DGRAM) {
		probe_ntop(&from, a, sizeof(a), &port);
		printf("server-saw=%s reply-from=%s\n", b, a);
	} else {
		if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1)
			die("getsockname");
		probe_ntop(&local, a, sizeof(a), &port);
		printf("local=%s server-saw=%s\n", a, b);
	}
	return 0;
}
