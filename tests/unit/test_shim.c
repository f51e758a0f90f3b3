/* SPDX-License-Identifier: ISC */
/*
 * test_shim.c - the address interposer against real sockets: what the
 * shim does on every OS (bind, connect, UDP, listen, exec, names). The
 * harness (containers played on 127.0.0.x, helper servers, fake DNS) is
 * shimtest.c; checks that need Linux are in linux/test_shim_linux.c.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
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
	char			 buf[64];
	int			 a, b, port;

	/* nginx's [::]:PORT ipv6only=on: accepted, never reached */
	a = sock(AF_INET6, SOCK_STREAM);
	set_v6only(a, 1);
	assert_int_equal(do_bind(a, "::", 0), 0);
	assert_int_equal(listen(a, 4), 0);
	port = local_port(a);
	assert_true(port > 0);
	assert_string_equal(local_ip(a, buf, sizeof(buf)), "::");

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
	char			 buf[64];
	int			 l, c, a;

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



/* ------------------------------------------------------------- UDP */

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
	char		 out[1024];
	int		 n;

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
	assert_int_equal(gai("web.berth", "80", AF_UNSPEC, SOCK_STREAM,
	    AI_NUMERICHOST, out, sizeof(out)), EAI_NONAME);
	assert_int_equal(gai(NULL, "80", AF_INET, SOCK_STREAM, AI_PASSIVE,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "0.0.0.0 80/6");
	/* no query went out for any of them (only the count itself) */
	assert_int_equal(fake_count(), n + 1);
}

static void
t_names_hostent(void **state)
{
	struct hostent	*r;
	char		 a[INET_ADDRSTRLEN];

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

}

static void
t_names_reverse(void **state)
{
	struct hostent		*r;
	struct in_addr		 a;
	struct sockaddr_in	 sin;
	char			 host[256], serv[32];

	/* a PTR from BERTH_DNS: gethostbyaddr and getnameinfo */
	inet_pton(AF_INET, "127.0.0.3", &a);
	assert_non_null(r = gethostbyaddr(&a, sizeof(a), AF_INET));
	assert_string_equal(r->h_name, "web.berth");
	assert_int_equal(r->h_addrtype, AF_INET);
	assert_memory_equal(r->h_addr_list[0], &a, 4);
	assert_null(r->h_addr_list[1]);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	sin.sin_addr = a;
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, sizeof(host), serv, sizeof(serv), NI_NUMERICSERV), 0);
	assert_string_equal(host, "web.berth");
	assert_string_equal(serv, "80");
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, sizeof(host), NULL, 0, NI_NOFQDN), 0);
	assert_string_equal(host, "web");
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, 4, NULL, 0, 0), EAI_OVERFLOW);
	/* a compressed name */
	inet_pton(AF_INET, "127.0.0.5", &sin.sin_addr);
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, sizeof(host), NULL, 0, 0), 0);
	assert_string_equal(host, "multi.arpa");
	/* NXDOMAIN: not found, numeric, or EAI_NONAME when a name is required */
	inet_pton(AF_INET, "127.0.0.9", &a);
	h_errno = 0;
	assert_null(gethostbyaddr(&a, sizeof(a), AF_INET));
	assert_int_equal(h_errno, HOST_NOT_FOUND);
	sin.sin_addr = a;
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, sizeof(host), serv, sizeof(serv), NI_NUMERICSERV), 0);
	assert_string_equal(host, "127.0.0.9");
	assert_int_equal(getnameinfo((struct sockaddr *)&sin, sizeof(sin),
	    host, sizeof(host), NULL, 0, NI_NAMEREQD), EAI_NONAME);
	/* /etc/hosts first: 127.0.0.1 is never asked */
	inet_pton(AF_INET, "127.0.0.1", &a);
	assert_non_null(r = gethostbyaddr(&a, sizeof(a), AF_INET));
	assert_string_equal(r->h_name, "localhost");
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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_bind_wildcard4),
		cmocka_unit_test(t_bind_other4),
		cmocka_unit_test(t_bind_dualstack6),
		cmocka_unit_test(t_bind_dualstack_serves_v4),
		cmocka_unit_test(t_bind_v6only),
		cmocka_unit_test(t_connect_peer),
		cmocka_unit_test(t_connect_explicit_bind_kept),
		cmocka_unit_test(t_connect_own_localhost),
		cmocka_unit_test(t_connect6),
		cmocka_unit_test(t_udp_sendto),
		cmocka_unit_test(t_udp_sendmsg),
		cmocka_unit_test(t_udp_own_localhost),
		cmocka_unit_test(t_listen_unbound),
		cmocka_unit_test(t_unix_untouched),
		cmocka_unit_test(t_fork),
		cmocka_unit_test(t_exec_chains),
		cmocka_unit_test(t_exec_clean_env),
		cmocka_unit_test(t_kernel_steps_aside),
		cmocka_unit_test(t_dns_hook),
		cmocka_unit_test(t_names_getaddrinfo),
		cmocka_unit_test(t_names_errors),
		cmocka_unit_test(t_names_passthrough),
		cmocka_unit_test(t_names_hostent),
		cmocka_unit_test(t_names_reverse),
		cmocka_unit_test(t_names_connect),
		cmocka_unit_test(t_names_threads),
		cmocka_unit_test(t_names_programs),
	};

	if (!shimtest_child())
		return shimtest_parent(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
