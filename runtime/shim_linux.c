/* SPDX-License-Identifier: ISC */
/*
 * shim_linux.c - the interposer's Linux layer: the exported symbols
 * (LD_PRELOAD puts them ahead of libc's) and the real functions, found
 * lazily with dlsym(RTLD_NEXT) on first use, so calls made before our
 * constructor would run (by other libraries' constructors) still work.
 *
 * glibc calls its own functions internally without the PLT, so execvp
 * or execl inside libc never reach our execve: each member of the exec
 * family is exported here, and each of getaddrinfo, gethostbyname,
 * gethostbyname2, gethostbyaddr, their _r forms and getnameinfo
 * (gethostbyname calls its _r form internally too). sendmmsg lives here too: macOS has none.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define SHIM_EXPORT	__attribute__((visibility("default")))
#define SHIM_MMSG_MAX	1024	/* UIO_MAXIOV: the kernel's cap on vlen */

extern char **environ;

/* glibc's socket calls take transparent unions under _GNU_SOURCE. */
#if defined(__GLIBC__) && defined(__USE_GNU)
typedef __CONST_SOCKADDR_ARG	shim_csa_t;
typedef __SOCKADDR_ARG		shim_sa_t;
#define SHIM_PTR(a)		((a).__sockaddr__)
#else
typedef const struct sockaddr	*shim_csa_t;
typedef struct sockaddr		*shim_sa_t;
#define SHIM_PTR(a)		(a)
#endif

const char shim_os_preload_var[] = "LD_PRELOAD";

/* Look up the next definition of name once; ENOSYS if there is none. */
#define SHIM_REAL(name, fail) \
	static __typeof__(name) *real_; \
	__typeof__(name) *fn_ = __atomic_load_n(&real_, __ATOMIC_RELAXED); \
	if (fn_ == NULL) { \
		fn_ = (__typeof__(name) *)dlsym(RTLD_NEXT, #name); \
		if (fn_ == NULL) { \
			errno = ENOSYS; \
			return (fail); \
		} \
		__atomic_store_n(&real_, fn_, __ATOMIC_RELAXED); \
	}

/* ---------------------------------------------------- real libc */

int
shim_libc_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	SHIM_REAL(bind, -1);
	return fn_(fd, sa, len);
}

int
shim_libc_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	SHIM_REAL(connect, -1);
	return fn_(fd, sa, len);
}

int
shim_libc_listen(int fd, int backlog)
{
	SHIM_REAL(listen, -1);
	return fn_(fd, backlog);
}

ssize_t
shim_libc_sendto(int fd, const void *p, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	SHIM_REAL(sendto, -1);
	return fn_(fd, p, n, flags, sa, len);
}

ssize_t
shim_libc_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	SHIM_REAL(sendmsg, -1);
	return fn_(fd, msg, flags);
}

int
shim_libc_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	SHIM_REAL(getsockname, -1);
	return fn_(fd, sa, len);
}

int
shim_libc_execve(const char *path, char *const argv[], char *const envp[])
{
	SHIM_REAL(execve, -1);
	return fn_(path, argv, envp);
}

int
shim_libc_posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	SHIM_REAL(posix_spawn, ENOSYS);
	return fn_(pid, path, fa, at, argv, envp);
}

int
shim_libc_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	SHIM_REAL(posix_spawnp, ENOSYS);
	return fn_(pid, file, fa, at, argv, envp);
}

int
shim_libc_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	SHIM_REAL(getaddrinfo, EAI_SYSTEM);
	return fn_(node, service, hints, res);
}

int
shim_libc_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	SHIM_REAL(getnameinfo, EAI_SYSTEM);
	return fn_(sa, salen, host, hostlen, serv, servlen, flags);
}

void
shim_os_random(void *buf, size_t len)
{
	static unsigned int	 seq;
	unsigned int		 x;
	struct timespec		 ts;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	/* early boot or seccomp: good enough for a query ID on a link */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (unsigned int)ts.tv_nsec ^ (unsigned int)getpid() << 16 ^
	    __atomic_add_fetch(&seq, 0x9e37, __ATOMIC_RELAXED);
	memcpy(buf, &x, len < sizeof(x) ? len : sizeof(x));
}

void
shim_os_no_port(int fd)
{
	int	 one = 1, saved = errno;

	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
	errno = saved;
}

/* ------------------------------------------------------ sockets */

SHIM_EXPORT int
bind(int fd, shim_csa_t sa, socklen_t len)
{
	return shim_bind(fd, SHIM_PTR(sa), len);
}

SHIM_EXPORT int
connect(int fd, shim_csa_t sa, socklen_t len)
{
	return shim_connect(fd, SHIM_PTR(sa), len);
}

SHIM_EXPORT int
listen(int fd, int backlog)
{
	return shim_listen(fd, backlog);
}

SHIM_EXPORT ssize_t
sendto(int fd, const void *p, size_t n, int flags, shim_csa_t sa,
    socklen_t len)
{
	return shim_sendto(fd, p, n, flags, SHIM_PTR(sa), len);
}

SHIM_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return shim_sendmsg(fd, msg, flags);
}

SHIM_EXPORT int
getsockname(int fd, shim_sa_t sa, socklen_t *len)
{
	return shim_getsockname(fd, SHIM_PTR(sa), len);
}

/*
 * Each message may name its own destination. The socket is bound once
 * (first named message); only when a destination must change is the
 * vector copied, and the kernel's msg_len results copied back.
 */
SHIM_EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct sockaddr_storage	 tmp, *bufs;
	const struct sockaddr	*to;
	struct mmsghdr		*copy;
	unsigned int		 i;
	int			 rc, how = 0, change = 0, saved;
	SHIM_REAL(sendmmsg, -1);

	if (vec == NULL)
		return fn_(fd, vec, vlen, flags);
	if (vlen > SHIM_MMSG_MAX)
		vlen = SHIM_MMSG_MAX;
	for (i = 0; i < vlen && !change; i++) {
		if (vec[i].msg_hdr.msg_name == NULL)
			continue;
		if (shim_dest(fd, vec[i].msg_hdr.msg_name,
		    vec[i].msg_hdr.msg_namelen, &tmp, &to, how) == -1)
			return -1;
		how = SHIM_NOBIND;
		change = to != vec[i].msg_hdr.msg_name;
	}
	if (!change)
		return fn_(fd, vec, vlen, flags);
	if ((copy = malloc(vlen * (sizeof(*copy) + sizeof(*bufs)))) ==
	    NULL) {
		errno = ENOMEM;
		return -1;
	}
	bufs = (struct sockaddr_storage *)(copy + vlen);
	for (i = 0; i < vlen; i++) {
		copy[i] = vec[i];
		if (vec[i].msg_hdr.msg_name == NULL)
			continue;
		if (shim_dest(fd, vec[i].msg_hdr.msg_name,
		    vec[i].msg_hdr.msg_namelen, &bufs[i], &to,
		    SHIM_NOBIND) == -1) {
			free(copy);
			return -1;
		}
		copy[i].msg_hdr.msg_name = (void *)to;
	}
	rc = fn_(fd, copy, vlen, flags);
	saved = errno;
	for (i = 0; rc > 0 && i < (unsigned int)rc; i++)
		vec[i].msg_len = copy[i].msg_len;
	free(copy);
	errno = saved;
	return rc;
}

/* -------------------------------------------------------- names */

SHIM_EXPORT int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	return shim_dns_getaddrinfo(node, service, hints, res);
}

SHIM_EXPORT struct hostent *
gethostbyname(const char *name)
{
	struct hostent	*he;
	SHIM_REAL(gethostbyname, NULL);

	if (shim_dns_hostent(name, AF_INET, &he))
		return he;
	return fn_(name);
}

SHIM_EXPORT struct hostent *
gethostbyname2(const char *name, int af)
{
	struct hostent	*he;
	SHIM_REAL(gethostbyname2, NULL);

	if (shim_dns_hostent(name, af, &he))
		return he;
	return fn_(name, af);
}

SHIM_EXPORT int
gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
    size_t buflen, struct hostent **result, int *h_errnop)
{
	int	 rc;
	SHIM_REAL(gethostbyname2_r, ENOSYS);

	if (shim_dns_hostent_r(name, af, ret, buf, buflen, result, h_errnop,
	    &rc))
		return rc;
	return fn_(name, af, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT int
gethostbyname_r(const char *name, struct hostent *ret, char *buf,
    size_t buflen, struct hostent **result, int *h_errnop)
{
	int	 rc;
	SHIM_REAL(gethostbyname_r, ENOSYS);

	if (shim_dns_hostent_r(name, AF_INET, ret, buf, buflen, result,
	    h_errnop, &rc))
		return rc;
	return fn_(name, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT struct hostent *
gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct hostent	*he;
	SHIM_REAL(gethostbyaddr, NULL);

	if (shim_dns_byaddr(addr, len, type, &he))
		return he;
	return fn_(addr, len, type);
}

SHIM_EXPORT int
gethostbyaddr_r(const void *addr, socklen_t len, int type,
    struct hostent *ret, char *buf, size_t buflen, struct hostent **result,
    int *h_errnop)
{
	int	 rc;
	SHIM_REAL(gethostbyaddr_r, ENOSYS);

	if (shim_dns_byaddr_r(addr, len, type, ret, buf, buflen, result,
	    h_errnop, &rc))
		return rc;
	return fn_(addr, len, type, ret, buf, buflen, result, h_errnop);
}

SHIM_EXPORT int
getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	return shim_dns_getnameinfo(sa, salen, host, hostlen, serv, servlen,
	    flags);
}

/* --------------------------------------------------------- exec */

SHIM_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	return shim_execve(path, argv, envp);
}

SHIM_EXPORT int
execv(const char *path, char *const argv[])
{
	return shim_execve(path, argv, environ);
}

SHIM_EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	char	**env;
	int	  rc;
	SHIM_REAL(execvpe, -1);

	env = shim_env_fix(envp);
	rc = fn_(file, argv, env);
	shim_env_free(env, envp);
	return rc;
}

SHIM_EXPORT int
execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	char	**env;
	int	  rc;
	SHIM_REAL(fexecve, -1);

	env = shim_env_fix(envp);
	rc = fn_(fd, argv, env);
	shim_env_free(env, envp);
	return rc;
}

/*
 * execl, execlp, execle: the arguments up to the NULL into a vector on
 * the stack (counted in a first pass over them); execle's environment
 * follows the NULL.
 */
static size_t
shim_nargs(const char *first, va_list ap)
{
	size_t	 n = 0;

	if (first != NULL) {
		for (n = 1; va_arg(ap, char *) != NULL; n++)
			;
	}
	return n;
}

#define SHIM_ARGV(last, argv, n) do { \
	va_list	 ap_; \
	size_t	 i_; \
	va_start(ap_, last); \
	n = shim_nargs(last, ap_); \
	va_end(ap_); \
	argv = __builtin_alloca((n + 1) * sizeof(char *)); \
	argv[0] = (char *)(last); \
	va_start(ap_, last); \
	for (i_ = 1; i_ <= n; i_++) \
		argv[i_] = va_arg(ap_, char *); \
	va_end(ap_); \
} while (0)

SHIM_EXPORT int
execl(const char *path, const char *arg, ...)
{
	char	**argv;
	size_t	  n;

	SHIM_ARGV(arg, argv, n);
	return shim_execve(path, argv, environ);
}

SHIM_EXPORT int
execlp(const char *file, const char *arg, ...)
{
	char	**argv;
	size_t	  n;

	SHIM_ARGV(arg, argv, n);
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int
execle(const char *path, const char *arg, ...)
{
	va_list	  ap;
	char	**argv, **envp;
	size_t	  i, n;

	SHIM_ARGV(arg, argv, n);
	va_start(ap, arg);
	for (i = 1; i <= n; i++)	/* the arguments and their NULL */
		(void)va_arg(ap, char *);
	envp = va_arg(ap, char **);
	va_end(ap);
	return shim_execve(path, argv, envp);
}

SHIM_EXPORT int
posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return shim_posix_spawn(pid, path, fa, at, argv, envp);
}

SHIM_EXPORT int
posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
    char *const argv[], char *const envp[])
{
	return shim_posix_spawnp(pid, file, fa, at, argv, envp);
}
