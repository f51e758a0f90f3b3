/* SPDX-License-Identifier: ISC */
/*
 * test_proxy.c - the userspace port proxy on loopback: TCP (a large
 * transfer both ways, half-close) and UDP (replies reach each client),
 * a taken host port refused, and the mapping removed cleanly.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ev.h"
#include "proxy.h"
#include "util.h"

#define LO	0x7f000001

static uint16_t
free_port(int type)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(LO);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	return ntohs(sin.sin_port);
}

static int
lo_socket(int type, uint16_t port, int do_bind)
{
	struct sockaddr_in	 sin;
	int			 fd = socket(AF_INET, type, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(LO);
	sin.sin_port = htons(port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (do_bind) {
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			_exit(90);
	} else if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		_exit(91);
	return fd;
}

/* Child: TCP echo of one connection, then exit. */
static void
echo_tcp(int lfd)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 c = accept(lfd, NULL, NULL);

	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (write(c, buf, (size_t)n) != n)
			_exit(92);
	}
	close(c);
	_exit(0);
}

/* Child: send 4 MB through the proxy, read it all back, check it. */
static void
client_tcp(uint16_t port)
{
	static char	 out[4 << 20], in[4 << 20];
	size_t		 got = 0, i;
	ssize_t		 n;
	int		 fd = lo_socket(SOCK_STREAM, port, 0);
	pid_t		 w;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	if ((w = fork()) == 0) {
		if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(93);
		shutdown(fd, SHUT_WR);
		_exit(0);
	}
	while ((n = read(fd, in + got, sizeof(in) - got)) > 0)
		got += (size_t)n;
	waitpid(w, NULL, 0);
	_exit(got == sizeof(out) && memcmp(in, out, got) == 0 ? 0 : 94);
}

/* Run the loop until pid exits; its status. */
static int
loop_until(struct ev *ev, pid_t pid)
{
	int	 status, i;

	for (i = 0; i < 3000; i++) {
		ev_run_once(ev, 10);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 98;
}

static void
test_tcp(void **state)
{
	struct ev	*ev = ev_new();
	struct proxy	*px = proxy_new(ev);
	uint16_t	 hp = free_port(SOCK_STREAM), cp = free_port(SOCK_STREAM);
	int		 lfd;
	pid_t		 srv, cli;
	char		*cause = NULL;
	size_t		 tcp, udp;

	lfd = lo_socket(SOCK_STREAM, cp, 1);
	assert_int_equal(listen(lfd, 8), 0);
	if ((srv = fork()) == 0)
		echo_tcp(lfd);
	close(lfd);
	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), 0);
	/* the same host port again is refused, naming it */
	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), -1);
	assert_non_null(strstr(cause, "is taken"));
	if ((cli = fork()) == 0)
		client_tcp(hp);
	assert_int_equal(loop_until(ev, cli), 0);
	waitpid(srv, NULL, 0);
	/* both sides closed: the connection is gone */
	ev_run_once(ev, 10);
	proxy_counts(px, &tcp, &udp);
	assert_int_equal(tcp, 0);
	proxy_del(px, 6, LO, hp);
	/* the host port is free again */
	lfd = lo_socket(SOCK_STREAM, hp, 1);
	close(lfd);
	proxy_free(px);
	ev_free(ev);
	free(cause);
}

static void
test_udp(void **state)
{
	struct ev	*ev = ev_new();
	struct proxy	*px = proxy_new(ev);
	uint16_t	 hp = free_port(SOCK_DGRAM), cp = free_port(SOCK_DGRAM);
	int		 sfd, i;
	pid_t		 srv, cli;
	char		*cause = NULL;
	size_t		 tcp, udp;

	sfd = lo_socket(SOCK_DGRAM, cp, 1);
	if ((srv = fork()) == 0) {
		char			 buf[2048];
		struct sockaddr_in	 from;
		socklen_t		 len;
		ssize_t			 n;

		for (i = 0; i < 20; i++) {
			len = sizeof(from);
			n = recvfrom(sfd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &len);
			buf[0] = 'R';
			sendto(sfd, buf, (size_t)n, 0,
			    (struct sockaddr *)&from, len);
		}
		_exit(0);
	}
	close(sfd);
	assert_int_equal(proxy_add(px, 17, LO, hp, hp, LO, cp, &cause), 0);
	/* a UDP host port cannot be taken twice either */
	assert_int_equal(proxy_add(px, 17, LO, hp, hp, LO, cp, &cause), -1);
	assert_non_null(strstr(cause, "is taken"));
	if ((cli = fork()) == 0) {
		int	 a = lo_socket(SOCK_DGRAM, hp, 0);
		int	 b = lo_socket(SOCK_DGRAM, hp, 0);
		char	 buf[64];
		struct timeval tv = { 2, 0 };

		setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (i = 0; i < 10; i++) {
			if (send(a, "qa", 2, 0) != 2 || send(b, "qb", 2, 0) != 2)
				_exit(95);
			if (recv(a, buf, sizeof(buf), 0) != 2 ||
			    memcmp(buf, "Ra", 2) != 0)
				_exit(96);
			if (recv(b, buf, sizeof(buf), 0) != 2 ||
			    memcmp(buf, "Rb", 2) != 0)
				_exit(97);
		}
		_exit(0);
	}
	assert_int_equal(loop_until(ev, cli), 0);
	waitpid(srv, NULL, 0);
	proxy_counts(px, &tcp, &udp);
	assert_int_equal(udp, 2);
	/* just short of the idle timeout both flows stay; past it they go */
	proxy_tick(px, util_now_ms() + PROXY_UDP_IDLE_MS - 2000);
	proxy_counts(px, &tcp, &udp);
	assert_int_equal(udp, 2);
	proxy_tick(px, util_now_ms() + PROXY_UDP_IDLE_MS + 2000);
	proxy_counts(px, &tcp, &udp);
	assert_int_equal(udp, 0);
	proxy_free(px);
	ev_free(ev);
	free(cause);
}

/* netd's proxy: its own thread moves the bytes; nobody here runs a loop. */
static void
test_tcp_thread(void **state)
{
	struct proxy	*px;
	uint16_t	 hp = free_port(SOCK_STREAM), cp = free_port(SOCK_STREAM);
	int		 lfd, status = -1, i;
	pid_t		 srv, cli;
	char		*cause = NULL;
	size_t		 tcp, udp;

	px = proxy_new_thread(&cause);
	assert_non_null(px);
	assert_int_equal(proxy_tick(px, util_now_ms()), -1);
	lfd = lo_socket(SOCK_STREAM, cp, 1);
	assert_int_equal(listen(lfd, 8), 0);
	if ((srv = fork()) == 0)
		echo_tcp(lfd);
	close(lfd);
	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), 0);
	/* errors come back from the thread, text and all */
	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), -1);
	assert_non_null(strstr(cause, "is taken"));
	if ((cli = fork()) == 0)
		client_tcp(hp);
	for (i = 0; i < 3000; i++) {
		if (waitpid(cli, &status, WNOHANG) == cli)
			break;
		usleep(10000);
	}
	if (i == 3000) {
		kill(cli, SIGKILL);
		waitpid(cli, &status, 0);
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	waitpid(srv, NULL, 0);
	for (i = 0; i < 100; i++) {
		proxy_counts(px, &tcp, &udp);
		if (tcp == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(tcp, 0);
	/* del is done when it returns: the port is free at once */
	proxy_del(px, 6, LO, hp);
	lfd = lo_socket(SOCK_STREAM, hp, 1);
	close(lfd);
	/* a mapping left at free is closed with the thread */
	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), 0);
	proxy_free(px);
	lfd = lo_socket(SOCK_STREAM, hp, 1);
	close(lfd);
	free(cause);
}

/* Child: connect, send, expect the connection to end (EOF or reset). */
static void
client_refused(uint16_t port)
{
	char	 buf[64];
	int	 fd = lo_socket(SOCK_STREAM, port, 0);

	if (write(fd, "hello", 5) != 5)
		_exit(0);		/* reset already: fine */
	_exit(read(fd, buf, sizeof(buf)) <= 0 ? 0 : 95);
}

/*
 * Nothing listens on the container's port: the failed connect ends the
 * client's connection (the proxy does not ask SO_ERROR, the first
 * splice fails) and nothing is left open.
 */
static void
test_tcp_refused(void **state)
{
	struct ev	*ev = ev_new();
	struct proxy	*px = proxy_new(ev);
	uint16_t	 hp = free_port(SOCK_STREAM), cp = free_port(SOCK_STREAM);
	char		*cause = NULL;
	size_t		 tcp, udp;
	pid_t		 cli;
	int		 i;

	assert_int_equal(proxy_add(px, 6, LO, hp, hp, LO, cp, &cause), 0);
	for (i = 0; i < 3; i++) {
		if ((cli = fork()) == 0)
			client_refused(hp);
		assert_int_equal(loop_until(ev, cli), 0);
	}
	for (i = 0; i < 100; i++) {
		ev_run_once(ev, 10);
		proxy_counts(px, &tcp, &udp);
		if (tcp == 0)
			break;
	}
	assert_int_equal(tcp, 0);
	proxy_free(px);
	ev_free(ev);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp_thread),
		cmocka_unit_test(test_tcp_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
