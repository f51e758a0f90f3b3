/* SPDX-License-Identifier: ISC */
/*
 * test_shim.c - the address interposer against real sockets.
 *
 * Every 127.0.0.x address is local on Linux, so containers can be
 * played without netd or root: this process runs the tests as the
 * container 127.0.0.2 (it re-runs itself with LD_PRELOAD and
 * BERTH_ADDR set), a helper server (tests/helpers/shim_echo) runs as
 * the container 127.0.0.3, an unshimmed one stands for the host on
 * 127.0.0.1, and another for the gateway's DNS on 127.0.0.4. The
 * servers answer "PEER ADDR PORT", so each test sees the address the
 * kernel really used. errno cases are checked against the raw system
 * call, which the interposer cannot touch. A fake DNS server (fakedns,
 * below) on 127.0.0.4 answers the interposer's getaddrinfo() and
 * gethostbyname() hooks, with a name for each way a reply can go wrong.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

#define ME	"127.0.0.2"	/* the container these tests run as */
#define OTHER	"127.0.0.3"	/* another container (shim_echo) */
#define DNSGW	"127.0.0.4"	/* a stand-in gateway DNS */

static char	 helpers[PATH_MAX];
static int	 echo_port, host_port, dns_port, fakedns_port;

/* ------------------------------------------------------- helpers */

static socklen_t
mkaddr(struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_in	*sin = (void *)ss;
	struct sockaddr_in6	*sin6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return sizeof(*sin);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	return sizeof(*sin6);
}

/* "ADDR PORT" of a sockaddr. */
static const char *
fmt(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s %u", host, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "%s %u", host, ntohs(sin6->sin6_port));
	}
	return buf;
}

/* The local address of fd, "ADDR" only. */
static const char *
local_ip(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			*sp;

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	fmt(&ss, buf, len);
	if ((sp = strchr(buf, ' ')) != NULL)
		*sp = '\0';
	return buf;
}

static int
local_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	return ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int
sock(int family, int type)
{
	struct timeval	 tv = { 3, 0 };
	int		 fd;

	assert_true((fd = socket(family, type, 0)) >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
do_bind(int fd, const char *ip, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, ip, port);

	return bind(fd, (struct sockaddr *)&ss, len);
}

static int
do_connect(int fd, const char *ip, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, ip, port);

	return connect(fd, (struct sockaddr *)&ss, len);
}

/* Read the server's "PEER ADDR PORT" line; return ADDR. */
static const char *
peer_said(int fd, char *buf, size_t len)
{
	char	 line[128];
	ssize_t	 n;

	n = read(fd, line, sizeof(line) - 1);
	assert_true(n > 0);
	line[n] = '\0';
	assert_int_equal(sscanf(line, "PEER %45s", buf), 1);
	(void)len;
	return buf;
}

static void
set_v6only(int fd, int on)
{
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
	    sizeof(on)), 0);
}

/* Run a shell command, capture its stdout; return its exit status. */
static int
run(const char *cmd, char *out, size_t len)
{
	FILE	*f;
	size_t	 n;
	int	 st;

	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Did shim_probe report "server-saw=ADDR"? */
static int
saw(const char *out, const char *addr)
{
	const char	*p = strstr(out, "server-saw=");
	size_t		 n = strlen(addr);

	return p != NULL && strncmp(p + 11, addr, n) == 0 &&
	    (p[11 + n] == ' ' || p[11 + n] == '\n');
}

/* A listener of our own on 127.0.0.1 (so, in fact, the container's). */
static int
own_listener(int type)
{
	int	 fd = sock(AF_INET, type);

	assert_int_equal(do_bind(fd, "127.0.0.1", 0), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* ----------------------------------------------------------- bind */

static void
t_bind_wildcard4(void **state)
{
	static const char *const asked[] = { "0.0.0.0", "127.0.0.1" };
	char	 buf[64];
	size_t	 i;
	int	 fd;

	for (i = 0; i < 2; i++) {
		fd = sock(AF_INET, SOCK_STREAM);
		assert_int_equal(do_bind(fd, asked[i], 0), 0);
		assert_string_equal(local_ip(fd, buf, sizeof(buf)), ME);
		close(fd);
	}
}

static void
t_bind_other4(void **state)
{
	char	 buf[64];
	int	 fd = sock(AF_INET, SOCK_DGRAM);

	/* an explicit address other than loopback is the program's call */
	assert_int_equal(do_bind(fd, "127.0.0.5", 0), 0);
	assert_string_equal(local_ip(fd, buf, sizeof(buf)), "127.0.0.5");
	close(fd);
}

static void
t_bind_dualstack6(void **state)
{
	static const char *const asked[] = { "::", "::1", "::ffff:0.0.0.0",
	    "::ffff:127.0.0.1" };
	char	 buf[64];
	size_t	 i;
	int	 fd;

	for (i = 0; i < 4; i++) {
		fd = sock(AF_INET6, SOCK_STREAM);
		set_v6only(fd, 0);
		assert_int_equal(do_bind(fd, asked[i], 0), 0);
		assert_string_equal(local_ip(fd, buf, sizeof(buf)),
		    "::ffff:" ME);
		close(fd);
	}
}

static void
t_bind_dualstack_serves_v4(void **state)
{
	char	 buf[64];
	int	 l, c, a;

	/* python -m http.server's way: :: with V6ONLY off */
	l = sock(AF_INET6, SOCK_STREAM);
	set_v6only(l, 0);
	assert_int_equal(do_bind(l, "::", 0), 0);
	assert_int_equal(listen(l, 4), 0);
	c = sock(AF_INET, SOCK_STREAM);
	assert_int_equal(do_connect(c, ME, local_port(l)), 0);
	assert_true((a = accept(l, NULL, NULL)) >= 0);
	assert_string_equal(local_ip(a, buf, sizeof(buf)), "::ffff:" ME);
	close(a);
	close(c);
	close(l);
}

static void
t_bind_v6only(void **state)
{
	struct sockaddr_in6	 real;
	socklen_t		 len = sizeof(real);
	char			 buf[64], host[64];
	int			 a, b, port;

	/* nginx's [::]:PORT ipv6only=on: accepted, never reached */
	a = sock(AF_INET6, SOCK_STREAM);
	set_v6only(a, 1);
	assert_int_equal(do_bind(a, "::", 0), 0);
	assert_int_equal(listen(a, 4), 0);
	port = local_port(a);
	assert_true(port > 0);
	assert_string_equal(local_ip(a, buf, sizeof(buf)), "::");
	assert_int_equal(syscall(SYS_getsockname, a, &real, &len), 0);
	inet_ntop(AF_INET6, &real.sin6_addr, host, sizeof(host));
	assert_string_equal(host, "::1");

	/* a fixed port: getsockname reports it, and a second one binds */
	b = sock(AF_INET6, SOCK_STREAM);
	set_v6only(b, 1);
	assert_int_equal(do_bind(b, "::", 47321), 0);
	assert_int_equal(local_port(b), 47321);
	close(b);
	close(a);

	/* the fd number reused by a plain socket: no stale name */
	b = sock(AF_INET, SOCK_STREAM);
	assert_int_equal(do_bind(b, "0.0.0.0", 0), 0);
	assert_string_equal(local_ip(b, buf, sizeof(buf)), ME);
	close(b);
}

static void
t_bind_v6only_mapped(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, "::ffff:0.0.0.0", 0);
	int			 a, b, r1, r2, e1, e2;

	a = sock(AF_INET6, SOCK_STREAM);
	b = sock(AF_INET6, SOCK_STREAM);
	set_v6only(a, 1);
	set_v6only(b, 1);
	r1 = bind(a, (struct sockaddr *)&ss, len);
	e1 = errno;
	r2 = syscall(SYS_bind, b, &ss, len);
	e2 = errno;
	assert_int_equal(r1, r2);
	assert_int_equal(r1, -1);
	assert_int_equal(e1, e2);
	close(a);
	close(b);
}

/* --------------------------------------------------------- connect */

static void
t_connect_peer(void **state)
{
	char	 buf[64];
	int	 fd = sock(AF_INET, SOCK_STREAM);

	assert_int_equal(do_connect(fd, OTHER, echo_port), 0);
	assert_string_equal(local_ip(fd, buf, sizeof(buf)), ME);
	assert_string_equal(peer_said(fd, buf, sizeof(buf)), ME);
	close(fd);
}

static void
t_connect_explicit_bind_kept(void **state)
{
	char	 buf[64];
	int	 fd = sock(AF_INET, SOCK_STREAM);

	assert_int_equal(do_bind(fd, "127.0.0.5", 0), 0);
	assert_int_equal(do_connect(fd, OTHER, echo_port), 0);
	assert_string_equal(peer_said(fd, buf, sizeof(buf)), "127.0.0.5");
	close(fd);
}

static void
t_connect_own_localhost(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 buf[64];
	int			 l, c, a, r;

	l = own_listener(SOCK_STREAM);
	assert_string_equal(local_ip(l, buf, sizeof(buf)), ME);
	static const char *const dst[] = { "127.0.0.1", "0.0.0.0" };
	for (size_t i = 0; i < 2; i++) {
		c = sock(AF_INET, SOCK_STREAM);
		assert_int_equal(do_connect(c, dst[i], local_port(l)), 0);
		assert_true((a = accept(l, NULL, NULL)) >= 0);
		assert_string_equal(local_ip(c, buf, sizeof(buf)), ME);
		close(a);
		close(c);
	}
	close(l);

	/* the host's 127.0.0.1 server is not this container's localhost */
	c = sock(AF_INET, SOCK_STREAM);
	assert_int_equal(do_connect(c, "127.0.0.1", host_port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(c);
	/* ... though it is there, for a raw connect */
	c = sock(AF_INET, SOCK_STREAM);
	len = mkaddr(&ss, "127.0.0.1", host_port);
	r = syscall(SYS_connect, c, &ss, len);
	assert_int_equal(r, 0);
	assert_string_equal(peer_said(c, buf, sizeof(buf)), "127.0.0.1");
	close(c);
}

static void
t_connect6(void **state)
{
	char	 buf[64];
	int	 l, c, a;

	l = own_listener(SOCK_STREAM);
	c = sock(AF_INET6, SOCK_STREAM);
	assert_int_equal(do_connect(c, "::1", local_port(l)), 0);
	assert_true((a = accept(l, NULL, NULL)) >= 0);
	assert_string_equal(local_ip(c, buf, sizeof(buf)), "::ffff:" ME);
	close(a);
	close(c);
	close(l);

	c = sock(AF_INET6, SOCK_STREAM);
	assert_int_equal(do_connect(c, "::ffff:" OTHER, echo_port), 0);
	assert_string_equal(peer_said(c, buf, sizeof(buf)), ME);
	close(c);
}

/* A global IPv6 address of this host, if it has one. */
static int
host_v6(char *buf, size_t len)
{
	struct ifaddrs	*ifa, *i;
	int		 found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		struct sockaddr_in6 *sin6 = (void *)i->ifa_addr;

		if (sin6 == NULL || sin6->sin6_family != AF_INET6 ||
		    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
			continue;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
		found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

static void
t_connect6_native(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 v6[INET6_ADDRSTRLEN];
	int			 l, c;

	if (!host_v6(v6, sizeof(v6)))
		skip();
	/* a listener on the host's own IPv6 address (explicit: kept) */
	l = sock(AF_INET6, SOCK_STREAM);
	assert_int_equal(do_bind(l, v6, 0), 0);
	assert_int_equal(listen(l, 4), 0);
	len = mkaddr(&ss, v6, local_port(l));
	c = sock(AF_INET6, SOCK_STREAM);
	assert_int_equal(connect(c, (struct sockaddr *)&ss, len), -1);
	assert_int_equal(errno, ENETUNREACH);
	close(c);
	c = sock(AF_INET6, SOCK_STREAM);
	assert_int_equal(syscall(SYS_connect, c, &ss, len), 0);
	close(c);
	close(l);
}

/* ------------------------------------------------------------- UDP */

static void
udp_answer(int fd, const char *want_peer, const char *want_from)
{
	struct sockaddr_storage	 from;
	socklen_t		 fl = sizeof(from);
	char			 line[128], peer[64], buf[64], *sp;
	ssize_t			 n;

	n = recvfrom(fd, line, sizeof(line) - 1, 0,
	    (struct sockaddr *)&from, &fl);
	assert_true(n > 0);
	line[n] = '\0';
	assert_int_equal(sscanf(line, "PEER %45s", peer), 1);
	assert_string_equal(peer, want_peer);
	fmt(&from, buf, sizeof(buf));
	if ((sp = strchr(buf, ' ')) != NULL)
		*sp = '\0';
	assert_string_equal(buf, want_from);
}

static void
t_udp_sendto(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, OTHER, echo_port);
	int			 fd = sock(AF_INET, SOCK_DGRAM);

	assert_int_equal(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len),
	    1);
	udp_answer(fd, ME, OTHER);
	/* bound now: a second send goes out the same way */
	assert_int_equal(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len),
	    1);
	udp_answer(fd, ME, OTHER);
	close(fd);
}

static void
t_udp_sendmsg(void **state)
{
	struct sockaddr_storage	 ss;
	struct iovec		 iov = { "x", 1 };
	struct msghdr		 m;
	int			 fd = sock(AF_INET6, SOCK_DGRAM);

	memset(&m, 0, sizeof(m));
	m.msg_name = &ss;
	m.msg_namelen = mkaddr(&ss, "::ffff:" OTHER, echo_port);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	assert_int_equal(sendmsg(fd, &m, 0), 1);
	udp_answer(fd, ME, "::ffff:" OTHER);
	close(fd);
}

static void
t_udp_sendmmsg(void **state)
{
	struct sockaddr_storage	 a, b, from;
	struct iovec		 iov = { "x", 1 };
	struct mmsghdr		 mm[2];
	socklen_t		 fl = sizeof(from);
	char			 c, buf[64];
	int			 own, fd;

	own = own_listener(SOCK_DGRAM);
	fd = sock(AF_INET, SOCK_DGRAM);
	memset(mm, 0, sizeof(mm));
	mm[0].msg_hdr.msg_name = &a;
	mm[0].msg_hdr.msg_namelen = mkaddr(&a, OTHER, echo_port);
	mm[1].msg_hdr.msg_name = &b;
	mm[1].msg_hdr.msg_namelen = mkaddr(&b, "127.0.0.1", local_port(own));
	mm[0].msg_hdr.msg_iov = mm[1].msg_hdr.msg_iov = &iov;
	mm[0].msg_hdr.msg_iovlen = mm[1].msg_hdr.msg_iovlen = 1;
	assert_int_equal(sendmmsg(fd, mm, 2, 0), 2);
	assert_int_equal(mm[0].msg_len, 1);
	assert_int_equal(mm[1].msg_len, 1);
	/* the caller's vector is untouched: still 127.0.0.1 */
	assert_int_equal(((struct sockaddr_in *)&b)->sin_addr.s_addr,
	    htonl(INADDR_LOOPBACK));
	udp_answer(fd, ME, OTHER);
	assert_int_equal(recvfrom(own, &c, 1, 0, (struct sockaddr *)&from,
	    &fl), 1);
	fmt(&from, buf, sizeof(buf));
	assert_string_equal(strtok(buf, " "), ME);
	close(fd);
	close(own);
}

static void
t_udp_own_localhost(void **state)
{
	struct sockaddr_storage	 ss, from;
	socklen_t		 len, fl = sizeof(from);
	char			 c, buf[64];
	int			 own, fd;

	own = own_listener(SOCK_DGRAM);
	fd = sock(AF_INET, SOCK_DGRAM);
	len = mkaddr(&ss, "127.0.0.1", local_port(own));
	assert_int_equal(sendto(fd, "y", 1, 0, (struct sockaddr *)&ss, len),
	    1);
	assert_int_equal(recvfrom(own, &c, 1, 0, (struct sockaddr *)&from,
	    &fl), 1);
	assert_int_equal(c, 'y');
	fmt(&from, buf, sizeof(buf));
	assert_string_equal(strtok(buf, " "), ME);
	close(fd);
	close(own);
}

static void
t_listen_unbound(void **state)
{
	char	 buf[64];
	int	 fd = sock(AF_INET, SOCK_STREAM), f6;

	assert_int_equal(listen(fd, 4), 0);
	assert_string_equal(local_ip(fd, buf, sizeof(buf)), ME);
	assert_true(local_port(fd) > 0);
	close(fd);
	f6 = sock(AF_INET6, SOCK_STREAM);
	set_v6only(f6, 0);
	assert_int_equal(listen(f6, 4), 0);
	assert_string_equal(local_ip(f6, buf, sizeof(buf)), "::ffff:" ME);
	close(f6);
}

/* ----------------------------------------------------------- errno */

/* The same call through the interposer and as a raw system call. */
#define SAME(shimmed, raw) do { \
	int r1_, r2_, e1_, e2_; \
	errno = 0; r1_ = (int)(shimmed); e1_ = errno; \
	errno = 0; r2_ = (int)(raw); e2_ = errno; \
	assert_int_equal(r1_, r2_); \
	if (r1_ == -1) \
		assert_int_equal(e1_, e2_); \
} while (0)

static void
t_errno_bind(void **state)
{
	struct sockaddr_storage	 ss, s6;
	socklen_t		 len = mkaddr(&ss, "0.0.0.0", 0);
	socklen_t		 l6 = mkaddr(&s6, "::", 0);
	int			 a, b, f;

	SAME(bind(-1, (struct sockaddr *)&ss, len),
	    syscall(SYS_bind, -1, &ss, len));
	f = open("/dev/null", O_RDONLY);
	SAME(bind(f, (struct sockaddr *)&ss, len),
	    syscall(SYS_bind, f, &ss, len));
	close(f);
#define PAIR(fam, type) (a = sock(fam, type), b = sock(fam, type))
#define UNPAIR() (close(a), close(b))
	PAIR(AF_INET, SOCK_STREAM);	/* short length */
	SAME(bind(a, (struct sockaddr *)&ss, 3),
	    syscall(SYS_bind, b, &ss, 3));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* NULL address */
	SAME(bind(a, NULL, len), syscall(SYS_bind, b, NULL, len));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* an IPv6 address on IPv4 */
	SAME(bind(a, (struct sockaddr *)&s6, l6),
	    syscall(SYS_bind, b, &s6, l6));
	UNPAIR();
	PAIR(AF_INET6, SOCK_STREAM);	/* an IPv4 address on IPv6 */
	SAME(bind(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_bind, b, &ss, len));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* an unsupported family */
	ss.ss_family = AF_APPLETALK;
	SAME(bind(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_bind, b, &ss, len));
	ss.ss_family = AF_INET;
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* too long */
	SAME(bind(a, (struct sockaddr *)&ss, sizeof(ss) + 1),
	    syscall(SYS_bind, b, &ss, sizeof(ss) + 1));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* bound twice */
	assert_int_equal(bind(a, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(syscall(SYS_bind, b, &ss, len), 0);
	SAME(bind(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_bind, b, &ss, len));
	UNPAIR();
}

static void
t_errno_connect(void **state)
{
	struct sockaddr_storage	 ss, s6;
	socklen_t		 len = mkaddr(&ss, OTHER, echo_port);
	socklen_t		 l6 = mkaddr(&s6, "::ffff:" OTHER, echo_port);
	int			 a, b;

	SAME(connect(-1, (struct sockaddr *)&ss, len),
	    syscall(SYS_connect, -1, &ss, len));
	PAIR(AF_INET, SOCK_STREAM);
	SAME(connect(a, (struct sockaddr *)&ss, 3),
	    syscall(SYS_connect, b, &ss, 3));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);
	SAME(connect(a, NULL, len), syscall(SYS_connect, b, NULL, len));
	UNPAIR();
	PAIR(AF_INET6, SOCK_STREAM);	/* IPv4 sockaddr on IPv6 */
	SAME(connect(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_connect, b, &ss, len));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* IPv6 sockaddr on IPv4 */
	SAME(connect(a, (struct sockaddr *)&s6, l6),
	    syscall(SYS_connect, b, &s6, l6));
	UNPAIR();
	PAIR(AF_INET6, SOCK_STREAM);	/* v4-mapped on V6ONLY */
	set_v6only(a, 1);
	set_v6only(b, 1);
	SAME(connect(a, (struct sockaddr *)&s6, l6),
	    syscall(SYS_connect, b, &s6, l6));
	UNPAIR();
	PAIR(AF_INET, SOCK_STREAM);	/* unsupported family */
	ss.ss_family = AF_APPLETALK;
	SAME(connect(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_connect, b, &ss, len));
	ss.ss_family = AF_INET;
	UNPAIR();
	PAIR(AF_UNIX, SOCK_STREAM);	/* IPv4 address on AF_UNIX */
	SAME(connect(a, (struct sockaddr *)&ss, len),
	    syscall(SYS_connect, b, &ss, len));
	UNPAIR();
}

static void
t_errno_send(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, OTHER, echo_port);
	struct mmsghdr		 mm;
	struct msghdr		 m;
	int			 a, b;

	SAME(sendto(-1, "x", 1, 0, (struct sockaddr *)&ss, len),
	    syscall(SYS_sendto, -1, "x", 1, 0, &ss, len));
	PAIR(AF_INET, SOCK_DGRAM);
	SAME(sendto(a, "x", 1, 0, (struct sockaddr *)&ss, 3),
	    syscall(SYS_sendto, b, "x", 1, 0, &ss, 3));
	UNPAIR();
	PAIR(AF_INET, SOCK_DGRAM);	/* no destination */
	SAME(sendto(a, "x", 1, 0, NULL, 0),
	    syscall(SYS_sendto, b, "x", 1, 0, NULL, 0));
	UNPAIR();
	memset(&m, 0, sizeof(m));
	m.msg_name = &ss;
	m.msg_namelen = len;
	SAME(sendmsg(-1, &m, 0), syscall(SYS_sendmsg, -1, &m, 0));
	memset(&mm, 0, sizeof(mm));
	mm.msg_hdr = m;
	SAME(sendmmsg(-1, &mm, 1, 0), syscall(SYS_sendmmsg, -1, &mm, 1, 0));
	SAME(listen(-1, 1), syscall(SYS_listen, -1, 1));
	SAME(getsockname(-1, (struct sockaddr *)&ss, &len),
	    syscall(SYS_getsockname, -1, &ss, &len));
}

/* ------------------------------------------------- not our sockets */

static void
t_unix_untouched(void **state)
{
	struct sockaddr_un	 sun, got;
	socklen_t		 gl = sizeof(got);
	char			 dir[] = "/tmp/berth-shim.XXXXXX";
	int			 l, c;

	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	l = sock(AF_UNIX, SOCK_STREAM);
	assert_int_equal(bind(l, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(l, 1), 0);
	c = sock(AF_UNIX, SOCK_STREAM);
	assert_int_equal(connect(c, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&got, &gl), 0);
	assert_string_equal(got.sun_path, sun.sun_path);
	close(c);
	close(l);
	unlink(sun.sun_path);
	rmdir(dir);

	/* listen on an unbound AF_UNIX socket: whatever the kernel says */
	l = sock(AF_UNIX, SOCK_STREAM);
	c = sock(AF_UNIX, SOCK_STREAM);
	SAME(listen(l, 1), syscall(SYS_listen, c, 1));
	close(c);
	close(l);
}

static void
t_netlink_untouched(void **state)
{
	struct sockaddr_nl	 nl;
	socklen_t		 len = sizeof(nl);
	int			 fd;

	assert_true((fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)) >= 0);
	memset(&nl, 0, sizeof(nl));
	nl.nl_family = AF_NETLINK;
	assert_int_equal(bind(fd, (struct sockaddr *)&nl, sizeof(nl)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&nl, &len), 0);
	assert_int_equal(nl.nl_family, AF_NETLINK);
	close(fd);
}

/* ---------------------------------------------- processes, exec */

static void
t_fork(void **state)
{
	char	 buf[64];
	pid_t	 pid;
	int	 st, fd;

	if ((pid = fork()) == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (do_connect(fd, OTHER, echo_port) == -1)
			_exit(2);
		char line[128];
		ssize_t n = read(fd, line, sizeof(line) - 1);
		if (n <= 0)
			_exit(3);
		line[n] = '\0';
		_exit(sscanf(line, "PEER %45s", buf) == 1 &&
		    strcmp(buf, ME) == 0 ? 0 : 4);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
t_exec_chains(void **state)
{
	static const char *const fmts[] = {
		"%s/shim_probe connect " OTHER " %d",
		"exec %s/shim_probe connect " OTHER " %d",
		"sh -c 'exec %s/shim_probe connect " OTHER " %d'",
		"sh -c 'sh -c \"%s/shim_probe connect " OTHER " %d\"; :'",
		"sh -c '(%s/shim_probe connect " OTHER " %d) | cat'",
		"%s/shim_probe udp " OTHER " %d",
	};
	char	 cmd[PATH_MAX + 200], out[256];
	size_t	 i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(cmd, sizeof(cmd), fmts[i], helpers, echo_port);
		assert_int_equal(run(cmd, out, sizeof(out)), 0);
		if (!saw(out, ME))
			fail_msg("%s: %s", cmd, out);
	}
}

static void
t_exec_clean_env(void **state)
{
	char	 cmd[PATH_MAX + 200], out[256], path[PATH_MAX + 20];
	char	 port[16], *argv[5], *envp[] = { NULL };
	int	 p[2], st;
	pid_t	 pid;
	ssize_t	 n;
	posix_spawn_file_actions_t fa;

	/* env -i clears everything, then execvp: we put ourselves back */
	snprintf(cmd, sizeof(cmd), "env -i %s/shim_probe connect " OTHER
	    " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, ME));

	/* posix_spawn with an empty environment, likewise */
	snprintf(path, sizeof(path), "%s/shim_probe", helpers);
	snprintf(port, sizeof(port), "%d", echo_port);
	argv[0] = path;
	argv[1] = (char *)"connect";
	argv[2] = (char *)OTHER;
	argv[3] = port;
	argv[4] = NULL;
	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	assert_int_equal(posix_spawn(&pid, path, &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(saw(out, ME));

	/* an environment that names BERTH_ADDR is the caller's decision */
	snprintf(cmd, sizeof(cmd), "env -i BERTH_ADDR= %s/shim_probe "
	    "connect " OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, "127.0.0.1"));
	/* ... and a BERTH_ADDR that is not an address turns the shim off */
	snprintf(cmd, sizeof(cmd), "BERTH_ADDR=nonsense %s/shim_probe "
	    "connect " OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, "127.0.0.1"));
}

/*
 * BERTH_KERNEL=1: the kernel's BPF programs do binds and connects (none
 * here), so the interposer leaves them alone; it still binds before a
 * datagram send, and passes BERTH_KERNEL on through env -i.
 */
static void
t_kernel_steps_aside(void **state)
{
	char	 cmd[PATH_MAX + 200], out[256];

	snprintf(cmd, sizeof(cmd), "BERTH_KERNEL=1 %s/shim_probe connect "
	    OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, "127.0.0.1"));
	snprintf(cmd, sizeof(cmd), "BERTH_KERNEL=1 %s/shim_probe bind "
	    "0.0.0.0 0", helpers);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "bound=0.0.0.0 "));
	snprintf(cmd, sizeof(cmd), "BERTH_KERNEL=1 env -i %s/shim_probe "
	    "connect " OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, "127.0.0.1"));
	snprintf(cmd, sizeof(cmd), "BERTH_KERNEL=1 %s/shim_probe udp "
	    OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_true(saw(out, ME));
	/* without it, the interposer's own work, as before */
	snprintf(cmd, sizeof(cmd), "BERTH_KERNEL=0 %s/shim_probe bind "
	    "0.0.0.0 0", helpers);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "bound=" ME " "));
}

/* ------------------------------------------------------------- DNS */

/* The nameserver lines of /etc/resolv.conf: how many, and is addr one. */
static int
resolv_lists(const char *addr, int *listed)
{
	char	 line[256], ns[64];
	FILE	*f;
	int	 n = 0;

	*listed = 0;
	if ((f = fopen("/etc/resolv.conf", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "nameserver %63s", ns) != 1)
			continue;
		n++;
		if (strcmp(ns, addr) == 0)
			*listed = 1;
	}
	fclose(f);
	return n;
}

static void
t_dns_hook(void **state)
{
	char	 cmd[PATH_MAX + 200], out[256];
	int	 listed;

	/*
	 * On: systemd-resolved's stub, and 127.0.0.1 and ::1 when they are
	 * the host's nameservers (listed, or none listed: the default), go
	 * to the gateway. (A listed remote nameserver: dns_names.sh.)
	 */
	static const char *const to[] = { "udp 127.0.0.53",
	    "connect 127.0.0.53", "udp 127.0.0.1", "udp ::1" };
	int	 on[4] = { 1, 1, 0, 0 }, loop;
	on[2] = resolv_lists("127.0.0.1", &listed) == 0 || listed;
	on[3] = resolv_lists("::1", &listed) == 0 || listed;
	loop = on[2];
	for (size_t i = 0; i < 4; i++) {
		if (!on[i])
			continue;
		snprintf(cmd, sizeof(cmd), "BERTH_DNS=" DNSGW ":%d "
		    "%s/shim_probe %s 53", dns_port, helpers, to[i]);
		assert_int_equal(run(cmd, out, sizeof(out)), 0);
		if (!saw(out, ME) || (strncmp(to[i], "udp", 3) == 0 &&
		    strstr(out, "reply-from=127.0.0.4") == NULL &&
		    strstr(out, "reply-from=::ffff:127.0.0.4") == NULL))
			fail_msg("%s: %s", cmd, out);
	}
	/* otherwise 127.0.0.1:53 is the container's own localhost */
	if (!loop) {
		snprintf(cmd, sizeof(cmd), "BERTH_DNS=" DNSGW ":%d "
		    "%s/shim_probe connect 127.0.0.1 53 2>/dev/null",
		    dns_port, helpers);
		assert_int_not_equal(run(cmd, out, sizeof(out)), 0);
	}
	/* other ports are left alone: nobody answers on 127.0.0.53:54 */
	snprintf(cmd, sizeof(cmd), "BERTH_DNS=" DNSGW ":%d %s/shim_probe "
	    "connect 127.0.0.53 54 2>/dev/null", dns_port, helpers);
	assert_int_not_equal(run(cmd, out, sizeof(out)), 0);
	/* off without BERTH_DNS: 127.0.0.1:53 is the container's own */
	snprintf(cmd, sizeof(cmd), "env -u BERTH_DNS %s/shim_probe connect "
	    "127.0.0.1 53 2>/dev/null", helpers);
	assert_int_not_equal(run(cmd, out, sizeof(out)), 0);
	/* a bad BERTH_DNS is ignored, not fatal */
	snprintf(cmd, sizeof(cmd), "BERTH_DNS=nonsense %s/shim_probe connect "
	    OTHER " %d", helpers, echo_port);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	/* ... and with a bad port it redirects nothing */
	{
		static const char *const badport[] = { "%dx", "0", "70000",
		    "" };
		char	 val[32];
		size_t	 k;

		for (k = 0; k < sizeof(badport) / sizeof(badport[0]); k++) {
			snprintf(val, sizeof(val), badport[k], dns_port);
			snprintf(cmd, sizeof(cmd), "BERTH_DNS=" DNSGW ":%s "
			    "%s/shim_probe udp 127.0.0.53 53 2>/dev/null", val,
			    helpers);
			(void)run(cmd, out, sizeof(out));
			if (strstr(out, "reply-from=127.0.0.4") != NULL)
				fail_msg("BERTH_DNS port \"%s\" redirected: %s",
				    val, out);
		}
	}
}

/* ----------------------------------------------------------- names */

/*
 * The hooks run in this process: BERTH_DNS points at fakedns, whose
 * names are listed at fakedns_answer(). "count.berth" answers with the
 * number of queries it received before, as 0.0.HI.LO.
 */
static int
fake_count(void)
{
	struct addrinfo	 hints, *ai;
	const unsigned char *a;
	int		 n;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	assert_int_equal(getaddrinfo("count.berth", NULL, &hints, &ai), 0);
	a = (const unsigned char *)
	    &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	n = a[2] << 8 | a[3];
	freeaddrinfo(ai);
	return n;
}

/* getaddrinfo(name, service) with these hints; the addresses as text. */
static int
gai(const char *name, const char *service, int family, int socktype,
    int flags, char *out, size_t len)
{
	struct addrinfo	 hints, *ai, *i;
	struct sockaddr_storage ss;
	char		 one[80];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = flags;
	*out = '\0';
	if ((rc = getaddrinfo(name, service, &hints, &ai)) != 0)
		return rc;
	for (i = ai; i != NULL; i = i->ai_next) {
		assert_true(i->ai_addrlen <= sizeof(ss));
		memcpy(&ss, i->ai_addr, i->ai_addrlen);
		fmt(&ss, one, sizeof(one));
		snprintf(out + strlen(out), len - strlen(out), "%s%s/%d",
		    *out != '\0' ? "," : "", one, i->ai_protocol);
		if (i != ai)
			assert_null(i->ai_canonname);
	}
	if (flags & AI_CANONNAME)
		snprintf(out + strlen(out), len - strlen(out), " %s",
		    ai->ai_canonname);
	freeaddrinfo(ai);
	return 0;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
t_names_getaddrinfo(void **state)
{
	char	 out[1024];

	assert_int_equal(gai("web.berth", "80", AF_UNSPEC, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 80/6");
	/* any case, a final dot */
	assert_int_equal(gai("WEB.Berth.", "80", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 80/6");
	/* no socktype: libc's three entries, or the service's two */
	assert_int_equal(gai("web.berth", "53", AF_UNSPEC, 0, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 53/6,127.0.0.3 53/17,"
	    "127.0.0.3 53/0");
	assert_int_equal(gai("web.berth", "domain", AF_UNSPEC, 0, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 53/6,127.0.0.3 53/17");
	assert_int_equal(gai("web.berth", NULL, AF_INET, SOCK_DGRAM, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 0/17");
	/* the canonical name, on the first entry only */
	assert_int_equal(gai("multi.berth.", "7", AF_UNSPEC, SOCK_STREAM,
	    AI_CANONNAME, out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 7/6,127.0.0.5 7/6 multi.berth");
	/* IPv6: v4-mapped when asked for, else "no address of that kind" */
	assert_int_equal(gai("web.berth", "80", AF_INET6, SOCK_STREAM,
	    AI_V4MAPPED, out, sizeof(out)), 0);
	assert_string_equal(out, "::ffff:127.0.0.3 80/6");
	assert_int_equal(gai("web.berth", "80", AF_INET6, SOCK_STREAM, 0,
	    out, sizeof(out)), EAI_NODATA);
	/* a CNAME before the A; more A records than the shim keeps */
	assert_int_equal(gai("cname.berth", "1", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 1/6");
	assert_int_equal(gai("many.berth", "1", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_non_null(strstr(out, "127.0.1.16 1/6"));
	assert_null(strstr(out, "127.0.1.17 "));
	/* the name of the right container, found by our source address */
	assert_int_equal(gai("where.berth", "1", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, ME " 1/6");
	assert_int_equal(gai("db", "1", AF_INET, SOCK_STREAM, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 1/6");
}

static void
t_names_errors(void **state)
{
	char		 out[1024];
	long long	 t;

	/* libc's errors, in libc's order: hints and service first */
	assert_int_equal(gai("nope.berth", "80", AF_UNSPEC, SOCK_STREAM, 0,
	    out, sizeof(out)), EAI_NONAME);
	assert_int_equal(gai("nope.berth", "nosuchservice", AF_UNSPEC, 0, 0,
	    out, sizeof(out)), EAI_SERVICE);
	assert_int_equal(gai("web.berth", "nosuchservice", AF_UNSPEC, 0, 0,
	    out, sizeof(out)), EAI_SERVICE);
	assert_int_equal(gai("web.berth", "http", AF_UNSPEC, 0,
	    AI_NUMERICSERV, out, sizeof(out)), EAI_NONAME);
	assert_int_equal(gai("web.berth", "80", AF_UNSPEC, 77, 0, out,
	    sizeof(out)), EAI_SOCKTYPE);
	assert_int_equal(gai("web.berth", "80", AF_UNIX, 0, 0, out,
	    sizeof(out)), EAI_FAMILY);
	assert_int_equal(gai("web.berth", "80", AF_UNSPEC, 0, 0x10000, out,
	    sizeof(out)), EAI_BADFLAGS);
	assert_int_equal(gai("nodata.berth", "80", AF_UNSPEC, 0, 0, out,
	    sizeof(out)), EAI_NODATA);
	/* no usable reply: try again later */
	static const char *const again[] = { "fail.berth", "tc.berth",
	    "trunc.berth", "badlabel.berth" };
	for (size_t i = 0; i < 4; i++) {
		if (gai(again[i], "80", AF_UNSPEC, 0, 0, out,
		    sizeof(out)) != EAI_AGAIN)
			fail_msg("%s: not EAI_AGAIN", again[i]);
	}
	/* stray packets (wrong ID, wrong question, not a reply) ignored */
	assert_int_equal(gai("junk.berth", "80", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 80/6");
	/* a lost query is sent again after 500 ms */
	t = now_ms();
	assert_int_equal(gai("second.berth", "80", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 80/6");
	assert_true(now_ms() - t >= 450);
	/* no answer at all: two tries, then EAI_AGAIN, about a second */
	t = now_ms();
	assert_int_equal(gai("slow.berth", "80", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), EAI_AGAIN);
	t = now_ms() - t;
	if (t < 900 || t > 2500)
		fail_msg("slow.berth took %lld ms", t);
}

static void
t_names_passthrough(void **state)
{
	struct hostent	 he, *r;
	char		 out[1024], host[256], small[8];
	int		 n, herr;

	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[strcspn(host, ".")] = '\0';
	n = fake_count();
	/* numbers, localhost, names of /etc/hosts, AI_NUMERICHOST: libc's */
	assert_int_equal(gai("127.0.0.1", "80", AF_INET, SOCK_STREAM, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.1 80/6");
	assert_int_equal(gai("2130706435", "80", AF_INET, SOCK_STREAM, 0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3 80/6");
	assert_int_equal(gai("::1", "80", AF_INET6, SOCK_STREAM, 0, out,
	    sizeof(out)), 0);
	assert_int_equal(gai("localhost", "80", AF_INET, SOCK_STREAM, 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.1 80/6");
	assert_int_equal(gai("LocalHost", "80", AF_INET, SOCK_STREAM, 0, out,
	    sizeof(out)), 0);
	/* (a buffer too small for libc: ERANGE, before libc asks DNS) */
	assert_int_equal(gethostbyname_r(host, &he, small, sizeof(small), &r,
	    &herr), ERANGE);
	assert_int_equal(gai("web.berth", "80", AF_UNSPEC, SOCK_STREAM,
	    AI_NUMERICHOST, out, sizeof(out)), EAI_NONAME);
	assert_int_equal(gai(NULL, "80", AF_INET, SOCK_STREAM, AI_PASSIVE,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "0.0.0.0 80/6");
	/* no query went out for any of them (only the count itself) */
	assert_int_equal(fake_count(), n + 1);
}

static void
t_names_fallback(void **state)
{
	struct hostent	 he, *r;
	char		 buf[8];
	int		 herr, n;

	/*
	 * A single label netd does not know goes on to libc (hosts file,
	 * the host's search list). Seen without sending the host's
	 * resolver anything: with a buffer too small for a line of
	 * /etc/hosts, libc's gethostbyname_r says ERANGE before it
	 * would ask DNS, where an answer of ours would be HOST_NOT_FOUND.
	 */
	n = fake_count();
	assert_int_equal(gethostbyname_r("zzunknown", &he, buf, sizeof(buf),
	    &r, &herr), ERANGE);
	assert_null(r);
	assert_int_equal(gethostbyname_r("nope.berth", &he, buf, sizeof(buf),
	    &r, &herr), 0);
	assert_null(r);
	assert_int_equal(herr, HOST_NOT_FOUND);
	assert_int_equal(fake_count(), n + 3);
}

static void
t_names_hostent(void **state)
{
	struct hostent	 he, *r;
	char		 buf[512], small[80], a[INET_ADDRSTRLEN];
	int		 herr;

	assert_non_null(r = gethostbyname("multi.berth"));
	assert_string_equal(r->h_name, "multi.berth");
	assert_int_equal(r->h_addrtype, AF_INET);
	assert_int_equal(r->h_length, 4);
	assert_null(r->h_aliases[0]);
	assert_string_equal(inet_ntop(AF_INET, r->h_addr_list[0], a,
	    sizeof(a)), "127.0.0.3");
	assert_string_equal(inet_ntop(AF_INET, r->h_addr_list[1], a,
	    sizeof(a)), "127.0.0.5");
	assert_null(r->h_addr_list[2]);
	assert_non_null(r = gethostbyname2("db", AF_INET));
	assert_string_equal(r->h_name, "db");
	/* IPv6: the name is there, without an address of that kind */
	h_errno = 0;
	assert_null(gethostbyname2("web.berth", AF_INET6));
	assert_int_equal(h_errno, NO_DATA);
	assert_null(gethostbyname("nope.berth"));
	assert_int_equal(h_errno, HOST_NOT_FOUND);
	assert_null(gethostbyname("fail.berth"));
	assert_int_equal(h_errno, TRY_AGAIN);

	/* _r: the caller's buffer, ERANGE when it is too small */
	assert_int_equal(gethostbyname_r("web.berth.", &he, buf, sizeof(buf),
	    &r, &herr), 0);
	assert_ptr_equal(r, &he);
	assert_string_equal(he.h_name, "web.berth");
	assert_true(he.h_name >= buf && he.h_name < buf + sizeof(buf));
	assert_string_equal(inet_ntop(AF_INET, he.h_addr_list[0], a,
	    sizeof(a)), "127.0.0.3");
	assert_int_equal(gethostbyname_r("multi.berth", &he, small + 1, 20,
	    &r, &herr), ERANGE);
	assert_null(r);
	assert_int_equal(herr, NETDB_INTERNAL);
	/* an odd buffer address is aligned for the pointers */
	assert_int_equal(gethostbyname_r("multi.berth", &he, small + 1,
	    sizeof(small) - 1, &r, &herr), 0);
	assert_ptr_equal(r, &he);
	assert_int_equal(gethostbyname2_r("web.berth", AF_INET6, &he, buf,
	    sizeof(buf), &r, &herr), 0);
	assert_null(r);
	assert_int_equal(herr, NO_DATA);
	assert_int_equal(gethostbyname2_r("fail.berth", AF_INET, &he, buf,
	    sizeof(buf), &r, &herr), EAGAIN);
	assert_int_equal(herr, TRY_AGAIN);
	assert_int_equal(gethostbyname2_r("nodata.berth", AF_INET, &he, buf,
	    sizeof(buf), &r, &herr), 0);
	assert_int_equal(herr, NO_DATA);
}

static void
t_names_connect(void **state)
{
	struct addrinfo	 hints, *ai;
	char		 port[16], buf[64];
	int		 fd;

	/* a client connects by name, and the peer sees this container */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", echo_port);
	assert_int_equal(getaddrinfo("web.berth", port, &hints, &ai), 0);
	fd = sock(ai->ai_family, ai->ai_socktype);
	assert_int_equal(connect(fd, ai->ai_addr, ai->ai_addrlen), 0);
	assert_string_equal(peer_said(fd, buf, sizeof(buf)), ME);
	close(fd);
	freeaddrinfo(ai);
}

static void *
names_thread(void *arg)
{
	char		 out[256];
	struct hostent	*r;
	int		 i, bad = 0;

	for (i = 0; i < 40; i++) {
		if (gai(i % 2 ? "web.berth" : "multi.berth", "80", AF_INET,
		    SOCK_STREAM, 0, out, sizeof(out)) != 0 ||
		    strncmp(out, "127.0.0.3 80/6", 14) != 0)
			bad++;
		r = gethostbyname(i % 2 ? "multi.berth" : "db");
		if (r == NULL || strcmp(r->h_name, i % 2 ? "multi.berth" :
		    "db") != 0)
			bad++;
	}
	return (void *)(intptr_t)bad;
}

static void
t_names_threads(void **state)
{
	pthread_t	 th[8];
	void		*bad;
	int		 i;

	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, names_thread,
		    NULL), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_int_equal((intptr_t)bad, 0);
	}
}

static void
t_names_programs(void **state)
{
	char	 cmd[256], out[512];
	int	 n;

	/* getent hosts: gethostbyname2 for AF_INET6, then AF_INET */
	assert_int_equal(run("getent hosts web.berth", out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3       web.berth\n");
	assert_int_equal(run("getent ahostsv4 multi.berth | "
	    "awk '{print $1}' | uniq", out, sizeof(out)), 0);
	assert_string_equal(out, "127.0.0.3\n127.0.0.5\n");
	assert_int_not_equal(run("getent hosts nope.berth", out,
	    sizeof(out)), 0);
	/* another container asks: the source address follows */
	assert_int_equal(run("BERTH_ADDR=" OTHER " getent hosts where.berth",
	    out, sizeof(out)), 0);
	assert_string_equal(out, OTHER "       where.berth\n");
	if (access("/usr/bin/python3", X_OK) == 0) {
		assert_int_equal(run("/usr/bin/python3 -c 'import socket; "
		    "print(socket.gethostbyname_ex(\"multi.berth\")[2], "
		    "socket.gethostbyname(\"db\"))'", out, sizeof(out)), 0);
		assert_string_equal(out, "['127.0.0.3', '127.0.0.5'] "
		    "127.0.0.3\n");
		/* without BERTH_DNS the hooks are off: libc says no (the
		 * service is checked before any lookup) and fakedns hears
		 * nothing */
		n = fake_count();
		snprintf(cmd, sizeof(cmd), "env -u BERTH_DNS /usr/bin/python3 "
		    "-c 'import socket; socket.getaddrinfo(\"web.berth\", "
		    "\"nosuchservice\")' 2>&1");
		assert_int_not_equal(run(cmd, out, sizeof(out)), 0);
		assert_non_null(strstr(out, "Servname not supported"));
		assert_int_equal(fake_count(), n + 1);
	}
}

/* --------------------------------------------- the unshimmed parent */

/* ------------------------------------------------------- fake DNS */

/* Append a resource record: owner (encoded, or 0xc00c), type, rdata. */
static size_t
fakedns_rr(unsigned char *p, size_t off, const void *owner, size_t olen,
    int type, const void *rdata, size_t rdlen)
{
	memcpy(p + off, owner, olen);
	off += olen;
	p[off++] = 0;
	p[off++] = (unsigned char)type;
	p[off++] = 0;
	p[off++] = 1;				/* IN */
	memset(p + off, 0, 3);
	p[off + 3] = 5;				/* TTL 5 */
	off += 4;
	p[off++] = 0;
	p[off++] = (unsigned char)rdlen;
	memcpy(p + off, rdata, rdlen);
	return off + rdlen;
}

/*
 * The answers, by name (lower case):
 *   web.berth, db (asked from ME only)	127.0.0.3
 *   multi.berth			127.0.0.3, 127.0.0.5
 *   many.berth				20 records, 127.0.1.1 ...
 *   cname.berth			a CNAME, then 127.0.0.3
 *   where.berth			the query's source address
 *   count.berth			0.0.HI.LO: queries before this one
 *   junk.berth				three stray packets, then the answer
 *   second.berth			the answer to a retry only
 *   slow.berth				nothing
 *   nodata.berth			NOERROR, no record
 *   fail.berth, tc.berth		SERVFAIL, TC set
 *   trunc.berth, badlabel.berth	a cut record, a 0x40 label
 *   anything else			NXDOMAIN
 */
static void
fakedns_answer(int fd, unsigned char *q, size_t qlen,
    const struct sockaddr_in *from, unsigned int count)
{
	static unsigned char	 second_id[2];
	static const unsigned char ptr[] = { 0xc0, 0x0c };
	static const unsigned char web[] = "\3web\5berth";
	unsigned char		 r[1024], a[4] = { 127, 0, 0, 3 };
	char			 name[256];
	size_t			 off = 12, n = 0, i;
	int			 rcode = 3, an = 0;

	/* the question: lower-case dotted name, then type and class */
	while (off < qlen && q[off] != 0 && q[off] < 64 &&
	    off + 1 + q[off] < qlen && n + q[off] + 1 < sizeof(name)) {
		for (i = 0; i < q[off]; i++) {
			char c = (char)q[off + 1 + i];
			name[n++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
		name[n++] = '.';
		off += 1 + q[off];
	}
	if (n == 0 || off + 5 > qlen || (q[2] & 0x80))
		return;
	name[n - 1] = '\0';
	off += 5;
	memcpy(r, q, off);
	r[2] = 0x80 | (q[2] & 0x01);		/* QR, RD as asked */
	r[3] = 0x80;				/* RA */
	r[7] = 0;				/* ANCOUNT, set below */
	memset(r + 8, 0, 4);

#define ADD_A(addr) (off = fakedns_rr(r, off, ptr, 2, 1, (addr), 4), an++)
	if (strcmp(name, "web.berth") == 0 || strcmp(name, "junk.berth") ==
	    0 || strcmp(name, "second.berth") == 0 || (strcmp(name, "db") ==
	    0 && from->sin_addr.s_addr == inet_addr(ME))) {
		rcode = 0;
		ADD_A(a);
	} else if (strcmp(name, "multi.berth") == 0) {
		rcode = 0;
		ADD_A(a);
		a[3] = 5;
		ADD_A(a);
	} else if (strcmp(name, "many.berth") == 0) {
		rcode = 0;
		for (i = 1; i <= 20; i++) {
			a[2] = 1;
			a[3] = (unsigned char)i;
			ADD_A(a);
		}
	} else if (strcmp(name, "cname.berth") == 0) {
		rcode = 0;
		off = fakedns_rr(r, off, ptr, 2, 5, web, sizeof(web));
		an++;
		off = fakedns_rr(r, off, web, sizeof(web), 1, a, 4);
		an++;
	} else if (strcmp(name, "where.berth") == 0) {
		rcode = 0;
		ADD_A(&from->sin_addr);
	} else if (strcmp(name, "count.berth") == 0) {
		rcode = 0;
		a[0] = a[1] = 0;
		a[2] = (unsigned char)(count >> 8);
		a[3] = (unsigned char)count;
		ADD_A(a);
	} else if (strcmp(name, "nodata.berth") == 0)
		rcode = 0;
	else if (strcmp(name, "fail.berth") == 0)
		rcode = 2;
	else if (strcmp(name, "tc.berth") == 0) {
		rcode = 0;
		r[2] |= 0x02;
	} else if (strcmp(name, "trunc.berth") == 0) {
		rcode = 0;
		ADD_A(a);
		off -= 8;			/* cut inside the record */
	} else if (strcmp(name, "badlabel.berth") == 0) {
		rcode = 0;
		ADD_A(a);
		r[off - 16] = 0x40;		/* the owner: a 0x40 label */
	} else if (strcmp(name, "slow.berth") == 0)
		return;
#undef ADD_A
	if (strcmp(name, "second.berth") == 0 &&
	    memcmp(second_id, q, 2) != 0) {
		memcpy(second_id, q, 2);	/* drop the first try */
		return;
	}
	r[3] |= (unsigned char)rcode;
	r[7] = (unsigned char)an;
	if (strcmp(name, "junk.berth") == 0) {
		r[0] ^= 0xff;			/* another ID */
		sendto(fd, r, off, 0, (const void *)from, sizeof(*from));
		r[0] ^= 0xff;
		r[14] ^= 0x08;			/* another question */
		sendto(fd, r, off, 0, (const void *)from, sizeof(*from));
		r[14] ^= 0x08;
		r[2] &= 0x7f;			/* not a reply */
		sendto(fd, r, off, 0, (const void *)from, sizeof(*from));
		r[2] |= 0x80;
	}
	sendto(fd, r, off, 0, (const void *)from, sizeof(*from));
}

/* The fake DNS server, in a child; its UDP port goes to *port. */
static pid_t
fakedns(int *port)
{
	struct sockaddr_in	 sin, from;
	socklen_t		 len = sizeof(sin);
	unsigned char		 q[512];
	unsigned int		 count = 0;
	ssize_t			 n;
	pid_t			 pid;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = inet_addr(DNSGW);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) != 0) {
		close(fd);
		return pid;
	}
	alarm(600);			/* never outlive a lost parent long */
	for (;;) {
		len = sizeof(from);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &len);
		if (n > 12)
			fakedns_answer(fd, q, (size_t)n, &from, count++);
	}
}

/* Start a helper server; its first stdout line is its port. */
static pid_t
server(const char *addr, const char *berth_addr, const char *shim,
    int *port)
{
	char	 path[PATH_MAX + 20], line[32];
	int	 p[2];
	pid_t	 pid;
	ssize_t	 n;

	snprintf(path, sizeof(path), "%s/shim_echo", helpers);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		if (berth_addr != NULL) {
			setenv("BERTH_ADDR", berth_addr, 1);
			setenv("LD_PRELOAD", shim, 1);
		}
		execl(path, path, "-b", addr, "-t", "600", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	if (n <= 0) {
		kill(pid, SIGTERM);
		return -1;
	}
	line[n] = '\0';
	*port = atoi(line);
	return pid;
}

static int
parent(int argc, char **argv)
{
	char	 exe[PATH_MAX], dir[PATH_MAX], shim[PATH_MAX + 40], num[32];
	char	 asan[1024];
	pid_t	 pids[4], pid;
	int	 st, i, rc = 1;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return 1;
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", exe);
	snprintf(helpers, sizeof(helpers), "%s/helpers", dirname(dir));
	if (getenv("BERTH_SHIM") != NULL)
		snprintf(shim, sizeof(shim), "%s", getenv("BERTH_SHIM"));
	else
		snprintf(shim, sizeof(shim), "%s/../lib/libberth-shim.so", dir);
	if (access(shim, R_OK) == -1) {
		fprintf(stderr, "SKIP test_shim: %s not built\n", shim);
		return 77;
	}
	pids[0] = server("0.0.0.0", OTHER, shim, &echo_port);
	pids[1] = server("127.0.0.1", NULL, NULL, &host_port);
	pids[2] = server(DNSGW, NULL, NULL, &dns_port);
	pids[3] = fakedns(&fakedns_port);
	if (pids[0] == -1 || pids[1] == -1 || pids[2] == -1 ||
	    pids[3] == -1) {
		fprintf(stderr, "test_shim: cannot start the helper servers "
		    "in %s\n", helpers);
		goto out;
	}
	if ((pid = fork()) == 0) {
		/* a sanitized build of this test: the shim comes first */
		snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0",
		    getenv("ASAN_OPTIONS") != NULL ? getenv("ASAN_OPTIONS") : "",
		    getenv("ASAN_OPTIONS") != NULL ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
		setenv("LD_PRELOAD", shim, 1);
		setenv("BERTH_ADDR", ME, 1);
		/* the names tests; the redirect tests set their own */
		snprintf(num, sizeof(num), DNSGW ":%d", fakedns_port);
		setenv("BERTH_DNS", num, 1);
		setenv("BERTH_TEST_SHIMMED", helpers, 1);
		snprintf(num, sizeof(num), "%d", echo_port);
		setenv("BERTH_TEST_ECHO", num, 1);
		snprintf(num, sizeof(num), "%d", host_port);
		setenv("BERTH_TEST_HOST", num, 1);
		snprintf(num, sizeof(num), "%d", dns_port);
		setenv("BERTH_TEST_DNS", num, 1);
		execv(exe, argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		rc = WEXITSTATUS(st);
out:
	for (i = 0; i < 4; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGTERM);
			waitpid(pids[i], NULL, 0);
		}
	}
	(void)argc;
	return rc;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_bind_wildcard4),
		cmocka_unit_test(t_bind_other4),
		cmocka_unit_test(t_bind_dualstack6),
		cmocka_unit_test(t_bind_dualstack_serves_v4),
		cmocka_unit_test(t_bind_v6only),
		cmocka_unit_test(t_bind_v6only_mapped),
		cmocka_unit_test(t_connect_peer),
		cmocka_unit_test(t_connect_explicit_bind_kept),
		cmocka_unit_test(t_connect_own_localhost),
		cmocka_unit_test(t_connect6),
		cmocka_unit_test(t_connect6_native),
		cmocka_unit_test(t_udp_sendto),
		cmocka_unit_test(t_udp_sendmsg),
		cmocka_unit_test(t_udp_sendmmsg),
		cmocka_unit_test(t_udp_own_localhost),
		cmocka_unit_test(t_listen_unbound),
		cmocka_unit_test(t_errno_bind),
		cmocka_unit_test(t_errno_connect),
		cmocka_unit_test(t_errno_send),
		cmocka_unit_test(t_unix_untouched),
		cmocka_unit_test(t_netlink_untouched),
		cmocka_unit_test(t_fork),
		cmocka_unit_test(t_exec_chains),
		cmocka_unit_test(t_exec_clean_env),
		cmocka_unit_test(t_kernel_steps_aside),
		cmocka_unit_test(t_dns_hook),
		cmocka_unit_test(t_names_getaddrinfo),
		cmocka_unit_test(t_names_errors),
		cmocka_unit_test(t_names_passthrough),
		cmocka_unit_test(t_names_fallback),
		cmocka_unit_test(t_names_hostent),
		cmocka_unit_test(t_names_connect),
		cmocka_unit_test(t_names_threads),
		cmocka_unit_test(t_names_programs),
	};
	const char	*h = getenv("BERTH_TEST_SHIMMED");

	if (h == NULL)
		return parent(argc, argv);
	snprintf(helpers, sizeof(helpers), "%s", h);
	echo_port = atoi(getenv("BERTH_TEST_ECHO"));
	host_port = atoi(getenv("BERTH_TEST_HOST"));
	dns_port = atoi(getenv("BERTH_TEST_DNS"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
