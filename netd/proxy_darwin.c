/* SPDX-License-Identifier: ISC */
/*
 * proxy_darwin.c - the proxy's byte mover where there is no splice(2):
 * a plain buffer, read(2) and write(2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

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
