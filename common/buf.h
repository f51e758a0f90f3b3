/* SPDX-License-Identifier: ISC */
/*
 * buf.h - a byte buffer for a non-blocking stream (buf.c): what was
 * read and not yet parsed, or what was queued and not yet sent. netd's
 * control socket (ctl) and its DNS server's TCP connections (dnssrv)
 * both keep one of each per client.
 *
 * DOC: a window over one allocation
 * The content is data[off..len): bytes are added at len and taken at
 * off. Taking is a pointer move; the bytes before off are reclaimed by
 * one memmove when more room is wanted, and off and len fall back to 0
 * whenever the buffer empties, so a stream that keeps up never moves a
 * byte. A buffer starts zeroed (BUF_INIT or memset) and owns nothing
 * until the first add.
 */
#ifndef BERTH_BUF_H
#define BERTH_BUF_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 off;		/* the first byte not yet taken */
	size_t	 len;		/* the end of the content */
	size_t	 cap;
};

#define BUF_INIT	{ NULL, 0, 0, 0 }

/* The bytes held, and where they start (valid until the next add). */
static inline size_t
buf_len(const struct buf *b)
{
	return b->len - b->off;
}

static inline uint8_t *
buf_head(const struct buf *b)
{
	return b->data + b->off;
}

void	 buf_free(struct buf *);
/* Empty it, keeping the memory. */
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
/* Room for n more bytes at the end: write there, then buf_added(). */
uint8_t	*buf_space(struct buf *, size_t n);
void	 buf_added(struct buf *, size_t n);
/* Take n bytes (at most buf_len) off the front. */
void	 buf_drain(struct buf *, size_t n);
/*
 * One read(2) of at most max bytes onto the end: its result, with the
 * bytes added (-1 and errno, 0 at end of file).
 */
ssize_t	 buf_read(struct buf *, int fd, size_t max);
/*
 * Send what the socket takes (MSG_NOSIGNAL) and drain it: 0 when all
 * is sent or the socket is full, -1 when the peer is gone.
 */
int	 buf_send(struct buf *, int fd);

#endif
