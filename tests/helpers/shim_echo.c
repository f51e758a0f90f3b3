/* SPDX-License-Identifier: ISC */
/*
 * shim_echo - a helper server for the interposer's tests: a TCP listener
 * and a UDP socket on one address and port. Each TCP client gets one
 * line, "PEER ADDR PORT", naming the address it came from, then the
 * connection closes; each UDP datagram is answered with the same line.
 * Prints the port (useful with -p 0) on stdout once ready. Exits after
 * -t seconds (default 120) so a lost helper never lingers.
 *
 *	shim_echo [-6] -b ADDR [-p PORT] [-t SECONDS]
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
peer_line(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	return snprintf(buf, len, "PEER %s %u\n", host, port);
}

static int
open_sock(int family, int type, const char *addr, unsigned int *port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (void *)&ss;
	struct sockaddr_in6	*sin6 = (void *)&ss;
	socklen_t		 len;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(*port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(*port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof(*sin6);
	}
	if ((fd = socket(family, type, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 64) == -1))
		return -1;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	*port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd[2];
	socklen_t		 len;
	const char		*addr = NULL;
	char			 buf[2048], line[128];
	unsigned int		 port = 0;
	int			 ch, family = AF_INET, secs = 120, c, n;
	ssize_t			 r;

	while ((ch = getopt(argc, argv, "6b:p:t:")) != -1) {
		switch (ch) {
		case '6':
			family = AF_INET6;
			break;
		case 'b':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (addr == NULL)
		goto usage;
	if ((pfd[0].fd = open_sock(family, SOCK_STREAM, addr, &port)) == -1 ||
	    (pfd[1].fd = open_sock(family, SOCK_DGRAM, addr, &port)) == -1) {
		fprintf(stderr, "shim_echo: %s port %u: %s\n", addr, port,
		    strerror(errno));
		return 1;
	}
	printf("%u\n", port);
	fflush(stdout);
	alarm((unsigned int)secs);
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			memset(&ss, 0, sizeof(ss));
			len = sizeof(ss);
			if ((c = accept(pfd[0].fd, (struct sockaddr *)&ss,
			    &len)) != -1) {
				n = peer_line(&ss, line, sizeof(line));
				/* a client that went away is no error */
				(void)!write(c, line, (size_t)n);
				close(c);
			}
		}
		if (pfd[1].revents & POLLIN) {
			memset(&ss, 0, sizeof(ss));
			len = sizeof(ss);
			r = recvfrom(pfd[1].fd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&ss, &len);
			if (r >= 0) {
				n = peer_line(&ss, line, sizeof(line));
				sendto(pfd[1].fd, line, (size_t)n, 0,
				    (struct sockaddr *)&ss, len);
			}
		}
	}
usage:
	fprintf(stderr, "usage: shim_echo [-6] -b ADDR [-p PORT] "
	    "[-t SECONDS]\n");
	return 1;
}
