/* SPDX-License-Identifier: ISC */
/*
 * util.h - small helpers shared by netd and the CLI.
 */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Set *cause (when cause is not NULL) to a newly allocated message; the
 * caller frees it.  Always returns -1 so that error paths can read
 * "return cause_set(cause, ...);".
 */
int	 cause_set(char **cause, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));
/* Prefix an existing *cause with "prefix: ".  Returns -1. */
int	 cause_prefix(char **cause, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));

int	 util_write_file_atomic(const char *path, const void *buf, size_t len,
	    mode_t mode);
int	 util_write_file_replace(const char *path, const void *buf, size_t len,
	    mode_t mode, int sync);
int	 util_write_file_at(int dfd, const char *name, const void *buf,
	    size_t len, mode_t mode, int sync);
char	*util_read_file(const char *path, size_t max, size_t *lenp);
char	*util_read_fd(int fd, size_t max, size_t *lenp);
int	 util_mkdir_p(const char *path, mode_t mode);
int	 util_set_nonblock(int fd);
int	 util_set_cloexec(int fd);
/*
 * Send buf[*off..len) on a non-blocking socket, advancing *off, until
 * it is all sent or the socket is full; -1 when the peer is gone.
 */
int	 util_send_some(int fd, const uint8_t *buf, size_t len, size_t *off);
long long util_now_ms(void);
/* FNV-1a of s, going on from h: UTIL_HASH_INIT, or an earlier result. */
#define UTIL_HASH_INIT	2166136261u
uint32_t util_hash_str(uint32_t h, const char *s);
long long util_now_us(void);	/* monotonic */
/* A variable name's length at the start of s (up to '=' or the end). */
size_t	 util_env_name_len(const char *s);
#define UTIL_STDIN	0x01
#define UTIL_STDOUT	0x02
#define UTIL_STDERR	0x04
void	 util_stdio_null(int mask);
int	 util_parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif
