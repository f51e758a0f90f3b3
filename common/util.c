/* SPDX-License-Identifier: ISC */
/*
 * util.c - small helpers: cause strings, atomic files, fds, numbers.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"

int
cause_set(char **cause, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (cause != NULL) {
		va_start(ap, fmt);
		free(*cause);
		xvasprintf(cause, fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return -1;
}

int
cause_prefix(char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*prefix, *s;
	int	 saved = errno;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	xvasprintf(&prefix, fmt, ap);
	va_end(ap);
	xasprintf(&s, "%s: %s", prefix, *cause != NULL ? *cause : "error");
	free(prefix);
	free(*cause);
	*cause = s;
	errno = saved;
	return -1;
}

/*
 * util_write_file_atomic - replace path with buf so that a crash leaves
 * either the old or the new content: write a temporary file in the same
 * directory, fsync it, rename it over path, fsync the directory.
 */
int
util_write_file_atomic(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	return util_write_file_replace(path, buf, len, mode, 1);
}

/*
 * util_write_file_replace - the same; with sync 0 without the fsyncs:
 * still whole after a crash of the writer, not after one of the OS.
 */
int
util_write_file_replace(const char *path, const void *buf, size_t len,
    mode_t mode, int sync)
{
	const char	*base = strrchr(path, '/');
	char		*dir;
	int		 dfd, ret, saved;

	if (base == NULL) {
		dir = xstrdup(".");
		base = path;
	} else {
		dir = xstrndup(path, base == path ? 1 : (size_t)(base - path));
		base++;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		free(dir);
		return -1;
	}
	ret = util_write_file_at(dfd, base, buf, len, mode, sync);
	saved = errno;
	close(dfd);
	free(dir);
	errno = saved;
	return ret;
}

/*
 * util_write_file_at - replace dfd/name with buf: a temporary file made
 * with O_EXCL (never one somebody planted under that name), written,
 * renamed over name. With sync, fsync the file and the directory.
 */
int
util_write_file_at(int dfd, const char *name, const void *buf, size_t len,
    mode_t mode, int sync)
{
	char		*tmp = NULL;
	const char	*p = buf;
	ssize_t		 n;
	int		 fd = -1, ret = -1, saved;

	xasprintf(&tmp, ".%s.tmp.%ld", name, (long)getpid());
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1)
		goto out;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) == -1 || (sync && fsync(fd) == -1))
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) == -1)
		goto out;
	if (sync)
		(void)fsync(dfd);
	ret = 0;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (ret == -1)
		(void)unlinkat(dfd, tmp, 0);
	free(tmp);
	errno = saved;
	return ret;
}

/*
 * util_read_file - read a whole file of at most max bytes into a
 * NUL-terminated buffer.  Fails with EFBIG when the file is larger.
 */
/* Read fd to its end (at most max bytes, else EFBIG), NUL-terminated. */
char *
util_read_fd(int fd, size_t max, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 saved;

	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xreallocarray(buf, 1, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	errno = saved;
	return NULL;
}

char *
util_read_file(const char *path, size_t max, size_t *lenp)
{
	char	*buf;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf = util_read_fd(fd, max, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

int
util_mkdir_p(const char *path, mode_t mode)
{
	char	*p, *s;
	int	 ret = -1;

	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == -1 && errno != EEXIST)
				goto out;
			*s = c;
			if (c == '\0')
				break;
		}
	}
	ret = 0;
out:
	free(p);
	return ret;
}

int
util_set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* macOS: the callers ignore SIGPIPE */
#endif

int
util_send_some(int fd, const uint8_t *buf, size_t len, size_t *off)
{
	ssize_t	 n;

	while (*off < len) {
		n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		*off += (size_t)n;
	}
	return 0;
}

int
util_set_cloexec(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* The one clock: monotonic, in microseconds or milliseconds. */
long long
util_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
util_now_ms(void)
{
	return util_now_us() / 1000;
}

uint32_t
util_hash_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*
 * util_parse_uint - strict decimal: digits only, no sign, no spaces, no
 * leading zeros beyond "0" itself, at most max.
 */
int
util_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long	 v = 0;
	const char	*p;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0')) {
		errno = EINVAL;
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			errno = EINVAL;
			return -1;
		}
		if (v > (ULONG_MAX - 9) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max) {
			errno = ERANGE;
			return -1;
		}
	}
	*out = v;
	return 0;
}

/*
 * util_env_name_len - the length of the variable name at the start of
 * s (a letter or '_', then letters, digits, '_'), ending at '\0' or
 * '='; 0 when s does not start with one.
 */
size_t
util_env_name_len(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0' && *p != '='; p++) {
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (p != s && *p >= '0' &&
		    *p <= '9')))
			return 0;
	}
	return (size_t)(p - s);
}

/*
 * util_stdio_null - point the standard descriptors named by mask
 * (UTIL_STDIN | UTIL_STDOUT | UTIL_STDERR) at /dev/null.
 */
void
util_stdio_null(int mask)
{
	int	 fd, i;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return;
	for (i = 0; i <= STDERR_FILENO; i++)
		if (mask & (1 << i))
			dup2(fd, i);
	if (fd > STDERR_FILENO)
		close(fd);
}
