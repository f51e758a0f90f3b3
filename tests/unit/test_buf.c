/* SPDX-License-Identifier: ISC */
/*
 * test_buf.c - the stream buffer (common/buf.c): adding, taking,
 * reclaiming the taken front, reading from and sending to sockets.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "util.h"

static void
test_buf_add_drain(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_len(&b), 0);
	buf_add(&b, "hello ", 6);
	buf_add(&b, "world", 5);
	assert_int_equal(buf_len(&b), 11);
	assert_memory_equal(buf_head(&b), "hello world", 11);
	buf_drain(&b, 6);
	assert_int_equal(buf_len(&b), 5);
	assert_memory_equal(buf_head(&b), "world", 5);
	/* Draining more than is held empties it, and it starts over. */
	buf_drain(&b, 100);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);
	buf_add(&b, "x", 1);
	assert_ptr_equal(buf_head(&b), b.data);
	buf_add(&b, NULL, 0);
	assert_int_equal(buf_len(&b), 1);
	buf_reset(&b);
	assert_int_equal(buf_len(&b), 0);
	assert_non_null(b.data);	/* the memory stays */
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	buf_free(&b);			/* twice is harmless */
}

/* The taken front is reused before the buffer grows. */
static void
test_buf_reclaim(void **state)
{
	struct buf	 b = BUF_INIT;
	uint8_t		*p;
	size_t		 cap;

	(void)state;
	buf_add(&b, "0123456789", 10);
	cap = b.cap;
	buf_drain(&b, 8);
	p = buf_space(&b, 8);
	assert_int_equal(b.cap, cap);		/* no growth: moved down */
	assert_int_equal(b.off, 0);
	assert_ptr_equal(p, b.data + 2);
	memcpy(p, "abcdefgh", 8);
	buf_added(&b, 8);
	assert_int_equal(buf_len(&b), 10);
	assert_memory_equal(buf_head(&b), "89abcdefgh", 10);
	p = buf_space(&b, 100);
	assert_true(b.cap - b.len >= 100);
	assert_ptr_equal(p, b.data + b.len);
	assert_memory_equal(buf_head(&b), "89abcdefgh", 10);
	buf_free(&b);
}

static void
test_buf_read(void **state)
{
	struct buf	 b = BUF_INIT;
	int		 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(util_set_nonblock(sv[0]), 0);
	assert_int_equal(write(sv[1], "abcdef", 6), 6);
	/* At most max bytes per call. */
	assert_int_equal(buf_read(&b, sv[0], 4), 4);
	assert_int_equal(buf_read(&b, sv[0], 4), 2);
	assert_memory_equal(buf_head(&b), "abcdef", 6);
	assert_int_equal(buf_read(&b, sv[0], 4), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(sv[1]);
	assert_int_equal(buf_read(&b, sv[0], 4), 0);
	assert_int_equal(buf_len(&b), 6);	/* EOF adds nothing */
	close(sv[0]);
	buf_free(&b);
}

/* A full socket keeps the rest queued; a gone peer is -1. */
static void
test_buf_send(void **state)
{
	struct buf	 b = BUF_INIT;
	uint8_t		*big, *got;
	size_t		 n = 4 * 1024 * 1024, have = 0, queued;
	ssize_t		 r;
	int		 sv[2];

	(void)state;
	big = malloc(n);
	got = malloc(n);
	assert_non_null(big);
	assert_non_null(got);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(util_set_nonblock(sv[0]), 0);
	buf_add(&b, big, n);
	assert_int_equal(buf_send(&b, sv[0]), 0);
	queued = buf_len(&b);
	assert_true(queued > 0 && queued < n);	/* the socket is full */
	while (have < n) {
		r = read(sv[1], got + have, n - have);
		assert_true(r > 0);
		have += (size_t)r;
		assert_int_equal(buf_send(&b, sv[0]), 0);
	}
	assert_int_equal(buf_len(&b), 0);
	assert_memory_equal(got, big, n);
	buf_add(&b, "more", 4);
	close(sv[1]);
	assert_int_equal(buf_send(&b, sv[0]), -1);
	assert_int_equal(buf_len(&b), 4);
	close(sv[0]);
	buf_free(&b);
	free(big);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_add_drain),
		cmocka_unit_test(test_buf_reclaim),
		cmocka_unit_test(test_buf_read),
		cmocka_unit_test(test_buf_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
