/* SPDX-License-Identifier: ISC */
/*
 * test_proto.c - control protocol framing.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "proto.h"

static size_t
frame(uint8_t *buf, uint32_t len, uint16_t version, uint16_t flags,
    const char *payload)
{
	uint32_t	 l = htonl(len);
	uint16_t	 v = htons(version), f = htons(flags);

	memcpy(buf, &l, 4);
	memcpy(buf + 4, &v, 2);
	memcpy(buf + 6, &f, 2);
	memcpy(buf + 8, payload, strlen(payload));
	return 8 + strlen(payload);
}

static void
test_roundtrip(void **state)
{
	json_t		*req, *msg = NULL;
	uint8_t		*buf;
	size_t		 len, used, i;
	char		*cause = NULL;
	const char	*op;
	json_t		*args;

	req = proto_request("create", json_pack("{s:s}", "name", "web"));
	buf = proto_encode(req, &len, &cause);
	assert_non_null(buf);
	/* every strict prefix is incomplete, never an error */
	for (i = 0; i < len; i++)
		assert_int_equal(proto_parse(buf, i, &used, &msg, &cause),
		    PROTO_NEED_MORE);
	assert_int_equal(proto_parse(buf, len, &used, &msg, &cause),
	    PROTO_MESSAGE);
	assert_int_equal(used, len);
	assert_true(json_equal(req, msg));
	assert_int_equal(proto_request_check(msg, &op, &args, &cause), 0);
	assert_string_equal(op, "create");
	json_decref(msg);
	json_decref(req);
	free(buf);
	free(cause);
}

static void
test_bad_frames(void **state)
{
	uint8_t		 buf[256];
	size_t		 n, used;
	json_t		*msg;
	char		*cause = NULL;

	n = frame(buf, 2, 2, 0, "{}");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	assert_non_null(strstr(cause, "version 2"));
	n = frame(buf, 2, PROTO_VERSION, 1, "{}");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	n = frame(buf, PROTO_MAX_PAYLOAD + 1, PROTO_VERSION, 0, "");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	assert_non_null(strstr(cause, "length"));
	n = frame(buf, 0, PROTO_VERSION, 0, "");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	n = frame(buf, 5, PROTO_VERSION, 0, "{\"a\":");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	assert_non_null(strstr(cause, "not JSON"));
	n = frame(buf, 3, PROTO_VERSION, 0, "[1]");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	assert_non_null(strstr(cause, "not a JSON object"));
	n = frame(buf, 13, PROTO_VERSION, 0, "{\"a\":1,\"a\":2}");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_ERROR);
	/* a request whose op is not a string */
	n = frame(buf, 8, PROTO_VERSION, 0, "{\"op\":1}");
	assert_int_equal(proto_parse(buf, n, &used, &msg, &cause),
	    PROTO_MESSAGE);
	{
		const char	*op;
		json_t		*args;

		assert_int_equal(proto_request_check(msg, &op, &args,
		    &cause), -1);
		assert_non_null(strstr(cause, "op"));
	}
	json_decref(msg);
	free(cause);
}

static void
test_socketpair_call(void **state)
{
	int		 sv[2];
	json_t		*req = NULL, *rep, *data = NULL;
	char		*cause = NULL;
	enum proto_code	 code;
	pid_t		 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(sv[0]);
		if (proto_recv(sv[1], &req, &cause) == -1)
			_exit(1);
		rep = proto_reply_errcode(PROTO_E_NOT_FOUND,
		    "no such container \"%s\"",
		    json_string_value(json_object_get(json_object_get(req,
		    "args"), "name")));
		proto_send(sv[1], rep, &cause);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(proto_call_code(sv[0], "inspect", json_pack("{s:s}",
	    "name", "zz"), &data, &code, &cause), -1);
	assert_string_equal(cause, "no such container \"zz\"");
	/* Programs branch on the code, never on the text. */
	assert_int_equal(code, PROTO_E_NOT_FOUND);
	close(sv[0]);
	free(cause);
}

/* Codes by name and back; unknown or missing ones are "failed". */
static void
test_codes(void **state)
{
	json_t	*rep;
	int	 c;

	for (c = PROTO_E_FAILED; c <= PROTO_E_LOCAL; c++)
		assert_int_equal(proto_code_parse(proto_code_name(
		    (enum proto_code)c)), c);
	assert_int_equal(proto_code_parse("no_such_code"), PROTO_E_FAILED);
	assert_int_equal(proto_code_parse(NULL), PROTO_E_FAILED);
	rep = proto_reply_errcode(PROTO_E_CONFLICT, "port %d", 80);
	assert_string_equal(json_string_value(json_object_get(rep, "code")),
	    "conflict");
	assert_string_equal(json_string_value(json_object_get(rep, "error")),
	    "port 80");
	json_decref(rep);
	rep = proto_reply_error("x");
	assert_string_equal(json_string_value(json_object_get(rep, "code")),
	    "failed");
	json_decref(rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_socketpair_call),
		cmocka_unit_test(test_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
