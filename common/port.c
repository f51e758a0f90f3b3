/* SPDX-License-Identifier: ISC */
/*
 * port.c - parsing of published port specifications.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "name.h"
#include "port.h"
#include "util.h"

static int
port_parse_range(const char *s, const char *what, const char *spec,
    uint16_t *lo, uint16_t *hi, char **cause)
{
	char		 buf[16], *dash;
	unsigned long	 a, b;

	if (strlen(s) >= sizeof(buf))
		return cause_set(cause, "bad port spec \"%s\": bad %s \"%s\"",
		    spec, what, s);
	memcpy(buf, s, strlen(s) + 1);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash = '\0';
	if (util_parse_uint(buf, 65535, &a) == -1 || a == 0)
		return cause_set(cause, "bad port spec \"%s\": %s \"%s\" is "
		    "not a port in 1..65535", spec, what, buf);
	b = a;
	if (dash != NULL &&
	    (util_parse_uint(dash + 1, 65535, &b) == -1 || b == 0))
		return cause_set(cause, "bad port spec \"%s\": %s \"%s\" is "
		    "not a port in 1..65535", spec, what, dash + 1);
	if (b < a)
		return cause_set(cause, "bad port spec \"%s\": %s range "
		    "%lu-%lu is reversed", spec, what, a, b);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
portspec_parse(const char *s, struct portspec *out, char **cause)
{
	char		 buf[PORTSPEC_STRLEN], q[44], *parts[3], *opt, *proto;
	char		*p;
	struct portspec	 ps;
	int		 n = 0;

	memset(&ps, 0, sizeof(ps));
	ps.proto = PORT_TCP;
	if (s == NULL || *s == '\0')
		return cause_set(cause, "empty port spec");
	if (strlen(s) >= sizeof(buf))
		return cause_set(cause, "bad port spec \"%s\": too long",
		    name_quote(s, q, 44));
	for (p = (char *)s; *p != '\0'; p++) {
		if (*p < 0x21 || *p > 0x7e)
			return cause_set(cause, "bad port spec: contains "
			    "a space or control character");
	}
	memcpy(buf, s, strlen(s) + 1);

	if ((opt = strchr(buf, ',')) != NULL) {
		*opt++ = '\0';
		if (strcmp(opt, "proxy") == 0)
			ps.flags |= PORTSPEC_PROXY;
		else
			return cause_set(cause, "bad port spec \"%s\": unknown "
			    "option \"%s\" (expected \"proxy\")", s, opt);
	}
	if ((proto = strchr(buf, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") == 0)
			ps.proto = PORT_TCP;
		else if (strcmp(proto, "udp") == 0)
			ps.proto = PORT_UDP;
		else
			return cause_set(cause, "bad port spec \"%s\": protocol "
			    "must be tcp or udp", s);
	}
	for (p = buf; n < 3; n++) {
		parts[n] = p;
		if ((p = strchr(p, ':')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL || n < 2)
		return cause_set(cause, "bad port spec \"%s\": expected "
		    "[hostip:]hostport:containerport[/tcp|udp]", s);
	if (n == 3 && addr_parse(parts[0], &ps.host_addr) == -1)
		return cause_set(cause, "bad port spec \"%s\": bad host "
		    "address \"%s\"", s, parts[0]);
	if (port_parse_range(parts[n - 2], "host port", s, &ps.host_lo,
	    &ps.host_hi, cause) == -1)
		return -1;
	if (port_parse_range(parts[n - 1], "container port", s, &ps.ctr_lo,
	    &ps.ctr_hi, cause) == -1)
		return -1;
	if (ps.host_hi - ps.host_lo != ps.ctr_hi - ps.ctr_lo)
		return cause_set(cause, "bad port spec \"%s\": host and "
		    "container ranges differ in length", s);
	*out = ps;
	return 0;
}

static void
range_fmt(char *buf, size_t len, uint16_t lo, uint16_t hi)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
}

const char *
portspec_fmt(const struct portspec *p, char buf[PORTSPEC_STRLEN])
{
	char	 a[ADDR_STRLEN], h[12], c[12];

	range_fmt(h, sizeof(h), p->host_lo, p->host_hi);
	range_fmt(c, sizeof(c), p->ctr_lo, p->ctr_hi);
	snprintf(buf, PORTSPEC_STRLEN, "%s%s%s:%s/%s%s",
	    p->host_addr != 0 ? addr_fmt(p->host_addr, a) : "",
	    p->host_addr != 0 ? ":" : "", h, c, port_proto_name(p->proto),
	    (p->flags & PORTSPEC_PROXY) ? ",proxy" : "");
	return buf;
}

const char *
port_proto_name(uint8_t proto)
{
	return proto == PORT_UDP ? "udp" : "tcp";
}

bool
portspec_conflict(const struct portspec *a, const struct portspec *b)
{
	if (a->proto != b->proto)
		return false;
	if (a->host_addr != 0 && b->host_addr != 0 &&
	    a->host_addr != b->host_addr)
		return false;
	return a->host_lo <= b->host_hi && b->host_lo <= a->host_hi;
}
