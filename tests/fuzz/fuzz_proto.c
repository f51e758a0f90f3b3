/* SPDX-License-Identifier: ISC */
/*
 * fuzz_proto.c - libFuzzer entry for the control protocol's framing and
 * request checks, and netd's control socket.
 *
 * The input is a byte stream as a client would send it. First the
 * parser alone, as ctl.c drives it: frames are taken off one at a time;
 * each must have consumed at least a header and no more than what was
 * there, and re-encoding a message must give a frame that parses to an
 * equal one. Then the same bytes go through a real control socket (a
 * socketpair in a ctl with a handler that answers every request): netd
 * must answer and never stop, whatever arrives.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static json_t *
fuzz_handler(void *arg, const char *op, json_t *args, int *close)
{
	(void)arg;
	(void)args;
	if (strcmp(op, "bye") == 0)
		*close = 1;
	return proto_reply_ok(json_string(op));
}

static void
fuzz_roundtrip(json_t *msg)
{
	uint8_t	*buf;
	size_t	 len, used;
	json_t	*again;
	int	 rc;

	if ((buf = proto_encode(msg, &len, NULL)) == NULL)
		return;
	rc = proto_parse(buf, len, &used, &again, NULL);
	if (rc != PROTO_MESSAGE || used != len || !json_equal(msg, again))
		abort();
	json_decref(again);
	free(buf);
}

static void
fuzz_parser(const uint8_t *data, size_t size)
{
	const char	*op;
	json_t		*msg, *args;
	size_t		 off = 0, used;
	char		*cause = NULL;
	int		 rc;

	while (off < size) {
		used = 0;
		rc = proto_parse(data + off, size - off, &used, &msg, &cause);
		if (rc == PROTO_NEED_MORE)
			break;
		if (rc == PROTO_ERROR) {
			if (cause == NULL)
				abort();
			free(cause);
			break;
		}
		if (used < PROTO_HDRLEN || used > size - off)
			abort();
		off += used;
		if (proto_request_check(msg, &op, &args, &cause) == -1) {
			free(cause);
			cause = NULL;
		}
		fuzz_roundtrip(msg);
		json_decref(msg);
	}
}

/* Read and drop what netd answered, so it never waits on us. */
static void
fuzz_drain(int fd)
{
	char	 buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void
fuzz_socket(const uint8_t *data, size_t size)
{
	struct ev	*ev;
	struct ctl	*c;
	int		 sv[2], i;
	size_t		 off = 0;
	ssize_t		 n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return;
	ev = ev_new();
	c = ctl_new(ev, fuzz_handler, NULL);
	if (ctl_adopt(c, sv[0]) == -1)
		abort();
	for (i = 0; i < 256 && off < size; i++) {
		n = send(sv[1], data + off, size - off > 4096 ? 4096 :
		    size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n == -1 && errno != EAGAIN)
			break;		/* netd closed: a framing error */
		(void)ev_run_once(ev, 0);
		fuzz_drain(sv[1]);
	}
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 8; i++) {
		(void)ev_run_once(ev, 0);
		fuzz_drain(sv[1]);
	}
	ctl_free(c);
	ev_free(ev);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parser(data, size);
	fuzz_socket(data, size);
	return 0;
}
