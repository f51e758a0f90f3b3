/* SPDX-License-Identifier: ISC */
/*
 * test_ctl.c - netd's control socket: framing on a non-blocking socket,
 * error replies and disconnects, other clients unaffected, the peer of
 * the request being handled.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
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

#include "ctl.h"
#include "ev.h"
#include "proto.h"

static int	 calls;
static struct ctl *who_ctl;	/* "who": ctl_peer_pid() in the handler */
static int	 who_rc;
static pid_t	 who_pid;

static json_t *
handler(void *arg, const char *op, json_t *args, int *close)
{
	char	*big;
	json_t	*j;

	(void)arg;
	calls++;
	if (strcmp(op, "close") == 0)
		*close = 1;
	if (strcmp(op, "take") == 0)
		*close = CTL_HANDOFF;
	if (strcmp(op, "who") == 0)
		who_rc = ctl_peer_pid(who_ctl, &who_pid);
	if (strcmp(op, "big") == 0) {
		big = malloc(PROTO_MAX_PAYLOAD + 10);
		memset(big, 'x', PROTO_MAX_PAYLOAD + 9);
		big[PROTO_MAX_PAYLOAD + 9] = '\0';
		j = proto_reply_ok(json_string(big));
		free(big);
		return j;
	}
	return proto_reply_ok(json_pack("{s:s, s:O}", "op", op, "args",
	    args));
}

/* What the handoff function was given. */
static struct {
	int	 fd;
	size_t	 unsent;
	int	 calls;
} taken;

static void
handoff(void *arg, int fd, const uint8_t *unsent, size_t len)
{
	(void)arg;
	(void)unsent;
	taken.fd = fd;
	taken.unsent = len;
	taken.calls++;
}

struct world {
	struct ev	*ev;
	struct ctl	*ctl;
	int		 fd;		/* the client's end */
};

static int
connect_client(struct world *w)
{
	int	 sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ctl_adopt(w->ctl, sv[1]), 0);
	return sv[0];
}

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	calls = 0;
	w->ev = ev_new();
	w->ctl = ctl_new(w->ev, handler, NULL);
	w->fd = connect_client(w);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	ctl_free(w->ctl);
	ev_free(w->ev);
	close(w->fd);
	free(w);
	return 0;
}

/* Run the loop until it has been idle for three rounds. */
static void
spin(struct world *w)
{
	int	 idle = 0;

	while (idle < 3)
		idle = ev_run_once(w->ev, 2) == 0 ? idle + 1 : 0;
}

static void
send_raw(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

#define LEN	0xffffffffu	/* frame(): the payload's own length */

static size_t
frame(uint8_t *buf, uint32_t len, uint16_t version, const char *payload)
{
	uint32_t	 l = htonl(len == LEN ? (uint32_t)strlen(payload) : len);
	uint16_t	 v = htons(version), f = 0;

	memcpy(buf, &l, 4);
	memcpy(buf + 4, &v, 2);
	memcpy(buf + 6, &f, 2);
	memcpy(buf + 8, payload, strlen(payload));
	return 8 + strlen(payload);
}

/* Read one reply; NULL at EOF. */
static json_t *
reply(struct world *w, int fd)
{
	json_t		*msg = NULL;
	struct timeval	 tv = { 2, 0 };
	int		 fl;

	spin(w);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (proto_recv(fd, &msg, NULL) == -1)
		msg = NULL;
	return msg;
}

/* The connection was closed by netd: read gives EOF. */
static void
assert_closed(struct world *w, int fd)
{
	char	 c;

	spin(w);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	assert_int_equal(read(fd, &c, 1), 0);
}

static void
assert_error(json_t *rep, const char *needle)
{
	const char	*e;

	assert_non_null(rep);
	assert_true(json_is_false(json_object_get(rep, "ok")));
	e = json_string_value(json_object_get(rep, "error"));
	assert_non_null(e);
	if (strstr(e, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", e, needle);
	json_decref(rep);
}

static void
assert_ok(json_t *rep, const char *op)
{
	assert_non_null(rep);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(rep, "data"), "op")), op);
	json_decref(rep);
}

static void
test_requests(void **state)
{
	struct world	*w = *state;
	json_t		*req;
	uint8_t		*buf, *all;
	size_t		 len, i;

	/* Two requests in one write, answered in order. */
	req = proto_request("one", NULL);
	buf = proto_encode(req, &len, NULL);
	json_decref(req);
	all = malloc(2 * len);
	memcpy(all, buf, len);
	memcpy(all + len, buf, len);
	send_raw(w->fd, all, 2 * len);
	assert_ok(reply(w, w->fd), "one");
	assert_ok(reply(w, w->fd), "one");
	/* One request, a byte at a time. */
	for (i = 0; i < len; i++) {
		send_raw(w->fd, buf + i, 1);
		(void)ev_run_once(w->ev, 0);
	}
	assert_ok(reply(w, w->fd), "one");
	assert_int_equal(calls, 3);
	free(all);
	free(buf);
}

static void
test_bad_requests_keep(void **state)
{
	struct world	*w = *state;
	uint8_t		 buf[256];

	/* Well framed but wrong requests: error, connection stays. */
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION, "{}"));
	assert_error(reply(w, w->fd), "op");
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\":\"x\",\"args\":[1]}  "));
	assert_error(reply(w, w->fd), "args");
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION, "{\"op\":\"y\"}"));
	assert_ok(reply(w, w->fd), "y");
	assert_int_equal(calls, 1);
}

static void
test_bad_frames(void **state)
{
	struct world	*w = *state;
	struct {
		const char	*payload;
		uint32_t	 len;
		uint16_t	 version;
		const char	*error;
	} cases[] = {
		{ "{\"op\":\"a\"}", 10, 7, "version" },
		{ "{\"op\":\"a\"}", PROTO_MAX_PAYLOAD + 1, PROTO_VERSION,
		    "length" },
		{ "{\"op\":\"a\"}", 0, PROTO_VERSION, "length" },
		{ "[1,2,3]", 7, PROTO_VERSION, "not a JSON object" },
		{ "\xff\xfe garbage", 10, PROTO_VERSION, "not JSON" },
	};
	uint8_t		 buf[256];
	size_t		 i;
	int		 fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = connect_client(w);
		send_raw(fd, buf, frame(buf, cases[i].len, cases[i].version,
		    cases[i].payload));
		assert_error(reply(w, fd), cases[i].error);
		assert_closed(w, fd);
		close(fd);
	}
	/* Pure garbage: a header that makes no sense. */
	fd = connect_client(w);
	send_raw(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_error(reply(w, fd), "not supported");
	assert_closed(w, fd);
	close(fd);
	/* The first client was never disturbed. */
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION, "{\"op\":\"z\"}"));
	assert_ok(reply(w, w->fd), "z");
	assert_int_equal(ctl_nclients(w->ctl), 1);
	assert_int_equal(calls, 1);
}

static void
test_truncated(void **state)
{
	struct world	*w = *state;
	uint8_t		 buf[256];
	size_t		 n;

	n = frame(buf, 40, PROTO_VERSION, "{\"op\":\"a\"}");
	send_raw(w->fd, buf, n);
	spin(w);
	assert_int_equal(calls, 0);
	shutdown(w->fd, SHUT_WR);
	assert_error(reply(w, w->fd), "truncated");
	assert_closed(w, w->fd);
	assert_int_equal(ctl_nclients(w->ctl), 0);
}

static void
test_close_and_big(void **state)
{
	struct world	*w = *state;
	uint8_t		 buf[256];

	/* A reply too large to frame becomes an error reply. */
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\":\"big\"}"));
	assert_error(reply(w, w->fd), "too large");
	/* The handler asks to close: reply first, then EOF. */
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\":\"close\"}"));
	assert_ok(reply(w, w->fd), "close");
	assert_closed(w, w->fd);
	/* A client that vanishes is forgotten. */
	close(connect_client(w));
	spin(w);
	assert_int_equal(ctl_nclients(w->ctl), 0);
}

/*
 * CTL_HANDOFF: the reply is the last frame ctl sends; the socket, still
 * open, goes to the handoff function and ctl forgets the client.
 */
static void
test_handoff(void **state)
{
	struct world	*w = *state;
	uint8_t		 buf[256];
	json_t		*rep;
	char		 c = 'x';

	memset(&taken, 0, sizeof(taken));
	ctl_set_handoff(w->ctl, handoff);
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\": \"take\"}"));
	rep = reply(w, w->fd);
	assert_non_null(rep);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	assert_int_equal(taken.calls, 1);
	assert_int_equal(taken.unsent, 0);
	assert_int_equal(ctl_nclients(w->ctl), 0);
	/* Still open, and ctl reads it no more: a request goes unanswered. */
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\": \"hello\"}"));
	spin(w);
	assert_int_equal(write(taken.fd, &c, 1), 1);
	assert_int_equal(read(w->fd, &c, 1), 1);
	assert_int_equal(c, 'x');
	close(taken.fd);
}

/*
 * A client that goes before its handoff reply is out: the handoff
 * function hears of it (fd -1), so its owner can let go (a capture
 * prepared for it, and the nft set direct kept empty for it).
 */
static void
test_handoff_gone(void **state)
{
	struct world	*w = *state;
	uint8_t		 buf[256];
	int		 i;

	memset(&taken, 0, sizeof(taken));
	ctl_set_handoff(w->ctl, handoff);
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\": \"take\"}"));
	close(w->fd);
	w->fd = connect_client(w);	/* for the teardown */
	for (i = 0; i < 50 && taken.calls == 0; i++)
		spin(w);
	assert_int_equal(taken.calls, 1);
	assert_int_equal(taken.fd, -1);
	assert_int_equal(ctl_nclients(w->ctl), 1);
}

/*
 * ctl_peer_pid() knows a peer only while its request is handled: never
 * before the first request or after one, even when fd 0 is a socket.
 */
static void
test_peer_pid(void **state)
{
	struct world	*w = *state;
	struct ctl	*fresh;
	uint8_t		 buf[256];
	pid_t		 pid = 0;
	int		 sv[2], saved;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true((saved = dup(0)) != -1);
	assert_int_equal(dup2(sv[0], 0), 0);
	fresh = ctl_new(w->ev, handler, NULL);
	assert_int_equal(ctl_peer_pid(fresh, &pid), -1);
	ctl_free(fresh);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	close(sv[0]);
	close(sv[1]);

	who_ctl = w->ctl;
	who_rc = -2;
	send_raw(w->fd, buf, frame(buf, LEN, PROTO_VERSION,
	    "{\"op\": \"who\"}"));
	assert_ok(reply(w, w->fd), "who");
	assert_int_equal(who_rc, 0);
	assert_int_equal(who_pid, getpid());
	assert_int_equal(ctl_peer_pid(w->ctl, &pid), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handoff_gone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_handoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer_pid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_keep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_and_big, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
