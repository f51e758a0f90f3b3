/* SPDX-License-Identifier: ISC */
/*
 * shim_dns.c - container names for the interposer: getaddrinfo() and
 * the gethostbyname family ask berth's DNS server themselves.
 *
 * DOC: Theory of Operation
 * glibc's stub resolver sends its queries through internal aliases of
 * connect and sendto that no preloaded library sees, so redirecting
 * port-53 packets (shim.c) never reaches getaddrinfo(). The lookup
 * functions themselves are interposed instead. With BERTH_DNS set, a
 * name that is ours:
 *  - NAME.berth (any case, a final dot allowed), or
 *  - a single label (no dot at all) that is not "localhost", not the
 *    host's own name and not listed in /etc/hosts (read once: glibc
 *    reads files before DNS, and they keep that precedence),
 * is sent as one A query to BERTH_DNS from a UDP socket bound to the
 * container address (netd finds the asking container's stack by the
 * source address, which is what makes a bare "db" mean this stack's
 * db), 2 tries of 500 ms. Every length in the reply is checked; a reply
 * whose ID or question differs from ours is ignored.
 *
 * The A records become the result. getaddrinfo() builds it by calling
 * the real getaddrinfo() once per address, in numeric form
 * (AI_NUMERICHOST): service names and ports, the socktype/protocol
 * expansion, flag checks, AI_V4MAPPED, error codes and the memory
 * layout that the real freeaddrinfo() expects (one block per entry on
 * glibc, separate sockaddrs on macOS) all stay libc's own; only
 * ai_canonname is replaced (malloc'ed, as libc frees it). The
 * gethostbyname functions fill a hostent in the caller's buffer (the _r
 * forms) or a per-thread one.
 *
 * Outcomes: an A answer is the result. For a single label, anything
 * else (NXDOMAIN, no A record, no reply) goes on to the real function,
 * so /etc/hosts and the host's search list still work. For *.berth,
 * NXDOMAIN is EAI_NONAME / HOST_NOT_FOUND, a name without an A record
 * EAI_NODATA / NO_DATA, no reply or SERVFAIL EAI_AGAIN / TRY_AGAIN.
 * A container has no IPv6: an AF_INET6 request gets the v4-mapped
 * addresses with AI_V4MAPPED, and EAI_NODATA / NO_DATA otherwise (what
 * glibc says for a name that has only A records). Everything else goes
 * to the real function unchanged: NULL and numeric hosts, AI_NUMERICHOST,
 * other names, other families.
 *
 * Reverse lookups (gethostbyaddr and its _r form, getnameinfo) of an
 * IPv4 address (or a v4-mapped one for getnameinfo) that /etc/hosts
 * does not list go to BERTH_DNS as one PTR query the same way: netd
 * names the containers, the gateway and a container's own loopback
 * 127.B.C.D at once, says NXDOMAIN for the rest of 127/8, and forwards
 * the others. Without that, a server that looks up the address it
 * listens on (python's http.server calls getfqdn()) waited on the
 * host's resolvers, which know none of these. A PTR name is the
 * result; NXDOMAIN is HOST_NOT_FOUND (getnameinfo: the numeric form, or
 * EAI_NONAME with NI_NAMEREQD); no usable answer goes on to the real
 * function.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define DNS_TRIES	2
#define DNS_WAIT_MS	500		/* per try */
#define DNS_MAX_ADDR	16		/* A records used */
#define DNS_MAX_NAME	255		/* encoded, RFC 1035 2.3.4 */
#define DNS_HDR		12
#define DNS_BUF		1232		/* we send no EDNS: 512 would do */
#define DNS_HOSTS_MAX	64		/* single labels of /etc/hosts */
#define DNS_HOSTS_FILE	65536		/* read at most this much of it */

/* glibc's code for "the name exists, without an address of that kind" */
#ifdef EAI_NODATA
#define DNS_EAI_NODATA	EAI_NODATA
#else
#define DNS_EAI_NODATA	EAI_NONAME
#endif

enum { NAME_OTHER, NAME_BERTH, NAME_BARE };
enum { DNS_FOUND, DNS_NONAME, DNS_NODATA, DNS_FAIL, DNS_IGNORE };

#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_HOPS	16		/* compression pointers followed */

/* What a reply said: A records, or the name of a PTR record. */
struct dns_ans {
	struct in_addr	 addrs[DNS_MAX_ADDR];
	int		 n;
	char		 name[DNS_MAX_NAME + 1];
};

static char		 dns_hosts[DNS_HOSTS_MAX][64];
static int		 dns_nhosts;
static struct in_addr	 dns_hosts_addr[DNS_HOSTS_MAX];	/* IPv4 lines */
static int		 dns_nhosts_addr;
static pthread_once_t	 dns_hosts_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------ which names */

static void
shim_dns_hosts_add(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(dns_hosts[0]) ||
	    memchr(s, '.', n) != NULL || dns_nhosts >= DNS_HOSTS_MAX)
		return;
	memcpy(dns_hosts[dns_nhosts], s, n);
	dns_hosts[dns_nhosts++][n] = '\0';
}

/* The single labels that files answer before DNS: /etc/hosts, hostname. */
static void
shim_dns_hosts_load(void)
{
	char		*buf, *line, *tok, *hash, *s1 = NULL, *s2;
	char		 host[256];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, first;

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		shim_dns_hosts_add(host, strcspn(host, "."));
	}
	if ((fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if ((buf = malloc(DNS_HOSTS_FILE + 1)) == NULL) {
		close(fd);
		return;
	}
	while (len < DNS_HOSTS_FILE && (n = read(fd, buf + len,
	    DNS_HOSTS_FILE - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	/* "ADDR NAME [ALIAS...] [# comment]": the names */
	for (line = strtok_r(buf, "\n", &s1); line != NULL;
	    line = strtok_r(NULL, "\n", &s1)) {
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		first = 1;
		for (tok = strtok_r(line, " \t\r", &s2); tok != NULL;
		    tok = strtok_r(NULL, " \t\r", &s2)) {
			if (!first)
				shim_dns_hosts_add(tok, strlen(tok));
			else if (dns_nhosts_addr < DNS_HOSTS_MAX &&
			    inet_pton(AF_INET, tok,
			    &dns_hosts_addr[dns_nhosts_addr]) == 1)
				dns_nhosts_addr++;
			first = 0;
		}
	}
	free(buf);
}

static int
shim_dns_in_hosts(const char *name)
{
	int	 i;

	pthread_once(&dns_hosts_once, shim_dns_hosts_load);
	for (i = 0; i < dns_nhosts; i++) {
		if (strcasecmp(dns_hosts[i], name) == 0)
			return 1;
	}
	return 0;
}

static int
shim_dns_addr_in_hosts(const struct in_addr *a)
{
	int	 i;

	pthread_once(&dns_hosts_once, shim_dns_hosts_load);
	for (i = 0; i < dns_nhosts_addr; i++) {
		if (dns_hosts_addr[i].s_addr == a->s_addr)
			return 1;
	}
	return 0;
}

/*
 * NAME_BERTH, NAME_BARE or NAME_OTHER (the real function's). Only
 * hostname characters: anything odd is left to libc to refuse.
 */
static int
shim_dns_kind(const char *name)
{
	struct in_addr	 a;
	size_t		 i, n, label = 0, dots = 0;
	char		 c;

	if (name == NULL || (n = strlen(name)) == 0 || n > 254)
		return NAME_OTHER;
	for (i = 0; i < n; i++) {
		c = name[i];
		if (c == '.') {
			if (label == 0)
				return NAME_OTHER;	/* "..", ".x", "." */
			label = 0;
			dots++;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return NAME_OTHER;
		} else
			return NAME_OTHER;
	}
	if (name[n - 1] == '.')
		n--;
	if (n > 6 && strncasecmp(name + n - 6, ".berth", 6) == 0)
		return NAME_BERTH;
	/* "1234" and "0x7f000001" are IPv4 addresses to inet_aton */
	if (dots > 0 || inet_aton(name, &a) != 0 ||
	    strcasecmp(name, "localhost") == 0 || shim_dns_in_hosts(name))
		return NAME_OTHER;
	return NAME_BARE;
}

/* ---------------------------------------------------- the DNS client */

static unsigned int
shim_dns_get16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* A query for name, type qtype, class IN, RD set: its length, 0 if no fit. */
static size_t
shim_dns_query(const char *name, unsigned int qtype, unsigned char *q,
    size_t len)
{
	const char	*p = name, *dot;
	size_t		 off = DNS_HDR, n;

	if (len < DNS_HDR + DNS_MAX_NAME + 4)
		return 0;
	memset(q, 0, DNS_HDR);
	shim_os_random(q, 2);
	q[2] = 0x01;			/* RD: forwarded names need it */
	q[5] = 1;			/* QDCOUNT */
	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63 || off + 1 + n + 1 > DNS_HDR +
		    DNS_MAX_NAME)
			return 0;
		q[off++] = (unsigned char)n;
		memcpy(q + off, p, n);
		off += n;
		p += n;
		if (*p == '.')
			p++;
	}
	q[off++] = 0;
	q[off++] = 0;
	q[off++] = (unsigned char)qtype;
	q[off++] = 0;
	q[off++] = 1;			/* IN */
	return off;
}

/* Step over a (possibly compressed) name at *off; -1 if malformed. */
static int
shim_dns_skip_name(const unsigned char *p, size_t len, size_t *off)
{
	size_t		 o = *off, total = 0;
	unsigned int	 c;

	for (;;) {
		if (o >= len)
			return -1;
		c = p[o];
		if ((c & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (c & 0xc0)
			return -1;		/* 0x40, 0x80: no such labels */
		o += 1 + c;
		if (c == 0) {
			*off = o;
			return 0;
		}
		if ((total += 1 + c) > DNS_MAX_NAME)
			return -1;
	}
}

/*
 * The name at off (compression followed, DNS_HOPS pointers at most) in
 * dotted form, without the final dot; -1 if malformed.
 */
static int
shim_dns_get_name(const unsigned char *p, size_t len, size_t off, char *out,
    size_t outlen)
{
	size_t		 o = off, n = 0;
	unsigned int	 c, hops = 0;

	for (;;) {
		if (o >= len)
			return -1;
		c = p[o];
		if ((c & 0xc0) == 0xc0) {
			if (o + 2 > len || ++hops > DNS_HOPS)
				return -1;
			o = (c & 0x3f) << 8 | p[o + 1];
			continue;
		}
		if (c & 0xc0)
			return -1;
		if (c == 0)
			break;
		if (o + 1 + c > len || n + c + 2 > outlen ||
		    n + c + 1 > DNS_MAX_NAME)
			return -1;
		if (n > 0)
			out[n++] = '.';
		memcpy(out + n, p + o + 1, c);
		n += c;
		o += 1 + c;
	}
	if (n == 0 || memchr(out, '\0', n) != NULL)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * Read a reply to query q. DNS_IGNORE for a packet that is not the
 * reply (ID, flags or question differ: keep waiting), otherwise the
 * outcome, with the A records in addrs.
 */
static int
shim_dns_parse(const unsigned char *r, size_t len, const unsigned char *q,
    size_t qlen, struct dns_ans *ans)
{
	size_t		 off, i;
	unsigned int	 an, type, class, rdlen;
	unsigned char	 a, b;

	ans->n = 0;
	ans->name[0] = '\0';
	if (len < qlen || r[0] != q[0] || r[1] != q[1] ||
	    (r[2] & 0x80) == 0 || (r[2] & 0x78) != 0 ||
	    shim_dns_get16(r + 4) != 1)
		return DNS_IGNORE;
	/* the question as we sent it; names compare without case */
	for (i = DNS_HDR; i < qlen; i++) {
		a = r[i];
		b = q[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return DNS_IGNORE;
	}
	if (r[2] & 0x02)
		return DNS_FAIL;	/* TC: an A answer of ours never is */
	switch (r[3] & 0x0f) {
	case 0:
		break;
	case 3:
		return DNS_NONAME;
	default:
		return DNS_FAIL;	/* SERVFAIL, REFUSED ... */
	}
	an = shim_dns_get16(r + 6);
	off = qlen;
	for (i = 0; i < an; i++) {
		if (shim_dns_skip_name(r, len, &off) == -1 || len - off < 10)
			goto bad;
		type = shim_dns_get16(r + off);
		class = shim_dns_get16(r + off + 2);
		rdlen = shim_dns_get16(r + off + 8);
		off += 10;
		if (rdlen > len - off)
			goto bad;
		/* A records after a CNAME chain (forwarded names) count */
		if (type == DNS_T_A && class == 1 && rdlen == 4 &&
		    ans->n < DNS_MAX_ADDR)
			memcpy(&ans->addrs[ans->n++], r + off, 4);
		if (type == DNS_T_PTR && class == 1 && ans->name[0] == '\0' &&
		    shim_dns_get_name(r, off + rdlen, off, ans->name,
		    sizeof(ans->name)) == -1)
			goto bad;
		off += rdlen;
	}
	return ans->n > 0 || ans->name[0] != '\0' ? DNS_FOUND : DNS_NODATA;
bad:
	ans->n = 0;
	ans->name[0] = '\0';
	return DNS_FAIL;
}

static long long
shim_dns_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to DNS_WAIT_MS for the reply to q on fd. */
static int
shim_dns_wait(int fd, const unsigned char *q, size_t qlen,
    struct dns_ans *ans)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	unsigned char	 r[DNS_BUF];
	long long	 end = shim_dns_now_ms() + DNS_WAIT_MS, left;
	ssize_t		 n;
	int		 res;

	while ((left = end - shim_dns_now_ms()) > 0) {
		if ((n = poll(&pfd, 1, (int)left)) == 0)
			break;
		if (n == -1 || (n = recv(fd, r, sizeof(r), 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return DNS_FAIL;	/* ECONNREFUSED: no server */
		}
		res = shim_dns_parse(r, (size_t)n, q, qlen, ans);
		if (res != DNS_IGNORE)
			return res;
	}
	return DNS_IGNORE;
}

/* Ask BERTH_DNS for name's records of qtype, from the container address. */
static int
shim_dns_ask(const char *name, unsigned int qtype, struct dns_ans *ans)
{
	struct sockaddr_storage	 src;
	struct sockaddr_in	 dst;
	unsigned char		 q[DNS_HDR + DNS_MAX_NAME + 4];
	socklen_t		 slen;
	size_t			 qlen;
	int			 fd = -1, i, res = DNS_FAIL, saved = errno;

	ans->n = 0;
	ans->name[0] = '\0';
	if (shim_dns_server(&dst) == -1 ||
	    (qlen = shim_dns_query(name, qtype, q, sizeof(q))) == 0)
		return DNS_FAIL;
	errno = 0;
#ifdef SOCK_CLOEXEC
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		goto out;
#else
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		goto out;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	/* netd tells the asking container by this source address */
	if ((shim_source(AF_INET, &src, &slen) == 0 &&
	    shim_libc_bind(fd, (struct sockaddr *)&src, slen) == -1) ||
	    shim_libc_connect(fd, (struct sockaddr *)&dst,
	    sizeof(dst)) == -1)
		goto out;
	for (i = 0; i < DNS_TRIES; i++) {
		if (send(fd, q, qlen, 0) == -1)
			break;
		if ((res = shim_dns_wait(fd, q, qlen, ans)) !=
		    DNS_IGNORE)
			break;
		res = DNS_FAIL;
	}
out:
	if (res == DNS_FAIL)
		shim_log(__func__, "%s: no usable answer from BERTH_DNS (%s)", name,
		    errno != 0 ? strerror(errno) : "timeout");
	if (fd != -1)
		close(fd);
	errno = saved;
	return res;
}

/* ---------------------------------------------------------- results */

/* The name without its final dot, for ai_canonname and h_name. */
static size_t
shim_dns_namelen(const char *name)
{
	size_t	 n = strlen(name);

	return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

/*
 * Hints and service as the real function judges them: its error
 * (EAI_SERVICE, EAI_SOCKTYPE, EAI_BADFLAGS ...) comes before ours, as
 * libc checks them before it looks the name up.
 */
static int
shim_dns_gai_fail(const char *service, const struct addrinfo *h, int err)
{
	struct addrinfo	 probe = *h, *r = NULL;
	int		 rc;

	probe.ai_flags |= AI_NUMERICHOST;
	rc = shim_libc_getaddrinfo(h->ai_family == AF_INET6 ? "::" :
	    "0.0.0.0", service, &probe, &r);
	if (rc != 0)
		return rc;
	freeaddrinfo(r);
	return err;
}

static int
shim_dns_gai_build(const char *name, const char *service,
    const struct addrinfo *hints, const struct in_addr *addrs, int n,
    struct addrinfo **res)
{
	struct addrinfo	 h = *hints, *head = NULL, **tail = &head, *one;
	char		 num[7 + INET_ADDRSTRLEN] = "::ffff:";
	const char	*node = hints->ai_family == AF_INET6 ? num : num + 7;
	size_t		 len;
	int		 i, rc;

	h.ai_flags |= AI_NUMERICHOST;
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &addrs[i], num + 7, INET_ADDRSTRLEN);
		if ((rc = shim_libc_getaddrinfo(node, service, &h, &one)) !=
		    0) {
			if (head != NULL)
				freeaddrinfo(head);
			return rc;
		}
		*tail = one;
		while (*tail != NULL)
			tail = &(*tail)->ai_next;
		h.ai_flags &= ~AI_CANONNAME;	/* the first entry's only */
	}
	if (head != NULL && head->ai_canonname != NULL) {
		free(head->ai_canonname);
		len = shim_dns_namelen(name);
		if ((head->ai_canonname = malloc(len + 1)) == NULL) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		memcpy(head->ai_canonname, name, len);
		head->ai_canonname[len] = '\0';
	}
	*res = head;
	return 0;
}

int
shim_dns_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct dns_ans	 ans;
	struct addrinfo	 h;
	int		 kind, err, found;

	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	if (shim_dns_server(NULL) == -1 || (h.ai_flags & AI_NUMERICHOST) ||
	    (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET &&
	    h.ai_family != AF_INET6) ||
	    (kind = shim_dns_kind(node)) == NAME_OTHER)
		return shim_libc_getaddrinfo(node, service, hints, res);
	found = shim_dns_ask(node, DNS_T_A, &ans);
	if (found != DNS_FOUND && kind == NAME_BARE) {
		shim_log(__func__, "%s: not a container, asking libc", node);
		return shim_libc_getaddrinfo(node, service, hints, res);
	}
	switch (found) {
	case DNS_FOUND:
		if (h.ai_family == AF_INET6 && !(h.ai_flags & AI_V4MAPPED)) {
			err = DNS_EAI_NODATA;
			break;
		}
		shim_log(__func__, "%s: %d address%s from BERTH_DNS", node,
		    ans.n, ans.n == 1 ? "" : "es");
		return shim_dns_gai_build(node, service, &h, ans.addrs, ans.n,
		    res);
	case DNS_NONAME:
		err = EAI_NONAME;
		break;
	case DNS_NODATA:
		err = DNS_EAI_NODATA;
		break;
	default:
		err = EAI_AGAIN;
		break;
	}
	return shim_dns_gai_fail(service, &h, err);
}

/* A hostent for name in buf; -1 when buf is too small. */
static int
shim_dns_fill(const char *name, const struct in_addr *addrs, int n,
    struct hostent *he, char *buf, size_t buflen)
{
	size_t	 pad, need, len = shim_dns_namelen(name);
	char	**list, *a, *s;
	int	 i;

	pad = (sizeof(char *) - (uintptr_t)buf % sizeof(char *)) %
	    sizeof(char *);
	need = pad + (size_t)(n + 2) * sizeof(char *) + (size_t)n * 4 +
	    len + 1;
	if (buflen < need)
		return -1;
	list = (char **)(void *)(buf + pad);	/* n + 1 addresses, aliases */
	a = (char *)&list[n + 2];
	s = a + n * 4;
	for (i = 0; i < n; i++) {
		memcpy(a + i * 4, &addrs[i], 4);
		list[i] = a + i * 4;
	}
	list[n] = NULL;
	list[n + 1] = NULL;
	memcpy(s, name, len);
	s[len] = '\0';
	memset(he, 0, sizeof(*he));
	he->h_name = s;
	he->h_aliases = &list[n + 1];
	he->h_addrtype = AF_INET;
	he->h_length = 4;
	he->h_addr_list = list;
	return 0;
}

int
shim_dns_hostent_r(const char *name, int af, struct hostent *he,
    char *buf, size_t buflen, struct hostent **result, int *herr, int *rc)
{
	struct dns_ans	 ans;
	int		 kind, res;

	if (shim_dns_server(NULL) == -1 || (af != AF_INET && af != AF_INET6) ||
	    (kind = shim_dns_kind(name)) == NAME_OTHER)
		return 0;
	res = shim_dns_ask(name, DNS_T_A, &ans);
	if (res != DNS_FOUND && kind == NAME_BARE)
		return 0;
	*result = NULL;
	*rc = 0;
	switch (res) {
	case DNS_FOUND:
		if (af == AF_INET6)
			*herr = NO_DATA;
		else if (shim_dns_fill(name, ans.addrs, ans.n, he, buf,
		    buflen) == -1) {
			/* as glibc: the caller retries with a larger buffer */
			*herr = NETDB_INTERNAL;
			*rc = errno = ERANGE;
		} else {
			*herr = NETDB_SUCCESS;
			*result = he;
		}
		break;
	case DNS_NONAME:
		*herr = HOST_NOT_FOUND;
		break;
	case DNS_NODATA:
		*herr = NO_DATA;
		break;
	default:
		*herr = TRY_AGAIN;
		*rc = errno = EAGAIN;
		break;
	}
	return 1;
}

int
shim_dns_hostent(const char *name, int af, struct hostent **result)
{
	/* gethostbyname's static result, one per thread */
	static _Thread_local struct {
		struct hostent	 he;
		char		 buf[1024];	/* 254 + 18 pointers + 16 * 4 */
	} t;
	int	 herr = 0, rc;

	if (!shim_dns_hostent_r(name, af, &t.he, t.buf, sizeof(t.buf), result,
	    &herr, &rc))
		return 0;
	if (*result == NULL)
		h_errno = herr;
	return 1;
}

/* ---------------------------------------------------------- reverse */

/*
 * The PTR name of IPv4 address a from BERTH_DNS into name: DNS_FOUND,
 * DNS_NONAME (no such name, or no PTR), DNS_FAIL, or -1 when the
 * lookup is not ours (no BERTH_DNS, or /etc/hosts lists a).
 */
static int
shim_dns_reverse(const struct in_addr *a, char *name, size_t len)
{
	struct dns_ans	 ans;
	const uint8_t	*b = (const uint8_t *)&a->s_addr;
	char		 q[sizeof("255.255.255.255.in-addr.arpa")];
	int		 res;

	if (shim_dns_server(NULL) == -1 || shim_dns_addr_in_hosts(a))
		return -1;
	snprintf(q, sizeof(q), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1],
	    b[0]);
	res = shim_dns_ask(q, DNS_T_PTR, &ans);
	if (res == DNS_NODATA || (res == DNS_FOUND && ans.name[0] == '\0'))
		return DNS_NONAME;
	if (res == DNS_FOUND) {
		if (strlen(ans.name) >= len)
			return DNS_FAIL;
		memcpy(name, ans.name, strlen(ans.name) + 1);
		shim_log(__func__, "%s: %s from BERTH_DNS", q, name);
	}
	return res;
}

int
shim_dns_byaddr_r(const void *addr, socklen_t len, int af, struct hostent *he,
    char *buf, size_t buflen, struct hostent **result, int *herr, int *rc)
{
	char		 name[DNS_MAX_NAME + 1];
	struct in_addr	 a;
	int		 res;

	if (af != AF_INET || len != sizeof(a) || addr == NULL)
		return 0;
	memcpy(&a, addr, sizeof(a));
	if ((res = shim_dns_reverse(&a, name, sizeof(name))) == -1 ||
	    res == DNS_FAIL)
		return 0;
	*result = NULL;
	*rc = 0;
	if (res == DNS_NONAME)
		*herr = h_errno = HOST_NOT_FOUND;	/* glibc sets both */
	else if (shim_dns_fill(name, &a, 1, he, buf, buflen) == -1) {
		*herr = NETDB_INTERNAL;
		*rc = errno = ERANGE;
	} else {
		*herr = NETDB_SUCCESS;
		*result = he;
	}
	return 1;
}

int
shim_dns_byaddr(const void *addr, socklen_t len, int af,
    struct hostent **result)
{
	static _Thread_local struct {
		struct hostent	 he;
		char		 buf[DNS_MAX_NAME + 64];
	} t;
	int	 herr = 0, rc;

	if (!shim_dns_byaddr_r(addr, len, af, &t.he, t.buf, sizeof(t.buf),
	    result, &herr, &rc))
		return 0;
	if (*result == NULL)
		h_errno = herr;
	return 1;
}

int
shim_dns_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	const struct sockaddr_in6	*s6;
	char				 name[DNS_MAX_NAME + 1];
	struct in_addr			 a;
	int				 res, rc;
	size_t				 n;

	if (host == NULL || hostlen == 0 || (flags & NI_NUMERICHOST) ||
	    sa == NULL)
		goto real;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in))
		a = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			goto real;
		memcpy(&a, &s6->sin6_addr.s6_addr[12], sizeof(a));
	} else
		goto real;
	if ((res = shim_dns_reverse(&a, name, sizeof(name))) == -1 ||
	    res == DNS_FAIL)
		goto real;
	if (res == DNS_NONAME) {
		if (flags & NI_NAMEREQD)
			return EAI_NONAME;
		/* the numeric form, and the service as libc writes it */
		return shim_libc_getnameinfo(sa, salen, host, hostlen, serv,
		    servlen, flags | NI_NUMERICHOST);
	}
	/* the service as libc writes it; libc refuses to be asked for none */
	if (serv != NULL && servlen > 0 && (rc = shim_libc_getnameinfo(sa,
	    salen, NULL, 0, serv, servlen, flags)) != 0)
		return rc;
	n = (flags & NI_NOFQDN) ? strcspn(name, ".") : strlen(name);
	if (n >= hostlen)
		return EAI_OVERFLOW;
	memcpy(host, name, n);
	host[n] = '\0';
	return 0;
real:
	return shim_libc_getnameinfo(sa, salen, host, hostlen, serv, servlen,
	    flags);
}
