/* SPDX-License-Identifier: ISC */
/*
 * linux/rawnet.c - a client and server that never meet the interposer: built
 * with -static, every socket call a raw syscall(2) (tests/integ/
 * kernel_*.sh). Exit 0 on success, 1 with the errno name on stderr.
 *
 *   rawnet serve PORT		bind 0.0.0.0:PORT, answer "you are ADDR\n"
 *   rawnet get ADDR PORT	connect, print the answer
 *   rawnet bind ADDR PORT	bind, print the address it got
 *   rawnet spoof SRC DST PORT N	N UDP packets from SRC (raw, IP_HDRINCL)
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
errname(int e)
{
	switch (e) {
	case EADDRNOTAVAIL:	return "EADDRNOTAVAIL";
	case EACCES:		return "EACCES";
	case EPERM:		return "EPERM";
	case EADDRINUSE:	return "EADDRINUSE";
	case ENETUNREACH:	return "ENETUNREACH";
	case ECONNREFUSED:	return "ECONNREFUSED";
	case ETIMEDOUT:		return "ETIMEDOUT";
	default:		return strerror(e);
	}
}

static int
die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, errname(errno));
	return 1;
}

static int
sin_of(const char *a, const char *p, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)atoi(p));
	return inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1;
}

static long
sys_socket(int type, int proto)
{
	return syscall(SYS_socket, AF_INET, type, proto);
}

static int
serve(const char *port)
{
	struct sockaddr_in	 sin, peer;
	socklen_t		 len;
	char			 buf[64], a[INET_ADDRSTRLEN];
	int			 fd, c, one = 1;

	if ((fd = (int)sys_socket(SOCK_STREAM, 0)) == -1)
		return die("socket");
	(void)syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one));
	sin_of("0.0.0.0", port, &sin);
	if (syscall(SYS_bind, fd, &sin, sizeof(sin)) == -1)
		return die("bind");
	if (syscall(SYS_listen, fd, 16) == -1)
		return die("listen");
	for (;;) {
		len = sizeof(peer);
		if ((c = (int)syscall(SYS_accept, fd, &peer, &len)) == -1)
			continue;
		inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "you are %s\n", a);
		(void)!write(c, buf, strlen(buf));
		close(c);
	}
}

static int
get(const char *addr, const char *port)
{
	struct sockaddr_in	 sin;
	char			 buf[128];
	ssize_t			 n;
	int			 fd;

	if (sin_of(addr, port, &sin) == -1 ||
	    (fd = (int)sys_socket(SOCK_STREAM, 0)) == -1)
		return die("socket");
	if (syscall(SYS_connect, fd, &sin, sizeof(sin)) == -1)
		return die("connect");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)!write(1, buf, (size_t)n);
	return 0;
}

static int
bindto(const char *addr, const char *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 a[INET_ADDRSTRLEN];
	int			 fd;

	if (sin_of(addr, port, &sin) == -1 ||
	    (fd = (int)sys_socket(SOCK_STREAM, 0)) == -1)
		return die("socket");
	if (syscall(SYS_bind, fd, &sin, sizeof(sin)) == -1)
		return die("bind");
	if (syscall(SYS_getsockname, fd, &sin, &len) == -1)
		return die("getsockname");
	inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
	printf("%s:%d\n", a, ntohs(sin.sin_port));
	return 0;
}

static int
spoof(const char *src, const char *dst, const char *port, int n)
{
	struct sockaddr_in	 to;
	struct {
		struct iphdr	 ip;
		struct udphdr	 udp;
		char		 data[8];
	} pkt;
	int			 fd, one = 1, i, sent = 0;

	if ((fd = (int)sys_socket(SOCK_RAW, IPPROTO_RAW)) == -1)
		return die("socket");
	(void)syscall(SYS_setsockopt, fd, IPPROTO_IP, IP_HDRINCL, &one,
	    sizeof(one));
	sin_of(dst, port, &to);
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_UDP;
	pkt.ip.tot_len = htons(sizeof(pkt));
	inet_pton(AF_INET, src, &pkt.ip.saddr);
	pkt.ip.daddr = to.sin_addr.s_addr;
	pkt.udp.source = htons(4444);
	pkt.udp.dest = to.sin_port;
	pkt.udp.len = htons(sizeof(pkt) - sizeof(pkt.ip));
	memcpy(pkt.data, "spoofed", 8);
	for (i = 0; i < n; i++)
		if (syscall(SYS_sendto, fd, &pkt, sizeof(pkt), 0, &to,
		    sizeof(to)) == (long)sizeof(pkt))
			sent++;
	printf("%d sent, %d refused\n", sent, n - sent);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 4 && strcmp(argv[1], "get") == 0)
		return get(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "bind") == 0)
		return bindto(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "spoof") == 0)
		return spoof(argv[2], argv[3], argv[4], atoi(argv[5]));
	fprintf(stderr, "usage: rawnet serve PORT | get ADDR PORT | "
	    "bind ADDR PORT | spoof SRC DST PORT N\n");
	return 2;
}
