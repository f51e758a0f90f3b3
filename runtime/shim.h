/* SPDX-License-Identifier: ISC */
/*
 * shim.h - the address interposer: portable logic (shim.c) and the OS
 * layer (shim_linux.c, shim_darwin.c) that exports the libc symbols and
 * reaches the real ones.
 *
 * Three layers, as in Samba's socket_wrapper: the exported symbol (OS
 * file) calls the emulation (shim_*, shim.c), which calls the real libc
 * through shim_libc_* (OS file). Nothing here uses common/: the shim
 * links only libc (+libdl), and every symbol but the interposed ones is
 * hidden (-fvisibility=hidden).
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <spawn.h>

/* The emulation, called by the exported symbols. */
int	 shim_bind(int, const struct sockaddr *, socklen_t);
int	 shim_connect(int, const struct sockaddr *, socklen_t);
int	 shim_listen(int, int);
ssize_t	 shim_sendto(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	 shim_sendmsg(int, const struct msghdr *, int);
int	 shim_getsockname(int, struct sockaddr *, socklen_t *);
int	 shim_execve(const char *, char *const [], char *const []);
int	 shim_posix_spawn(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const [], char *const []);
int	 shim_posix_spawnp(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const [], char *const []);

/*
 * shim_dest - prepare a destination for connect/sendto/sendmsg/sendmmsg
 * (and connectx on macOS): bind an unbound socket to the container
 * address first (unless SHIM_NOBIND), and rewrite loopback and DNS
 * destinations. *out is sa, or buf holding the rewritten copy. Returns
 * 0, or -1 with errno set when the call must fail rather than leave the
 * container's address.
 */
#define SHIM_STREAM	0x1	/* connect: let the kernel pick the port late */
#define SHIM_NOBIND	0x2	/* the caller bound the socket already */
int	 shim_dest(int fd, const struct sockaddr *sa, socklen_t len,
	    struct sockaddr_storage *buf, const struct sockaddr **out,
	    int flags);
/* The container address as a source for family (port 0); -1 if off. */
int	 shim_source(int family, struct sockaddr_storage *, socklen_t *);
/* BERTH_DNS as a destination (sin may be NULL); -1 when it is unset. */
int	 shim_dns_server(struct sockaddr_in *sin);

/*
 * Names (shim_dns.c): getaddrinfo() and the gethostbyname family for
 * container names, asked of BERTH_DNS. shim_dns_getaddrinfo() calls the
 * real function for every other name. The hostent forms return 0 when
 * the name is not theirs (call the real function), 1 when they
 * answered: *result (NULL if not found), *herr, and for the _r form the
 * function's return value in *rc.
 */
int	 shim_dns_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
int	 shim_dns_hostent_r(const char *name, int af, struct hostent *,
	    char *buf, size_t buflen, struct hostent **result, int *herr,
	    int *rc);
int	 shim_dns_hostent(const char *name, int af, struct hostent **result);
/*
 * Reverse lookups (shim_dns.c), the same way: gethostbyaddr's _r form
 * and plain form (0: call the real function), and getnameinfo(), which
 * calls shim_libc_getnameinfo() for what is not its own.
 */
int	 shim_dns_byaddr_r(const void *addr, socklen_t len, int af,
	    struct hostent *, char *buf, size_t buflen,
	    struct hostent **result, int *herr, int *rc);
int	 shim_dns_byaddr(const void *addr, socklen_t len, int af,
	    struct hostent **result);
int	 shim_dns_getnameinfo(const struct sockaddr *, socklen_t, char *,
	    socklen_t, char *, socklen_t, int);

/*
 * An environment for exec: envp itself when it carries BERTH_ADDR, or a
 * copy with the shim's variables added (see shim.c). The copy is
 * mmap'ed, which is safe in a vfork child; shim_env_free() releases it.
 */
char	**shim_env_fix(char *const envp[]);
void	 shim_env_free(char **fixed, char *const envp[]);

/* BERTH_SHIM_DEBUG=1: one line per decision on stderr, never stdout. */
void	 shim_log(const char *func, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));

/* The OS layer: the real libc functions. */
int	 shim_libc_bind(int, const struct sockaddr *, socklen_t);
int	 shim_libc_connect(int, const struct sockaddr *, socklen_t);
int	 shim_libc_listen(int, int);
ssize_t	 shim_libc_sendto(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	 shim_libc_sendmsg(int, const struct msghdr *, int);
int	 shim_libc_getsockname(int, struct sockaddr *, socklen_t *);
int	 shim_libc_execve(const char *, char *const [], char *const []);
int	 shim_libc_posix_spawn(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const [], char *const []);
int	 shim_libc_posix_spawnp(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const [], char *const []);

int	 shim_libc_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
int	 shim_libc_getnameinfo(const struct sockaddr *, socklen_t, char *,
	    socklen_t, char *, socklen_t, int);

/* The OS layer: small differences. */
extern const char shim_os_preload_var[];  /* LD_PRELOAD, DYLD_INSERT_... */
void	 shim_os_no_port(int fd);	/* IP_BIND_ADDRESS_NO_PORT, if any */
void	 shim_os_random(void *, size_t);	/* DNS query IDs */

#endif
