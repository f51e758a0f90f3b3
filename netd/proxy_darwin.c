/* SPDX-License-Identifier: ISC */
/*
 * proxy_darwin.c - the proxy's byte mover where there is no splice(2):
 * a plain buffer, read(2) and write(2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "proxy.h"
#include "util.h"

#define PBUF_CAP	(128 * 1024)

struct pbuf {
	size_t	 off, len;
	char	 buf[PBUF_CAP];
};

struct pbuf *
pbuf_new(void)
{
	return calloc(1, sizeof(struct pbuf));
}

void
pbuf_free(struct pbuf *b)
{
	free(b);
}

ssize_t
pbuf_fill(struct pbuf *b, int fd)
{
	ssize_t	 n;

	if (b->off > 0 && b->len > 0)
		memmove(b->buf, b->buf + b->off, b->len);
	b->off = 0;
	n = read(fd, b->buf + b->len, PBUF_CAP - b->len);
	if (n > 0)
		b->len += (size_t)n;
	return n;
}

ssize_t
pbuf_drain(struct pbuf *b, int fd)
{
	ssize_t	 n;

	n = write(fd, b->buf + b->off, b->len);
	if (n > 0) {
		b->off += (size_t)n;
		b->len -= (size_t)n;
		if (b->len == 0)
			b->off = 0;
	}
	return n;
}

/* No accept4 or SOCK_NONBLOCK here: two more calls. */
int
proxy_os_accept(int fd)
{
	int	 c;

	if ((c = accept(fd, NULL, NULL)) == -1)
		return -1;
	if (util_set_nonblock(c) == -1 || util_set_cloexec(c) == -1) {
		close(c);
		return -1;
	}
	return c;
}

int
proxy_os_socket(int type)
{
	int	 fd;

	if ((fd = socket(AF_INET, type, 0)) == -1)
		return -1;
	if (util_set_nonblock(fd) == -1 || util_set_cloexec(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
proxy_os_upstream(int type, uint32_t mark)
{
	(void)mark;	/* a utun's packets reach netd anyway */
	return proxy_os_socket(type);
}

size_t
pbuf_len(const struct pbuf *b)
{
	return b->len;
}

int
pbuf_full(const struct pbuf *b)
{
	return b->len >= PBUF_CAP;
}
