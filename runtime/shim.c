/* SPDX-License-Identifier: ISC */
/*
 * shim.c - the address interposer's emulation (see shim.h).
 *
 * DOC: Theory of Operation
 * A container's processes run with this library preloaded and
 * BERTH_ADDR set to the container's IPv4 address. The socket calls the
 * OS file exports land here; each looks at the address it was given,
 * rewrites a copy when the container must be forced onto its address,
 * and calls the real libc function, so every error is the kernel's own:
 *  - bind to 0.0.0.0 or 127.0.0.1 binds the container address, same
 *    port; but with BERTH_LOOPBACK (the container's own loopback
 *    address, 127.B.C.D from its address A.B.C.D; Linux, where all of
 *    127/8 is local) a bind to 127.0.0.1 (::1 and ::ffff:127.0.0.1 on a
 *    dual-stack socket) goes there instead: a loopback-only listener is
 *    then out of other containers' reach, as in docker, while its own
 *    port space stays per container. On an IPv6 socket ::, ::1, ::ffff:0.0.0.0 and ::ffff:127.0.0.1
 *    become ::ffff:ADDR (a dual-stack socket then serves the container
 *    address only). A container has no IPv6 address of its own, so an
 *    IPV6_V6ONLY socket asking for :: or ::1 is bound to ::1 on an
 *    ephemeral port instead: the program starts, nothing reaches that
 *    socket, and getsockname() reports what it asked for.
 *  - connect, sendto, sendmsg and sendmmsg first bind the socket to the
 *    container address with port 0 (IP_BIND_ADDRESS_NO_PORT for
 *    connect, so the port is still chosen per destination). That bind
 *    fails with EINVAL on a socket that is already bound, which is how
 *    the shim tells: no getsockname() round trip, no state per fd.
 *  - a destination of 127.0.0.1, 0.0.0.0, ::1, :: or their v4-mapped
 *    forms becomes the container address: each container has its own
 *    localhost. With BERTH_LOOPBACK, connect() first asks whether a
 *    socket of the container holds the port on its loopback address
 *    (a bind probe: EADDRINUSE there, while the same port on 127.0.0.2
 *    binds, so it is not a wildcard listener of the host); if so the
 *    destination is the loopback address and the socket is bound to
 *    127.0.0.1 first, so the server sees its client as 127.0.0.1 (what
 *    pg_hba.conf's "host ... 127.0.0.1/32" expects). Other containers'
 *    loopback addresses are refused (ECONNREFUSED); other 127/8
 *    addresses (a host server on 127.0.0.2) are left alone, unbound.
 *  - a native IPv6 destination from an unbound socket fails with
 *    ENETUNREACH (the container has no IPv6 route; clients fall back
 *    to IPv4) rather than leaving with the host's address.
 *  - listen on an unbound socket binds it to the container address.
 *  - with BERTH_DNS=GATEWAY[:PORT], port 53 traffic to a nameserver of
 *    /etc/resolv.conf (read once, on first use; 127.0.0.1 and ::1 when
 *    it names none) or to 127.0.0.53 goes to GATEWAY:53 (PORT, for
 *    tests) instead;
 *    and getaddrinfo()/gethostbyname*() ask GATEWAY themselves for
 *    container names (shim_dns.c), since glibc's resolver sends its
 *    packets where no interposer sees them.
 *  - exec and posix_spawn with an environment that lacks BERTH_ADDR
 *    (env -i, daemons that clean their environment) get BERTH_ADDR and
 *    the preload variable back, so children stay in the container.
 * With BERTH_KERNEL=1 (the launcher put the process into a cgroup whose
 * BPF programs do the same in the kernel, for every binary) the
 * interposer steps aside: binds, destinations and the bind before a
 * connect are left to the kernel, so nothing is rewritten twice; what
 * BPF cannot do stays here: the own loopback (BPF lets any 127/8 bind
 * pass and turns only 127.0.0.1 into the container address, so a bind
 * to 127.0.0.1 and a connect to a port held there are still rewritten
 * to 127.B.C.D here), the names and the DNS redirect, the bind
 * of an unbound socket before a datagram send, the
 * IPV6_V6ONLY placeholder (BPF cannot see the option), a listen on an
 * unbound socket (the kernel's autobind runs no hook) and exec's
 * environment.
 * Families other than AF_INET/AF_INET6, short or odd lengths and fds
 * that are not sockets pass straight through to libc. When BERTH_ADDR
 * is missing or not an IPv4 address, everything passes through.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define SHIM_MAX_NS	16	/* nameservers remembered */
#define SHIM_MAX_FAKE	64	/* V6ONLY sockets with a made-up name */
#define SHIM_ENV_MAX	8192	/* longest preload value we rebuild */

static struct {
	int		 on;		/* BERTH_ADDR is an IPv4 address */
	int		 debug;		/* BERTH_SHIM_DEBUG */
	int		 kernel;	/* BERTH_KERNEL: BPF rewrites */
	struct in_addr	 addr;
	int		 lo_on;		/* BERTH_LOOPBACK */
	struct in_addr	 lo;		/* 127.B.C.D */
	char		 env_lo[64];
	int		 dns_on;	/* BERTH_DNS */
	struct in_addr	 dns;
	in_port_t	 dns_port;	/* network order */
	char		 env_addr[64];	/* "BERTH_ADDR=..." for exec */
	char		 env_dns[64];
	char		 self[1024];	/* this library's path */
} shim;

static pthread_once_t	 shim_once = PTHREAD_ONCE_INIT;

static struct in6_addr	 shim_ns[SHIM_MAX_NS];	/* v4 as v4-mapped */
static int		 shim_nns;
static pthread_once_t	 shim_ns_once = PTHREAD_ONCE_INIT;

static struct shim_fake {
	dev_t			 dev;
	ino_t			 ino;
	struct sockaddr_in6	 asked;
	int			 fd;		/* fd + 1; 0: free */
} shim_fakes[SHIM_MAX_FAKE];
static int		 shim_nfake;	/* atomic: fast path when 0 */
static pthread_mutex_t	 shim_fake_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------ setup */

static void
shim_fork_prepare(void)
{
	pthread_mutex_lock(&shim_fake_lock);
}

static void
shim_fork_done(void)
{
	pthread_mutex_unlock(&shim_fake_lock);
}

static void
shim_init(void)
{
	const char	*a, *d, *colon;
	char		*end;
	char		 host[INET_ADDRSTRLEN];
	Dl_info		 info;
	unsigned long	 port = 53;
	size_t		 n;

	d = getenv("BERTH_SHIM_DEBUG");
	shim.debug = d != NULL && *d != '\0' && strcmp(d, "0") != 0;
	d = getenv("BERTH_KERNEL");
	shim.kernel = d != NULL && strcmp(d, "1") == 0;
	a = getenv("BERTH_ADDR");
	if (a != NULL && inet_pton(AF_INET, a, &shim.addr) == 1) {
		shim.on = 1;
		snprintf(shim.env_addr, sizeof(shim.env_addr), "BERTH_ADDR=%s",
		    a);
	}
	d = getenv("BERTH_LOOPBACK");
	if (shim.on && d != NULL && inet_pton(AF_INET, d, &shim.lo) == 1 &&
	    (ntohl(shim.lo.s_addr) >> 24) == 127 &&
	    shim.lo.s_addr != htonl(INADDR_LOOPBACK)) {
		shim.lo_on = 1;
		snprintf(shim.env_lo, sizeof(shim.env_lo),
		    "BERTH_LOOPBACK=%s", d);
	}
	if ((d = getenv("BERTH_DNS")) != NULL && *d != '\0') {
		colon = strchr(d, ':');
		n = colon != NULL ? (size_t)(colon - d) : strlen(d);
		if (colon != NULL) {
			port = strtoul(colon + 1, &end, 10);
			if (end == colon + 1 || *end != '\0')
				port = 0;	/* "53x", ":": ignored */
		}
		if (n < sizeof(host) && port > 0 && port < 65536) {
			memcpy(host, d, n);
			host[n] = '\0';
			if (inet_pton(AF_INET, host, &shim.dns) == 1) {
				shim.dns_on = 1;
				shim.dns_port = htons((in_port_t)port);
				snprintf(shim.env_dns, sizeof(shim.env_dns),
				    "BERTH_DNS=%s", d);
			}
		}
		if (!shim.dns_on)
			shim_log(__func__, "BERTH_DNS=%s is not ADDR[:PORT]: "
			    "DNS goes where the program sends it", d);
	}
	if (dladdr((void *)shim_init, &info) != 0 && info.dli_fname != NULL)
		snprintf(shim.self, sizeof(shim.self), "%s", info.dli_fname);
	pthread_atfork(shim_fork_prepare, shim_fork_done, shim_fork_done);
	if (!shim.on)
		shim_log(__func__, "BERTH_ADDR is %s: passing everything "
		    "through", a == NULL ? "not set" : "not an IPv4 address");
	else
		shim_log(__func__, "container address %s%s%s%s", a,
		    shim.dns_on ? ", DNS to " : "", shim.dns_on ? d : "",
		    shim.kernel ? ", addresses by the kernel (BPF)" : "");
}

/*
 * Read the configuration at load time, before the program can change
 * its environment (env -i clears it, then execs); calls made before
 * this constructor runs initialise lazily through the same once.
 */
static void __attribute__((constructor))
shim_load(void)
{
	pthread_once(&shim_once, shim_init);
}

static inline int
shim_ready(void)
{
	pthread_once(&shim_once, shim_init);
	return shim.on;
}

void
shim_log(const char *func, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;
	int	 n, m, saved = errno;

	if (!shim.debug)
		return;
	n = snprintf(buf, sizeof(buf), "berth-shim[%ld] %s: ",
	    (long)getpid(), func);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);	/* nowhere to report it */
	errno = saved;
}

/* "1.2.3.4:80", "[::1]:80" for the debug log. */
static const char *
shim_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	}
	return buf;
}

static void
shim_log_rewrite(const char *func, const struct sockaddr *from,
    const struct sockaddr *to)
{
	char	 a[64], b[64];

	if (shim.debug)
		shim_log(func, "%s -> %s", shim_ntop(from, a, sizeof(a)),
		    shim_ntop(to, b, sizeof(b)));
}

/* ------------------------------------------------------- addresses */

enum { V6_ANY, V6_LOOP, V6_MAPPED, V6_NATIVE };

static int
shim_v6_kind(const struct in6_addr *a, struct in_addr *v4)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return V6_ANY;
	if (IN6_IS_ADDR_LOOPBACK(a))
		return V6_LOOP;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(v4, &a->s6_addr[12], 4);
		return V6_MAPPED;
	}
	return V6_NATIVE;
}

/* 0.0.0.0 and 127.0.0.1: the addresses that mean "this machine". */
static int
shim_v4_local(struct in_addr a)
{
	return a.s_addr == htonl(INADDR_ANY) ||
	    a.s_addr == htonl(INADDR_LOOPBACK);
}

/*
 * Another 127/8 address (127.0.0.1 is rewritten before this is asked):
 * passed through, and the socket is not bound to the container address
 * first, since a packet from it to 127/8 has no way back. (Unless the
 * container's address is on 127/8 itself, as in the unit tests.)
 */
static int
shim_v4_loopnet(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == IN_LOOPBACKNET &&
	    (ntohl(shim.addr.s_addr) >> 24) != IN_LOOPBACKNET;
}

static void
shim_mapped(struct in6_addr *a, struct in_addr v4)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &v4, 4);
}

int
shim_source(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (void *)ss;
	struct sockaddr_in6	*sin6 = (void *)ss;

	if (!shim_ready())
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = shim.addr;
		*len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		shim_mapped(&sin6->sin6_addr, shim.addr);
		*len = sizeof(*sin6);
	}
#ifdef SIN6_LEN
	((struct sockaddr *)ss)->sa_len = (unsigned char)*len;
#endif
	return 0;
}

/* ------------------------------------------------------------- DNS */

int
shim_dns_server(struct sockaddr_in *sin)
{
	pthread_once(&shim_once, shim_init);
	/* Without a container address the shim passes everything through,
	 * names included. */
	if (!shim.on || !shim.dns_on)
		return -1;
	if (sin != NULL) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr = shim.dns;
		sin->sin_port = shim.dns_port;
#ifdef SIN6_LEN
		sin->sin_len = sizeof(*sin);
#endif
	}
	return 0;
}

static void
shim_ns_add(const struct in6_addr *a)
{
	int	 i;

	for (i = 0; i < shim_nns; i++) {
		if (memcmp(&shim_ns[i], a, sizeof(*a)) == 0)
			return;
	}
	if (shim_nns < SHIM_MAX_NS)
		shim_ns[shim_nns++] = *a;
}

static void
shim_ns_add4(const char *s)
{
	struct in_addr	 v4;
	struct in6_addr	 a;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		shim_mapped(&a, v4);
		shim_ns_add(&a);
	}
}

/*
 * "nameserver ADDR" lines of /etc/resolv.conf, read once, lazily, and
 * systemd-resolved's stub. Without any, the resolver's default, 127.0.0.1
 * and ::1; otherwise those are the container's own localhost, where it
 * may run a DNS server of its own.
 */
static void
shim_ns_load(void)
{
	struct in6_addr	 a;
	char		 buf[8192], *line, *save = NULL, *p, *e;
	ssize_t		 n = 0;
	int		 fd, listed = 0;

	shim_ns_add4("127.0.0.53");
	if ((fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "nameserver", 10) != 0 ||
		    (line[10] != ' ' && line[10] != '\t'))
			continue;
		for (p = line + 10; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != '%' && *e != '#' && *e != '\r'; e++)
			;
		*e = '\0';
		if (inet_pton(AF_INET6, p, &a) == 1) {
			shim_ns_add(&a);
			listed++;
		} else if (inet_pton(AF_INET, p, &a) == 1) {
			shim_ns_add4(p);
			listed++;
		}
	}
	if (listed == 0) {
		shim_ns_add4("127.0.0.1");
		shim_ns_add(&in6addr_loopback);
	}
}

static int
shim_dns_match(const struct in6_addr *a, in_port_t port)
{
	int	 i;

	if (!shim.dns_on || port != htons(53))
		return 0;
	pthread_once(&shim_ns_once, shim_ns_load);
	for (i = 0; i < shim_nns; i++) {
		if (memcmp(&shim_ns[i], a, sizeof(*a)) == 0)
			return 1;
	}
	return 0;
}

/* -------------------------------------------- V6ONLY placeholders */

static void
shim_fake_add(int fd, const struct sockaddr_in6 *asked)
{
	struct stat	 st;
	int		 i, slot = -1;

	if (fstat(fd, &st) == -1)
		return;
	pthread_mutex_lock(&shim_fake_lock);
	for (i = 0; i < SHIM_MAX_FAKE && slot == -1; i++) {
		struct shim_fake	*f = &shim_fakes[i];
		struct stat		 fst;

		/* free, the same fd again, or an entry whose fd moved on */
		if (f->fd <= 0 || f->fd == fd + 1 ||
		    fstat(f->fd - 1, &fst) == -1 || fst.st_ino != f->ino ||
		    fst.st_dev != f->dev)
			slot = i;
	}
	if (slot != -1) {
		if (shim_fakes[slot].fd <= 0)
			__atomic_add_fetch(&shim_nfake, 1, __ATOMIC_RELEASE);
		shim_fakes[slot].fd = fd + 1;	/* 0 = free */
		shim_fakes[slot].dev = st.st_dev;
		shim_fakes[slot].ino = st.st_ino;
		shim_fakes[slot].asked = *asked;
	}
	pthread_mutex_unlock(&shim_fake_lock);
}

/* What the program asked for, if fd is one of our placeholders. */
static int
shim_fake_get(int fd, struct sockaddr_in6 *asked)
{
	struct stat	 st;
	int		 i, found = 0;

	if (__atomic_load_n(&shim_nfake, __ATOMIC_ACQUIRE) == 0 ||
	    fstat(fd, &st) == -1)
		return 0;
	pthread_mutex_lock(&shim_fake_lock);
	for (i = 0; i < SHIM_MAX_FAKE && !found; i++) {
		if (shim_fakes[i].fd == fd + 1 &&
		    shim_fakes[i].ino == st.st_ino &&
		    shim_fakes[i].dev == st.st_dev) {
			*asked = shim_fakes[i].asked;
			found = 1;
		}
	}
	pthread_mutex_unlock(&shim_fake_lock);
	return found;
}

static int
shim_v6only(int fd)
{
	int		 on = 0;
	socklen_t	 len = sizeof(on);

	if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len) == -1)
		return -1;
	return on != 0;
}

/* ------------------------------------------------------- loopback */

/* Where a bind to 0.0.0.0 or 127.0.0.1 goes. */
static struct in_addr
shim_local(struct in_addr asked)
{
	if (shim.lo_on && asked.s_addr == htonl(INADDR_LOOPBACK))
		return shim.lo;
	return shim.addr;
}

/*
 * What a bind to asked becomes in *to: 127.0.0.1 the own loopback,
 * 0.0.0.0 the container address. 0: the call is left as it is (not a
 * local address; or BPF, which gives the container address in the
 * kernel but lets any 127/8 bind pass, so only the own loopback is
 * the interposer's).
 */
static int
shim_bind_local(struct in_addr asked, struct in_addr *to)
{
	struct in_addr	a;

	if (!shim_v4_local(asked))
		return 0;
	a = shim_local(asked);
	if (shim.kernel && a.s_addr == shim.addr.s_addr)
		return 0;
	*to = a;
	return 1;
}

/* Can a fresh socket of type bind a:port? 0 yes, EADDRINUSE, -1 other. */
static int
shim_lo_try(int type, in_addr_t a, in_port_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, on = 1, rc = -1;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return -1;
	/* over TIME_WAIT leftovers, never over a listener */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = a;
	sin.sin_port = port;
#ifdef SIN6_LEN
	sin.sin_len = sizeof(sin);
#endif
	if (shim_libc_bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		rc = 0;
	else if (errno == EADDRINUSE)
		rc = EADDRINUSE;
	close(fd);
	return rc;
}

/*
 * Does a socket of this container hold port on its loopback address?
 * Taken there but free on 127.0.0.2: yes (a wildcard listener of the
 * host would hold both).
 */
static int
shim_lo_held(int fd, in_port_t port)
{
	int		 type = 0, saved = errno, held;
	socklen_t	 len = sizeof(type);

	if (!shim.lo_on || port == 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    (type != SOCK_STREAM && type != SOCK_DGRAM))
		return 0;
	held = shim_lo_try(type, shim.lo.s_addr, port) == EADDRINUSE &&
	    shim_lo_try(type, htonl(0x7f000002), port) == 0;
	errno = saved;
	return held;
}

/* Another container's loopback address (127.B.C.D of the same B)? */
static int
shim_lo_foreign(struct in_addr a)
{
	uint32_t	 h = ntohl(a.s_addr), mine = ntohl(shim.lo.s_addr);

	return shim.lo_on && a.s_addr != shim.lo.s_addr &&
	    (h & 0xffff0000) == (mine & 0xffff0000);
}

/* Bind an unbound socket to 127.0.0.1 (port 0) before it goes to lo. */
static int
shim_lo_prebind(int fd, int family, int flags)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (void *)&ss;
	struct sockaddr_in6	*sin6 = (void *)&ss;
	struct in_addr		 lo = { htonl(INADDR_LOOPBACK) };
	socklen_t		 len;
	int			 saved = errno;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = lo;
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		shim_mapped(&sin6->sin6_addr, lo);
		len = sizeof(*sin6);
	}
#ifdef SIN6_LEN
	((struct sockaddr *)&ss)->sa_len = (unsigned char)len;
#endif
	if (flags & SHIM_STREAM)
		shim_os_no_port(fd);
	if (shim_libc_bind(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINVAL)
		return -1;
	errno = saved;
	return 0;
}

/* ------------------------------------------------------------ bind */

/*
 * Bind an unbound socket to the container address, port 0. EINVAL means
 * it is bound already (or the family does not match, which the real
 * call reports); not a socket, the same. Anything else (the address is
 * gone: EADDRNOTAVAIL) fails the call rather than let it leave from
 * the host's address.
 */
static int
shim_prebind(int fd, int family, int flags)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 saved = errno;

	if (shim_source(family, &ss, &len) == -1)
		return 0;
	if (flags & SHIM_STREAM)
		shim_os_no_port(fd);
	if (shim_libc_bind(fd, (struct sockaddr *)&ss, len) == 0) {
		if (shim.debug)
			shim_log(__func__, "fd %d bound to the container "
			    "address", fd);
		errno = saved;
		return 0;
	}
	switch (errno) {
	case EINVAL:
	case EBADF:
	case ENOTSOCK:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
		errno = saved;
		return 0;
	}
	shim_log(__func__, "fd %d: cannot bind the container address: %s",
	    fd, strerror(errno));
	return -1;
}

int
shim_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (void *)&ss;
	struct sockaddr_in6	*sin6 = (void *)&ss, lo;
	struct in_addr		 v4;
	int			 kind, only;

	if (!shim_ready() || sa == NULL || len > sizeof(ss))
		return shim_libc_bind(fd, sa, len);
	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		memcpy(&ss, sa, len);
		if (!shim_bind_local(sin->sin_addr, &sin->sin_addr))
			return shim_libc_bind(fd, sa, len);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		memcpy(&ss, sa, len);
		kind = shim_v6_kind(&sin6->sin6_addr, &v4);
		if (kind == V6_NATIVE || (kind == V6_MAPPED &&
		    !shim_v4_local(v4)))
			return shim_libc_bind(fd, sa, len);
		if (kind != V6_MAPPED) {
			if ((only = shim_v6only(fd)) == -1)
				return shim_libc_bind(fd, sa, len);
			if (only) {
				/* no IPv6 address to give: a placeholder */
				lo = *sin6;
				lo.sin6_addr = in6addr_loopback;
				lo.sin6_port = 0;
				lo.sin6_scope_id = 0;
				if (shim_libc_bind(fd, (struct sockaddr *)&lo,
				    sizeof(lo)) == -1)
					return -1;
				shim_fake_add(fd, sin6);
				shim_log(__func__, "fd %d: IPV6_V6ONLY socket "
				    "on [::1]:0 (the container has no IPv6 "
				    "address)", fd);
				return 0;
			}
		}
		if (kind == V6_LOOP)
			v4.s_addr = htonl(INADDR_LOOPBACK);
		else if (kind == V6_ANY)
			v4.s_addr = htonl(INADDR_ANY);
		if (!shim_bind_local(v4, &v4))
			return shim_libc_bind(fd, sa, len);
		shim_mapped(&sin6->sin6_addr, v4);
		sin6->sin6_scope_id = 0;
	} else
		return shim_libc_bind(fd, sa, len);
	shim_log_rewrite(__func__, sa, (struct sockaddr *)&ss);
	return shim_libc_bind(fd, (struct sockaddr *)&ss, len);
}

/* ---------------------------------------------------- destinations */

static int
shim_unbound(int fd)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (void *)&ss;
	socklen_t		 len = sizeof(ss);

	if (shim_libc_getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_INET6)
		return 0;
	return sin6->sin6_port == 0 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

int
shim_dest(int fd, const struct sockaddr *sa, socklen_t len,
    struct sockaddr_storage *buf, const struct sockaddr **out, int flags)
{
	struct sockaddr_in	*sin = (void *)buf;
	struct sockaddr_in6	*sin6 = (void *)buf;
	struct in6_addr		 m;
	struct in_addr		 v4;
	int			 kind, family, tolo = 0;

	*out = sa;
	if (!shim_ready() || sa == NULL || len > sizeof(*buf))
		return 0;
	family = sa->sa_family;
	if (family == AF_INET && len >= sizeof(*sin)) {
		memcpy(buf, sa, len);
		shim_mapped(&m, sin->sin_addr);
		if (shim_dns_match(&m, sin->sin_port)) {
			sin->sin_addr = shim.dns;
			sin->sin_port = shim.dns_port;
			*out = (struct sockaddr *)buf;
		} else if (shim_v4_local(sin->sin_addr)) {
			/* the own loopback; else (with BPF, the kernel's
			   rewrite) the container address */
			if ((flags & SHIM_STREAM) &&
			    shim_lo_held(fd, sin->sin_port)) {
				sin->sin_addr = shim.lo;
				tolo = 1;
				*out = (struct sockaddr *)buf;
			} else if (!shim.kernel) {
				sin->sin_addr = shim.addr;
				*out = (struct sockaddr *)buf;
			}
		} else if (shim_lo_foreign(sin->sin_addr)) {
			errno = ECONNREFUSED;
			return -1;
		} else if (shim_v4_loopnet(sin->sin_addr))
			return 0;
	} else if (family == AF_INET6 && len >= sizeof(*sin6)) {
		memcpy(buf, sa, len);
		kind = shim_v6_kind(&sin6->sin6_addr, &v4);
		if (shim_dns_match(&sin6->sin6_addr, sin6->sin6_port)) {
			shim_mapped(&sin6->sin6_addr, shim.dns);
			sin6->sin6_port = shim.dns_port;
			*out = (struct sockaddr *)buf;
		} else if (kind == V6_ANY || kind == V6_LOOP ||
		    (kind == V6_MAPPED && shim_v4_local(v4))) {
			if ((flags & SHIM_STREAM) &&
			    shim_lo_held(fd, sin6->sin6_port)) {
				shim_mapped(&sin6->sin6_addr, shim.lo);
				tolo = 1;
				*out = (struct sockaddr *)buf;
			} else if (!shim.kernel) {
				shim_mapped(&sin6->sin6_addr, shim.addr);
				*out = (struct sockaddr *)buf;
			}
		} else if (kind == V6_MAPPED && shim_lo_foreign(v4)) {
			errno = ECONNREFUSED;
			return -1;
		} else if (kind == V6_MAPPED && shim_v4_loopnet(v4)) {
			return 0;
		} else if (kind == V6_NATIVE && !shim.kernel) {
			/* (with BPF, the kernel refuses) */
			if (!(flags & SHIM_NOBIND) && shim_unbound(fd)) {
				shim_log(__func__, "fd %d: no IPv6 in a "
				    "container", fd);
				errno = ENETUNREACH;
				return -1;
			}
			return 0;
		}
		if (*out != sa)
			sin6->sin6_scope_id = 0;
	} else
		return 0;
	if (*out != sa)
		shim_log_rewrite(__func__, sa, *out);
	/*
	 * To the own loopback: from 127.0.0.1. With BPF, connect binds in
	 * the kernel (bpf_bind; not towards 127/8); a datagram send cannot
	 * (the kernel autobinds the wildcard before the hook runs), so the
	 * interposer still binds those sockets itself.
	 */
	if (tolo)
		return ((flags & SHIM_NOBIND) || shim.kernel) ? 0 :
		    shim_lo_prebind(fd, family, flags);
	if (!(flags & SHIM_NOBIND) && !(shim.kernel &&
	    (flags & SHIM_STREAM)) && shim_prebind(fd, family, flags) == -1)
		return -1;
	return 0;
}

int
shim_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to;

	if (shim_dest(fd, sa, len, &buf, &to, SHIM_STREAM) == -1)
		return -1;
	return shim_libc_connect(fd, to, len);
}

ssize_t
shim_sendto(int fd, const void *p, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to;

	if (sa == NULL)
		return shim_libc_sendto(fd, p, n, flags, sa, len);
	if (shim_dest(fd, sa, len, &buf, &to, 0) == -1)
		return -1;
	return shim_libc_sendto(fd, p, n, flags, to, len);
}

ssize_t
shim_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to;
	struct msghdr		 copy;

	if (msg == NULL || msg->msg_name == NULL)
		return shim_libc_sendmsg(fd, msg, flags);
	if (shim_dest(fd, msg->msg_name, msg->msg_namelen, &buf, &to,
	    0) == -1)
		return -1;
	if (to == msg->msg_name)
		return shim_libc_sendmsg(fd, msg, flags);
	copy = *msg;
	copy.msg_name = (void *)to;
	return shim_libc_sendmsg(fd, &copy, flags);
}

int
shim_listen(int fd, int backlog)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (void *)&ss;
	struct sockaddr_in6	*sin6 = (void *)&ss;
	socklen_t		 len = sizeof(ss);
	int			 saved = errno, family;

	if (!shim_ready() ||
	    shim_libc_getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		errno = saved;
		return shim_libc_listen(fd, backlog);
	}
	/* unbound: listen would pick a port on every address */
	family = ss.ss_family;
	if ((family == AF_INET && sin->sin_port == 0 &&
	    sin->sin_addr.s_addr == htonl(INADDR_ANY)) ||
	    (family == AF_INET6 && sin6->sin6_port == 0 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = family;
		len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
#ifdef SIN6_LEN
		((struct sockaddr *)&ss)->sa_len = (unsigned char)len;
#endif
		if (shim_bind(fd, (struct sockaddr *)&ss, len) == -1)
			return -1;
	}
	errno = saved;
	return shim_libc_listen(fd, backlog);
}

int
shim_getsockname(int fd, struct sockaddr *sa, socklen_t *lenp)
{
	struct sockaddr_in6	 asked, real;
	socklen_t		 len = sizeof(real);
	int			 saved = errno;

	if (shim_libc_getsockname(fd, sa, lenp) == -1)
		return -1;
	if (!shim_fake_get(fd, &asked)) {
		errno = saved;
		return 0;
	}
	/* a placeholder: the address asked for, the port it got if 0 */
	if (asked.sin6_port == 0 && shim_libc_getsockname(fd,
	    (struct sockaddr *)&real, &len) == 0)
		asked.sin6_port = real.sin6_port;
	memcpy(sa, &asked, *lenp < sizeof(asked) ? *lenp : sizeof(asked));
	*lenp = sizeof(asked);
	errno = saved;
	return 0;
}

/* ------------------------------------------------------------ exec */

struct shim_envmem {
	size_t	 size;		/* of the whole mapping */
	char	*v[];
};

static int
shim_has_var(const char *entry, const char *name)
{
	size_t	 n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Does the preload value already name a berth shim? */
static int
shim_preload_has_us(const char *value)
{
	return strstr(value, "libberth-shim") != NULL ||
	    (shim.self[0] != '\0' && strstr(value, shim.self) != NULL);
}

char **
shim_env_fix(char *const envp[])
{
	struct shim_envmem	*m;
	const char		*pv = shim_os_preload_var, *old = NULL;
	size_t			 n = 0, i, k = 0, plen = 0, size;
	char			*s;
	int			 saved = errno;

	if (!shim_ready())
		return (char **)envp;
	for (n = 0; envp != NULL && envp[n] != NULL; n++) {
		if (shim_has_var(envp[n], "BERTH_ADDR"))
			return (char **)envp;	/* the caller decided */
		if (shim_has_var(envp[n], pv))
			old = envp[n] + strlen(pv) + 1;
	}
	/* plen: room for a new preload entry; 0 keeps the old one */
	if ((old == NULL || !shim_preload_has_us(old)) &&
	    shim.self[0] != '\0')
		plen = strlen(pv) + 1 + (old != NULL ? strlen(old) + 1 : 0) +
		    strlen(shim.self) + 1;
	if (plen > SHIM_ENV_MAX)
		plen = 0;
	size = sizeof(*m) + (n + 7) * sizeof(char *) + plen;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON,
	    -1, 0);
	if (m == MAP_FAILED) {
		errno = saved;
		return (char **)envp;
	}
	m->size = size;
	s = (char *)&m->v[n + 7];
	for (i = 0; i < n; i++) {
		if (plen != 0 && shim_has_var(envp[i], pv))
			continue;
		m->v[k++] = envp[i];
	}
	m->v[k++] = shim.env_addr;
	if (shim.lo_on)
		m->v[k++] = shim.env_lo;
	if (shim.dns_on)
		m->v[k++] = shim.env_dns;
	if (shim.debug)
		m->v[k++] = (char *)"BERTH_SHIM_DEBUG=1";
	if (shim.kernel)
		m->v[k++] = (char *)"BERTH_KERNEL=1";
	if (plen != 0) {
		snprintf(s, plen, "%s=%s%s%s", pv, old != NULL ? old : "",
		    old != NULL ? ":" : "", shim.self);
		m->v[k++] = s;
	}
	m->v[k] = NULL;
	shim_log(__func__, "environment without BERTH_ADDR: added it%s",
	    plen != 0 ? " and the preload" : "");
	errno = saved;
	return m->v;
}

void
shim_env_free(char **fixed, char *const envp[])
{
	struct shim_envmem	*m;
	int			 saved = errno;

	if (fixed == NULL || fixed == (char **)envp)
		return;
	m = (struct shim_envmem *)((char *)fixed -
	    offsetof(struct shim_envmem, v));
	munmap(m, m->size);
	errno = saved;
}

int
shim_execve(const char *path, char *const argv[], char *const envp[])
{
	char	**env = shim_env_fix(envp);
	int	  rc;

	rc = shim_libc_execve(path, argv, env);
	shim_env_free(env, envp);
	return rc;
}

typedef int shim_spawn_fn(pid_t *, const char *,
    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
    char *const [], char *const []);

static int
shim_spawn(shim_spawn_fn *fn, pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	char	**env = shim_env_fix(envp);
	int	  rc;

	rc = fn(pid, path, fa, at, argv, env);
	shim_env_free(env, envp);
	return rc;
}

int
shim_posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return shim_spawn(shim_libc_posix_spawn, pid, path, fa, at, argv,
	    envp);
}

int
shim_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return shim_spawn(shim_libc_posix_spawnp, pid, file, fa, at, argv,
	    envp);
}
