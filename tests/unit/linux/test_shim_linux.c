/* SPDX-License-Identifier: ISC */
/*
 * test_shim_linux.c - the interposer's checks that need Linux: errno
 * and addresses compared with the raw system call (syscall(2), which
 * the shim cannot touch), sendmmsg, netlink sockets passing through,
 * and glibc's reentrant gethostbyname_r family. Harness: shimtest.c.
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

#include "shimtest.h"

extern char **environ;

/* A v6only wildcard listener really sits on ::1, out of the way. */
static void
t_bind_v6only_raw(void **state)
{
	struct sockaddr_in6	 real;
	socklen_t		 len = sizeof(real);
	char			 host[64];
	int			 a;

	a = sock(AF_INET6, SOCK_STREAM);
	set_v6only(a, 1);
	assert_int_equal(do_bind(a, "::", 0), 0);
	assert_int_equal(listen(a, 4), 0);
	assert_int_equal(syscall(SYS_getsockname, a, &real, &len), 0);
	inet_ntop(AF_INET6, &real.sin6_addr, host, sizeof(host));
	assert_string_equal(host, "::1");
	close(a);
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

/* The host's 127.0.0.1 server, hidden by the shim, is there for a raw connect. */
static void
t_connect_host_localhost_raw(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 buf[64];
	int			 c;

	c = sock(AF_INET, SOCK_STREAM);
	len = mkaddr(&ss, "127.0.0.1", host_port);
	assert_int_equal(syscall(SYS_connect, c, &ss, len), 0);
	assert_string_equal(peer_said(c, buf, sizeof(buf)), "127.0.0.1");
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

/* listen on an unbound AF_UNIX socket: whatever the kernel says */
static void
t_unix_listen_raw(void **state)
{
	int	 l, c;

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

/* glibc's reentrant forms: the caller's buffer, ERANGE when too small */
static void
t_names_hostent_r(void **state)
{
	struct hostent	 he, *r;
	char		 buf[512], small[80], a[INET_ADDRSTRLEN];
	int		 herr;
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

/* The host's own name with a buffer too small for libc: ERANGE, before libc asks DNS. */
static void
t_names_passthrough_r(void **state)
{
	struct hostent	 he, *r;
	char		 host[256], small[8];
	int		 n, herr;

	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[strcspn(host, ".")] = '\0';
	n = fake_count();
	assert_int_equal(gethostbyname_r(host, &he, small, sizeof(small), &r,
	    &herr), ERANGE);
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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_bind_v6only_mapped),
		cmocka_unit_test(t_connect6_native),
		cmocka_unit_test(t_udp_sendmmsg),
		cmocka_unit_test(t_errno_bind),
		cmocka_unit_test(t_errno_connect),
		cmocka_unit_test(t_errno_send),
		cmocka_unit_test(t_netlink_untouched),
		cmocka_unit_test(t_names_fallback),
		cmocka_unit_test(t_bind_v6only_raw),
		cmocka_unit_test(t_connect_host_localhost_raw),
		cmocka_unit_test(t_unix_listen_raw),
		cmocka_unit_test(t_names_hostent_r),
		cmocka_unit_test(t_names_passthrough_r),
	};

	if (!shimtest_child())
		return shimtest_parent(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
