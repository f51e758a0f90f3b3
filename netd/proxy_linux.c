/* SPDX-License-Identifier: ISC */
/*
 * proxy_linux.c - the proxy's byte mover on Linux: a pipe and splice(2),
 * so payload moves socket -> pipe -> socket without a copy to userspace.
 */
#include <errno.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "proxy.h"

#define PBUF_CAP	(256 * 1024)

struct pbuf {
	int	 p[2];
	size_t	 len;
	size_t	 cap;
};

struct pbuf *
pbuf_new(void)
{
	struct pbuf	*b;
	int		 sz;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if (pipe2(b->p, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(b);
		return NULL;
	}
	/* The default size (64 KiB) until a transfer fills it. */
	sz = fcntl(b->p[1], F_GETPIPE_SZ);
	b->cap = sz > 0 ? (size_t)sz : 65536;
	return b;
}

void
pbuf_free(struct pbuf *b)
{
	if (b == NULL)
		return;
	close(b->p[0]);
	close(b->p[1]);
	free(b);
}

ssize_t
pbuf_fill(struct pbuf *b, int fd)
{
	ssize_t	 n;

	int	 sz;

	n = splice(fd, NULL, b->p[1], NULL, b->cap - b->len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0)
		b->len += (size_t)n;
	/* A bulk transfer: a bigger pipe moves more per splice. Growing
	 * only then keeps short connections (most of them) cheap. */
	if (b->len >= b->cap && b->cap < PBUF_CAP &&
	    (sz = fcntl(b->p[1], F_SETPIPE_SZ, PBUF_CAP)) > 0)
		b->cap = (size_t)sz;
	return n;
}

ssize_t
pbuf_drain(struct pbuf *b, int fd)
{
	ssize_t	 n;

	n = splice(b->p[0], NULL, fd, NULL, b->len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0)
		b->len -= (size_t)n;
	return n;
}

int
proxy_os_accept(int fd)
{
	return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int
proxy_os_socket(int type)
{
	return socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int
proxy_os_upstream(int type, uint32_t mark)
{
	int	 fd;

	if ((fd = proxy_os_socket(type)) == -1 || mark == 0)
		return fd;
	/* Unmarked, the connection still works: over the router. */
	(void)setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	return fd;
}

size_t
pbuf_len(const struct pbuf *b)
{
	return b->len;
}

int
pbuf_full(const struct pbuf *b)
{
	return b->len >= b->cap;
}
