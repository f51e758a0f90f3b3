/* SPDX-License-Identifier: ISC */
/*
 * tun.c - what both OS layers do with the header a tun puts in front of
 * each packet (utun's address family, Linux's virtio_net_hdr): one
 * system call reads or writes header and packet, each in its own place.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

#include "tun.h"

ssize_t
tun_readv_hdr(int fd, void *hdr, size_t hlen, void *buf, size_t len)
{
	struct iovec	 iov[2];
	ssize_t		 n;

	iov[0].iov_base = hdr;
	iov[0].iov_len = hlen;
	iov[1].iov_base = buf;
	iov[1].iov_len = len;
	if ((n = readv(fd, iov, 2)) == -1)
		return -1;
	/* A runt: nothing (the router stops reading this fd for now). */
	return n < (ssize_t)hlen ? 0 : n - (ssize_t)hlen;
}

ssize_t
tun_writev_hdr(int fd, const void *hdr, size_t hlen, const void *pkt,
    size_t len)
{
	struct iovec	 iov[2];
	ssize_t		 n;

	iov[0].iov_base = (void *)(uintptr_t)hdr;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	if ((n = writev(fd, iov, 2)) == -1)
		return -1;
	return n < (ssize_t)hlen ? 0 : n - (ssize_t)hlen;
}
