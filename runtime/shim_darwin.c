/* SPDX-License-Identifier: ISC */
/*
 * shim_darwin.c - the interposer's macOS layer: __DATA,__interpose
 * tuples (dyld's DYLD_INTERPOSE, research/macos.md section 6.1). dyld
 * does not apply interposing to the image that declares it, so the real
 * functions are called here directly; uses inside the dyld shared cache
 * (libsystem_c calling connect, execvp calling execve) are patched by
 * dyld, so, unlike Linux, execve and posix_spawn cover the exec family.
 * The $NOCANCEL variants and connectx (used by Apple's frameworks) get
 * the same treatment. getaddrinfo, gethostbyname, gethostbyname2,
 * gethostbyaddr and getnameinfo are interposed for container names and
 * addresses (shim_dns.c): on macOS they ask
 * mDNSResponder over a unix socket, which no socket redirect can see.
 * Not compiled on Linux; kept thin.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

const char shim_os_preload_var[] = "DYLD_INSERT_LIBRARIES";

/* ---------------------------------------------------- real libc */

int
shim_libc_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return bind(fd, sa, len);
}

int
shim_libc_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return connect(fd, sa, len);
}

int
shim_libc_listen(int fd, int backlog)
{
	return listen(fd, backlog);
}

ssize_t
shim_libc_sendto(int fd, const void *p, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	return sendto(fd, p, n, flags, sa, len);
}

ssize_t
shim_libc_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return sendmsg(fd, msg, flags);
}

int
shim_libc_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return getsockname(fd, sa, len);
}

int
shim_libc_execve(const char *path, char *const argv[], char *const envp[])
{
	return execve(path, argv, envp);
}

int
shim_libc_posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return posix_spawn(pid, path, fa, at, argv, envp);
}

int
shim_libc_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return posix_spawnp(pid, file, fa, at, argv, envp);
}

int
shim_libc_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	return getaddrinfo(node, service, hints, res);
}

int
shim_libc_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	return getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
}

void
shim_os_random(void *buf, size_t len)
{
	arc4random_buf(buf, len);
}

/* No IP_BIND_ADDRESS_NO_PORT: connect keeps the port bind picked. */
void
shim_os_no_port(int fd)
{
}

/* ------------------------------------------- $NOCANCEL, connectx */

extern int	connect_nocancel(int, const struct sockaddr *, socklen_t)
		    __asm("_connect$NOCANCEL");
extern ssize_t	sendto_nocancel(int, const void *, size_t, int,
		    const struct sockaddr *, socklen_t)
		    __asm("_sendto$NOCANCEL");
extern ssize_t	sendmsg_nocancel(int, const struct msghdr *, int)
		    __asm("_sendmsg$NOCANCEL");

static int
shim_connect_nocancel(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to;

	if (shim_dest(fd, sa, len, &buf, &to, SHIM_STREAM) == -1)
		return -1;
	return connect_nocancel(fd, to, len);
}

static ssize_t
shim_sendto_nocancel(int fd, const void *p, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to = sa;

	if (sa != NULL && shim_dest(fd, sa, len, &buf, &to, 0) == -1)
		return -1;
	return sendto_nocancel(fd, p, n, flags, to, len);
}

static ssize_t
shim_sendmsg_nocancel(int fd, const struct msghdr *msg, int flags)
{
	struct sockaddr_storage	 buf;
	const struct sockaddr	*to;
	struct msghdr		 copy;

	if (msg == NULL || msg->msg_name == NULL)
		return sendmsg_nocancel(fd, msg, flags);
	if (shim_dest(fd, msg->msg_name, msg->msg_namelen, &buf, &to,
	    0) == -1)
		return -1;
	copy = *msg;
	copy.msg_name = (void *)to;
	return sendmsg_nocancel(fd, &copy, flags);
}

/*
 * connectx names its own source: when it has none, give it the
 * container address rather than binding first.
 */
static int
shim_connectx(int fd, const sa_endpoints_t *ep, sae_associd_t aid,
    unsigned int flags, const struct iovec *iov, unsigned int iovcnt,
    size_t *len, sae_connid_t *cid)
{
	struct sockaddr_storage	 dst, src;
	const struct sockaddr	*to;
	sa_endpoints_t		 e;
	socklen_t		 slen;

	if (ep == NULL || ep->sae_dstaddr == NULL)
		return connectx(fd, ep, aid, flags, iov, iovcnt, len, cid);
	e = *ep;
	if (shim_dest(fd, ep->sae_dstaddr, ep->sae_dstaddrlen, &dst, &to,
	    SHIM_NOBIND) == -1)
		return -1;
	e.sae_dstaddr = to;
	if (e.sae_srcaddr == NULL &&
	    (to->sa_family == AF_INET || to->sa_family == AF_INET6) &&
	    shim_source(to->sa_family, &src, &slen) == 0) {
		e.sae_srcaddr = (struct sockaddr *)&src;
		e.sae_srcaddrlen = slen;
	}
	return connectx(fd, &e, aid, flags, iov, iovcnt, len, cid);
}

/* -------------------------------------------------------- names */

static struct hostent *
shim_gethostbyname(const char *name)
{
	struct hostent	*he;

	if (shim_dns_hostent(name, AF_INET, &he))
		return he;
	return gethostbyname(name);
}

static struct hostent *
shim_gethostbyname2(const char *name, int af)
{
	struct hostent	*he;

	if (shim_dns_hostent(name, af, &he))
		return he;
	return gethostbyname2(name, af);
}

static struct hostent *
shim_gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct hostent	*he;

	if (shim_dns_byaddr(addr, len, type, &he))
		return he;
	return gethostbyaddr(addr, len, type);
}

/* ------------------------------------------------------ tuples */

/*
 * dyld reads {replacement, replacee} pairs from the __DATA,__interpose
 * section of an inserted image. Apple declares the macro in dyld's own
 * <mach-o/dyld-interposing.h>, which no SDK ships, so the tuple is laid
 * out here. The pointers are plain (not ptrauth-signed): berth's dylib is
 * built for arm64 and x86_64, not arm64e, and dyld only authenticates
 * interposing tuples in arm64e images.
 */
#define DYLD_INTERPOSE(repl, orig)					\
	__attribute__((used)) static struct {				\
		const void	*replacement;				\
		const void	*replacee;				\
	} shim_interpose_##orig						\
	    __attribute__((section("__DATA,__interpose"))) = {		\
		(const void *)(unsigned long)&repl,			\
		(const void *)(unsigned long)&orig			\
	};

DYLD_INTERPOSE(shim_bind, bind)
DYLD_INTERPOSE(shim_connect, connect)
DYLD_INTERPOSE(shim_connect_nocancel, connect_nocancel)
DYLD_INTERPOSE(shim_connectx, connectx)
DYLD_INTERPOSE(shim_listen, listen)
DYLD_INTERPOSE(shim_sendto, sendto)
DYLD_INTERPOSE(shim_sendto_nocancel, sendto_nocancel)
DYLD_INTERPOSE(shim_sendmsg, sendmsg)
DYLD_INTERPOSE(shim_sendmsg_nocancel, sendmsg_nocancel)
DYLD_INTERPOSE(shim_getsockname, getsockname)
DYLD_INTERPOSE(shim_execve, execve)
DYLD_INTERPOSE(shim_posix_spawn, posix_spawn)
DYLD_INTERPOSE(shim_posix_spawnp, posix_spawnp)
DYLD_INTERPOSE(shim_dns_getaddrinfo, getaddrinfo)
DYLD_INTERPOSE(shim_gethostbyname, gethostbyname)
DYLD_INTERPOSE(shim_gethostbyname2, gethostbyname2)
DYLD_INTERPOSE(shim_gethostbyaddr, gethostbyaddr)
DYLD_INTERPOSE(shim_dns_getnameinfo, getnameinfo)
