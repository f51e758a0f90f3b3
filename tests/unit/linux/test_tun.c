/* SPDX-License-Identifier: ISC */
/*
 * test_tun.c - the virtio_net_hdr in front of each packet of a Linux tun
 * (tun_linux.c): read, stripped into a struct packet_csum; made again
 * on write. A SOCK_SEQPACKET pair stands for the tun: one packet per
 * read and write, like /dev/net/tun.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pkt.h"
#include "tun.h"

static int	 sv[2];
static uint8_t	 p[128];	/* a TCP packet with 60 bytes of data */
static size_t	 n;

static int
setup(void **state)
{
	(void)state;
	n = pkt_ipv4(p, 0x0af00002, 0x0af00003, 6, 60, 64);
	return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
}

static int
teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* What the kernel would hand netd: a header, then the packet. */
static void
kernel_send(const struct virtio_net_hdr *h, size_t hlen, size_t len)
{
	struct iovec	 iov[2] = {
		{ (void *)(uintptr_t)h, hlen }, { p, len },
	};

	assert_int_equal(writev(sv[1], iov, 2), (ssize_t)(hlen + len));
}

static void
test_read_strips(void **state)
{
	struct virtio_net_hdr	 h;
	struct packet_csum	 c = { 7, 7 };
	uint8_t			 buf[256];

	(void)state;
	/* A partial one: the header says where the checksum goes. */
	memset(&h, 0, sizeof(h));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 20;
	h.csum_offset = 16;
	kernel_send(&h, sizeof(h), n);
	assert_int_equal(tun_read(sv[0], buf, sizeof(buf), &c), (ssize_t)n);
	assert_memory_equal(buf, p, n);		/* no header bytes */
	assert_int_equal(c.start, 20);
	assert_int_equal(c.off, 16);
	/* A complete one (e.g. data valid, forwarded from a NIC). */
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	kernel_send(&h, sizeof(h), n);
	assert_int_equal(tun_read(sv[0], buf, sizeof(buf), &c), (ssize_t)n);
	assert_memory_equal(buf, p, n);
	assert_int_equal(c.start, 0);
	/* NEEDS_CSUM at 0 cannot be: made something the router refuses. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 0;
	kernel_send(&h, sizeof(h), n);
	assert_int_equal(tun_read(sv[0], buf, sizeof(buf), &c), (ssize_t)n);
	assert_int_equal(c.start, UINT16_MAX);
	/* Shorter than the header: nothing. */
	kernel_send(&h, 4, 0);
	assert_int_equal(tun_read(sv[0], buf, sizeof(buf), &c), 0);
	/* Nothing queued. */
	assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
	assert_int_equal(tun_read(sv[0], buf, sizeof(buf), &c), 0);
}

static void
test_write_makes(void **state)
{
	struct virtio_net_hdr	 h;
	struct packet_csum	 c = { 20, 16 };
	uint8_t			 got[256];

	(void)state;
	assert_int_equal(tun_write(sv[0], p, n, &c), (ssize_t)n);
	assert_int_equal(read(sv[1], got, sizeof(got)),
	    (ssize_t)(sizeof(h) + n));
	memcpy(&h, got, sizeof(h));
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.csum_start, 20);
	assert_int_equal(h.csum_offset, 16);
	assert_memory_equal(got + sizeof(h), p, n);
	/* Complete: an all-zero header, NULL or start 0 alike. */
	c.start = 0;
	assert_int_equal(tun_write(sv[0], p, n, &c), (ssize_t)n);
	assert_int_equal(tun_write(sv[0], p, n, NULL), (ssize_t)n);
	for (int i = 0; i < 2; i++) {
		static const uint8_t	 zero[sizeof(h)];

		assert_int_equal(read(sv[1], got, sizeof(got)),
		    (ssize_t)(sizeof(h) + n));
		assert_memory_equal(got, zero, sizeof(h));
		assert_memory_equal(got + sizeof(h), p, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_strips, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_makes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
