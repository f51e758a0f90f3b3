/* SPDX-License-Identifier: ISC */
/*
 * shimtest.c - the harness of the interposer's tests (shimtest.h): the
 * socket helpers, the fake DNS server, the helper servers and the
 * unshimmed parent that re-runs the test as a container.
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

char		 helpers[PATH_MAX];
int		 echo_port, host_port, dns_port;
static int	 fakedns_port;

/* ------------------------------------------------------- helpers */

socklen_t
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
const char *
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
const char *
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

int
local_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	return ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int
sock(int family, int type)
{
	struct timeval	 tv = { 3, 0 };
	int		 fd;

	assert_true((fd = socket(family, type, 0)) >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int
do_bind(int fd, const char *ip, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, ip, port);

	return bind(fd, (struct sockaddr *)&ss, len);
}

int
do_connect(int fd, const char *ip, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = mkaddr(&ss, ip, port);

	return connect(fd, (struct sockaddr *)&ss, len);
}

/* Read the server's "PEER ADDR PORT" line; return ADDR. */
const char *
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

void
set_v6only(int fd, int on)
{
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
	    sizeof(on)), 0);
}

/* Run a shell command, capture its stdout; return its exit status. */
int
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
int
saw(const char *out, const char *addr)
{
	const char	*p = strstr(out, "server-saw=");
	size_t		 n = strlen(addr);

	return p != NULL && strncmp(p + 11, addr, n) == 0 &&
	    (p[11 + n] == ' ' || p[11 + n] == '\n');
}

/* A listener of our own on 127.0.0.1 (so, in fact, the container's). */
int
own_listener(int type)
{
	int	 fd = sock(AF_INET, type);

	assert_int_equal(do_bind(fd, "127.0.0.1", 0), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}


void
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

/*
 * The hooks run in this process: BERTH_DNS points at fakedns, whose
 * names are listed at fakedns_answer(). "count.berth" answers with the
 * number of queries it received before, as 0.0.HI.LO.
 */
int
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
 *   3.0.0.127.in-addr.arpa		PTR web.berth
 *   5.0.0.127.in-addr.arpa		PTR, its name compressed
 *   6.0.0.127.in-addr.arpa		SERVFAIL
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
	else if (strcmp(name, "3.0.0.127.in-addr.arpa") == 0) {
		rcode = 0;
		off = fakedns_rr(r, off, ptr, 2, 12, web, sizeof(web));
		an++;
	} else if (strcmp(name, "5.0.0.127.in-addr.arpa") == 0) {
		/* "multi" then a pointer to the question's "arpa" label */
		static const unsigned char multi[] = "\5multi\xc0\x1e";

		rcode = 0;
		off = fakedns_rr(r, off, ptr, 2, 12, multi, sizeof(multi) - 1);
		an++;
	} else if (strcmp(name, "6.0.0.127.in-addr.arpa") == 0)
		rcode = 2;
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

int
shimtest_parent(int argc, char **argv)
{
	char	 exe[PATH_MAX], dir[PATH_MAX], shim[PATH_MAX + 40], num[32];
	char	 asan[1024];
	pid_t	 pids[4], pid;
	int	 st, i, rc = 1;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0) {
		/* macOS: docs/macos.md, scripts/macos-verify cover the shim */
		fprintf(stderr, "SKIP %s: plays containers on 127.0.0.x "
		    "with LD_PRELOAD, which needs Linux\n", argv[0]);
		return 77;
	}
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", exe);
	snprintf(helpers, sizeof(helpers), "%s/helpers", dirname(dir));
	if (getenv("BERTH_SHIM") != NULL)
		snprintf(shim, sizeof(shim), "%s", getenv("BERTH_SHIM"));
	else
		snprintf(shim, sizeof(shim), "%s/../lib/libberth-shim.so", dir);
	if (access(shim, R_OK) == -1) {
		fprintf(stderr, "SKIP %s: %s not built\n", argv[0], shim);
		return 77;
	}
	pids[0] = server("0.0.0.0", OTHER, shim, &echo_port);
	pids[1] = server("127.0.0.1", NULL, NULL, &host_port);
	pids[2] = server(DNSGW, NULL, NULL, &dns_port);
	pids[3] = fakedns(&fakedns_port);
	if (pids[0] == -1 || pids[1] == -1 || pids[2] == -1 ||
	    pids[3] == -1) {
		fprintf(stderr, "%s: cannot start the helper servers "
		    "in %s\n", argv[0], helpers);
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
shimtest_child(void)
{
	const char	*h = getenv("BERTH_TEST_SHIMMED");

	if (h == NULL)
		return 0;
	snprintf(helpers, sizeof(helpers), "%s", h);
	echo_port = atoi(getenv("BERTH_TEST_ECHO"));
	host_port = atoi(getenv("BERTH_TEST_HOST"));
	dns_port = atoi(getenv("BERTH_TEST_DNS"));
	return 1;
}
