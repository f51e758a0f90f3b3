/* SPDX-License-Identifier: ISC */
/*
 * proto.h - the control protocol between berth and berth-netd.
 *
 * DOC: framing
 * A unix stream socket carries frames: an 8-byte header, then a JSON
 * object (UTF-8, jansson). The header is
 *	uint32_t length;	payload bytes, big endian, 2..PROTO_MAX_PAYLOAD
 *	uint16_t version;	PROTO_VERSION, big endian
 *	uint16_t flags;		0
 * A request is {"op": "NAME", "args": {...}}; every request gets exactly
 * one reply, {"ok": true, "data": ...} or {"ok": false, "error": "text",
 * "code": "CODE"}: the text is for people, the code (enum proto_code)
 * for programs, which branch on it and never on the text. A reply whose
 * data is an array too long for one frame comes in pages: frames with
 * "more": true, each a part of the array, then the last without;
 * proto_call() joins them.
 * A frame with a bad header, an oversized length, a wrong version or a
 * payload that is not a JSON object gets an error reply and the
 * connection is closed. This header is the one cross-binary ABI: bump
 * PROTO_VERSION on any incompatible change. docs/protocol.md lists the
 * operations and their arguments.
 */
#ifndef BERTH_PROTO_H
#define BERTH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PROTO_VERSION		1
#define PROTO_HDRLEN		8
#define PROTO_MAX_PAYLOAD	(1024 * 1024)

/* Results of proto_parse(). */
#define PROTO_NEED_MORE		0
#define PROTO_MESSAGE		1
#define PROTO_ERROR		(-1)

/*
 * Encode msg as one frame. Returns a malloc'd buffer (length in *lenp),
 * or NULL with *cause set when the payload would be too large.
 */
uint8_t	*proto_encode(const json_t *msg, size_t *lenp, char **cause);

/*
 * Look for one complete frame at buf[0..len). PROTO_NEED_MORE: nothing
 * complete yet; PROTO_MESSAGE: *msg is a new reference to a JSON object
 * and *consumed the frame's length; PROTO_ERROR: *cause says why, and
 * the stream cannot be trusted any more.
 */
int	 proto_parse(const uint8_t *buf, size_t len, size_t *consumed,
	    json_t **msg, char **cause);

/* Blocking helpers for clients (and tests). */
int	 proto_send(int fd, const json_t *msg, char **cause);
int	 proto_recv(int fd, json_t **msg, char **cause);

json_t	*proto_request(const char *op, json_t *args);	/* steals args */
json_t	*proto_reply_ok(json_t *data);			/* steals data */
/*
 * What an error reply means, for programs. A reply without a known code
 * (an older netd) is PROTO_E_FAILED.
 */
enum proto_code {
	PROTO_OK = 0,
	PROTO_E_FAILED,		/* "failed": anything else */
	PROTO_E_BAD_REQUEST,	/* "bad_request": framing, op, args */
	PROTO_E_UNKNOWN_OP,	/* "unknown_op" */
	PROTO_E_BAD_ARGS,	/* "bad_args": an argument's type or value */
	PROTO_E_NOT_FOUND,	/* "not_found": no such container/network */
	PROTO_E_EXISTS,		/* "exists": the name is taken */
	PROTO_E_CONFLICT,	/* "conflict": address or port taken, in use */
	PROTO_E_EXHAUSTED,	/* "exhausted": the pool is full */
	PROTO_E_LOCAL,		/* no reply: netd not reached (client side) */
};
const char *proto_code_name(enum proto_code);
enum proto_code proto_code_parse(const char *);

/* An error reply with code PROTO_E_FAILED, or with the code given. */
json_t	*proto_reply_error(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
json_t	*proto_reply_errcode(enum proto_code, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));

/*
 * Check a received request: op must be a string, args an object (absent
 * = {}). Returns 0 and borrowed references, or -1 with *cause set.
 */
int	 proto_request_check(json_t *req, const char **op, json_t **args,
	    char **cause);

/*
 * Client side: connect to path, send {op, args}, wait for the reply.
 * Returns 0 and *data (new reference; may be json null) on "ok", -1 with
 * *cause set to netd's error text or to what failed locally.
 */
int	 proto_connect(const char *path, char **cause);
int	 proto_call(int fd, const char *op, json_t *args, json_t **data,
	    char **cause);
/* The same; *code (may be NULL) says what kind of failure it was. */
int	 proto_call_code(int fd, const char *op, json_t *args, json_t **data,
	    enum proto_code *code, char **cause);
/*
 * proto_call_code in two halves, for pipelining: send requests one after
 * another, then take their replies in the same order (netd answers a
 * connection's requests in order). proto_send_request steals args.
 */
int	 proto_send_request(int fd, const char *op, json_t *args,
	    char **cause);
int	 proto_recv_reply(int fd, json_t **data, enum proto_code *code,
	    char **cause);
/* Write n bytes (framed requests, queued), retrying on EINTR: 0 or -1. */
int	 proto_write_all(int fd, const uint8_t *p, size_t n);

#endif
