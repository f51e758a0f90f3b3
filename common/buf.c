/* SPDX-License-Identifier: ISC */
/*
 * buf.c - a byte buffer for a non-blocking stream (buf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
buf_reset(struct buf *b)
{
	b->off = b->len = 0;
}

uint8_t *
buf_space(struct buf *b, size_t n)
{
	size_t	 have = buf_len(b), want;

	if (b->cap - b->len >= n)
		return b->data + b->len;
	/* Reclaim what was taken before growing. */
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, have);
		b->off = 0;
		b->len = have;
		if (b->cap - b->len >= n)
			return b->data + b->len;
	}
	if (n > SIZE_MAX - have)
		fatalx("%s: %zu bytes", __func__, n);
	want = have + n;
	b->data = xreallocarray(b->data, 1, want);
	b->cap = want;
	return b->data + b->len;
}

void
buf_added(struct buf *b, size_t n)
{
	if (n > b->cap - b->len)
		fatalx("%s: %zu bytes past the end", __func__, n);
	b->len += n;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_space(b, n), p, n);
	b->len += n;
}

void
buf_drain(struct buf *b, size_t n)
{
	if (n >= buf_len(b)) {
		b->off = b->len = 0;
		return;
	}
	b->off += n;
}

ssize_t
buf_read(struct buf *b, int fd, size_t max)
{
	ssize_t	 n;

	n = read(fd, buf_space(b, max), max);
	if (n > 0)
		b->len += (size_t)n;
	return n;
}

int
buf_send(struct buf *b, int fd)
{
	size_t	 off = 0;
	int	 rc;

	rc = util_send_some(fd, buf_head(b), buf_len(b), &off);
	buf_drain(b, off);
	return rc;
}
