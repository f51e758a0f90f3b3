/* SPDX-License-Identifier: ISC */
/*
 * proto.c - framing of the control protocol (see proto.h).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"
#include "xmalloc.h"

static void
proto_put_hdr(uint8_t *p, uint32_t len)
{
	uint32_t	 l = htonl(len);
	uint16_t	 v = htons(PROTO_VERSION), f = 0;

	memcpy(p, &l, 4);
	memcpy(p + 4, &v, 2);
	memcpy(p + 6, &f, 2);
}

uint8_t *
proto_encode(const json_t *msg, size_t *lenp, char **cause)
{
	char	*s;
	size_t	 n;
	uint8_t	*buf;

	if ((s = json_dumps(msg, JSON_COMPACT)) == NULL) {
		cause_set(cause, "cannot encode message");
		return NULL;
	}
	n = strlen(s);
	if (n > PROTO_MAX_PAYLOAD) {
		free(s);
		cause_set(cause, "message too large (%zu bytes, at most %d)",
		    n, PROTO_MAX_PAYLOAD);
		return NULL;
	}
	buf = xmalloc(PROTO_HDRLEN + n);
	proto_put_hdr(buf, (uint32_t)n);
	memcpy(buf + PROTO_HDRLEN, s, n);
	free(s);
	*lenp = PROTO_HDRLEN + n;
	return buf;
}

int
proto_parse(const uint8_t *buf, size_t len, size_t *consumed, json_t **msg,
    char **cause)
{
	uint32_t	 plen;
	uint16_t	 version, flags;
	json_t		*j;
	json_error_t	 jerr;

	*msg = NULL;
	if (len < PROTO_HDRLEN)
		return PROTO_NEED_MORE;
	memcpy(&plen, buf, 4);
	memcpy(&version, buf + 4, 2);
	memcpy(&flags, buf + 6, 2);
	plen = ntohl(plen);
	version = ntohs(version);
	flags = ntohs(flags);
	if (version != PROTO_VERSION) {
		cause_set(cause, "protocol version %u not supported (this is "
		    "version %d)", version, PROTO_VERSION);
		return PROTO_ERROR;
	}
	if (flags != 0) {
		cause_set(cause, "bad frame: unknown flags 0x%x", flags);
		return PROTO_ERROR;
	}
	if (plen < 2 || plen > PROTO_MAX_PAYLOAD) {
		cause_set(cause, "bad frame: length %u not in 2..%d", plen,
		    PROTO_MAX_PAYLOAD);
		return PROTO_ERROR;
	}
	if (len - PROTO_HDRLEN < plen)
		return PROTO_NEED_MORE;
	j = json_loadb((const char *)buf + PROTO_HDRLEN, plen,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		cause_set(cause, "bad message: not JSON: %s", jerr.text);
		return PROTO_ERROR;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		cause_set(cause, "bad message: not a JSON object");
		return PROTO_ERROR;
	}
	*consumed = PROTO_HDRLEN + plen;
	*msg = j;
	return PROTO_MESSAGE;
}

int
proto_write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
proto_send(int fd, const json_t *msg, char **cause)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	if ((buf = proto_encode(msg, &len, cause)) == NULL)
		return -1;
	rc = proto_write_all(fd, buf, len);
	free(buf);
	if (rc == -1)
		return cause_set(cause, "cannot send to netd: %s",
		    strerror(errno));
	return 0;
}

static int
proto_read_all(int fd, uint8_t *p, size_t n, char **cause)
{
	ssize_t	 r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return cause_set(cause, "cannot read from netd: %s",
			    strerror(errno));
		if (r == 0)
			return cause_set(cause, "netd closed the connection");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
proto_recv(int fd, json_t **msg, char **cause)
{
	uint8_t		 hdr[PROTO_HDRLEN], *buf;
	uint32_t	 plen;
	size_t		 used;
	int		 rc;

	if (proto_read_all(fd, hdr, sizeof(hdr), cause) == -1)
		return -1;
	memcpy(&plen, hdr, 4);
	plen = ntohl(plen);
	if (plen > PROTO_MAX_PAYLOAD)
		return cause_set(cause, "bad frame from netd: length %u",
		    plen);
	buf = xmalloc(PROTO_HDRLEN + plen);
	memcpy(buf, hdr, sizeof(hdr));
	if (proto_read_all(fd, buf + PROTO_HDRLEN, plen, cause) == -1) {
		free(buf);
		return -1;
	}
	rc = proto_parse(buf, PROTO_HDRLEN + plen, &used, msg, cause);
	free(buf);
	return rc == PROTO_MESSAGE ? 0 : -1;
}

json_t *
proto_request(const char *op, json_t *args)
{
	if (args == NULL)
		args = json_object();
	return json_pack("{s:s, s:o}", "op", op, "args", args);
}

json_t *
proto_reply_ok(json_t *data)
{
	if (data == NULL)
		data = json_null();
	return json_pack("{s:b, s:o}", "ok", 1, "data", data);
}

static const char *const proto_code_names[] = {
	"ok", "failed", "bad_request", "unknown_op", "bad_args", "not_found",
	"exists", "conflict", "exhausted", "local",
};

const char *
proto_code_name(enum proto_code code)
{
	if ((size_t)code >= nitems(proto_code_names))
		code = PROTO_E_FAILED;
	return proto_code_names[code];
}

enum proto_code
proto_code_parse(const char *s)
{
	size_t	 i;

	for (i = 1; s != NULL && i < nitems(proto_code_names); i++)
		if (strcmp(s, proto_code_names[i]) == 0)
			return (enum proto_code)i;
	return PROTO_E_FAILED;
}

static json_t *
proto_reply_verror(enum proto_code code, const char *fmt, va_list ap)
{
	char	*s;
	json_t	*j;

	xvasprintf(&s, fmt, ap);
	if (code == PROTO_OK)
		code = PROTO_E_FAILED;
	j = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", s, "code",
	    proto_code_name(code));
	free(s);
	return j;
}

json_t *
proto_reply_error(const char *fmt, ...)
{
	va_list	 ap;
	json_t	*j;

	va_start(ap, fmt);
	j = proto_reply_verror(PROTO_E_FAILED, fmt, ap);
	va_end(ap);
	return j;
}

json_t *
proto_reply_errcode(enum proto_code code, const char *fmt, ...)
{
	va_list	 ap;
	json_t	*j;

	va_start(ap, fmt);
	j = proto_reply_verror(code, fmt, ap);
	va_end(ap);
	return j;
}

int
proto_request_check(json_t *req, const char **op, json_t **args,
    char **cause)
{
	json_t	*o, *a;

	o = json_object_get(req, "op");
	if (!json_is_string(o))
		return cause_set(cause, "bad request: \"op\" must be a string");
	a = json_object_get(req, "args");
	if (a != NULL && !json_is_object(a))
		return cause_set(cause, "bad request: \"args\" must be an "
		    "object");
	*op = json_string_value(o);
	*args = a;
	return 0;
}

int
proto_connect(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return cause_set(cause, "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* No SOCK_CLOEXEC on macOS: set it after the fact, as elsewhere. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return cause_set(cause, "socket: %s", strerror(errno));
	if (util_set_cloexec(fd) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		cause_set(cause, "cannot connect to netd at %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A long list comes in pages: {"ok": true, "data": [...], "more": true}
 * until one without "more". Join their data into rep's.
 */
static int
proto_pages(int fd, json_t *rep, char **cause)
{
	json_t	*next, *all = json_object_get(rep, "data");
	int	 more = json_is_true(json_object_get(rep, "more"));

	while (more) {
		if (proto_recv(fd, &next, cause) == -1)
			return -1;
		if (!json_is_true(json_object_get(next, "ok")) ||
		    !json_is_array(all) ||
		    !json_is_array(json_object_get(next, "data"))) {
			json_decref(next);
			return cause_set(cause, "bad page of a reply from "
			    "netd");
		}
		json_array_extend(all, json_object_get(next, "data"));
		more = json_is_true(json_object_get(next, "more"));
		json_decref(next);
	}
	json_object_del(rep, "more");
	return 0;
}

int
proto_call(int fd, const char *op, json_t *args, json_t **data,
    char **cause)
{
	return proto_call_code(fd, op, args, data, NULL, cause);
}

int
proto_send_request(int fd, const char *op, json_t *args, char **cause)
{
	json_t	*req;
	int	 rc;

	req = proto_request(op, args);
	rc = proto_send(fd, req, cause);
	json_decref(req);
	return rc;
}

int
proto_recv_reply(int fd, json_t **data, enum proto_code *code, char **cause)
{
	json_t		*rep = NULL, *ok, *d, *e;
	int		 rc = -1;
	enum proto_code	 dummy;

	if (code == NULL)
		code = &dummy;
	*code = PROTO_E_LOCAL;
	*data = NULL;
	if (proto_recv(fd, &rep, cause) == -1)
		goto out;
	if (proto_pages(fd, rep, cause) == -1)
		goto out;
	ok = json_object_get(rep, "ok");
	if (!json_is_boolean(ok)) {
		cause_set(cause, "bad reply from netd");
		goto out;
	}
	if (!json_is_true(ok)) {
		*code = proto_code_parse(json_string_value(json_object_get(rep,
		    "code")));
		e = json_object_get(rep, "error");
		cause_set(cause, "%s", json_is_string(e) ?
		    json_string_value(e) : "netd failed without a reason");
		goto out;
	}
	d = json_object_get(rep, "data");
	*data = d != NULL ? json_incref(d) : json_null();
	*code = PROTO_OK;
	rc = 0;
out:
	json_decref(rep);
	return rc;
}

int
proto_call_code(int fd, const char *op, json_t *args, json_t **data,
    enum proto_code *code, char **cause)
{
	if (code != NULL)
		*code = PROTO_E_LOCAL;
	*data = NULL;
	if (proto_send_request(fd, op, args, cause) == -1)
		return -1;
	return proto_recv_reply(fd, data, code, cause);
}
