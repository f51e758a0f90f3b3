/* SPDX-License-Identifier: ISC */
/*
 * caprec.c - capture stream records and packet summaries (caprec.h).
 *
 * DOC: summaries
 * The CLI prints one line per packet without -w. The decoding here is
 * what tcpdump -n prints for the common cases (TCP flags, seq/ack,
 * UDP, ICMP echo and unreachable), every field read with its length
 * checked against the captured bytes: a truncated or malformed packet
 * says so instead of being read past its end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "caprec.h"
#include "util.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
caprec_encode(const struct caprec *r, uint8_t out[CAPREC_HDRLEN])
{
	memset(out, 0, CAPREC_HDRLEN);
	out[0] = r->type;
	out[1] = r->drop;
	put32(out + 4, r->caplen);
	put32(out + 8, r->origlen);
	put32(out + 12, r->sec);
	put32(out + 16, r->usec);
	put32(out + 20, r->lost);
}

int
caprec_decode(const uint8_t in[CAPREC_HDRLEN], struct caprec *r,
    char **cause)
{
	memset(r, 0, sizeof(*r));
	r->type = in[0];
	r->drop = in[1];
	r->caplen = get32(in + 4);
	r->origlen = get32(in + 8);
	r->sec = get32(in + 12);
	r->usec = get32(in + 16);
	r->lost = get32(in + 20);
	if (r->type != CAPREC_PACKET && r->type != CAPREC_END)
		return cause_set(cause, "bad capture record type %u", r->type);
	if (in[2] != 0 || in[3] != 0)
		return cause_set(cause, "bad capture record header");
	if (r->caplen > CAPREC_MAX ||
	    (r->type == CAPREC_PACKET && r->caplen > r->origlen) ||
	    (r->type == CAPREC_END && r->caplen != 0))
		return cause_set(cause, "bad capture record length %u",
		    r->caplen);
	if (r->usec >= 1000000)
		return cause_set(cause, "bad capture record time");
	return 0;
}

int
caprec_addrs(const uint8_t *pkt, size_t len, uint32_t *src, uint32_t *dst)
{
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -1;
	*src = get32(pkt + 12);
	*dst = get32(pkt + 16);
	return 0;
}

/* Append to out at *off, never past outlen. */
static void
caprec_put(char *out, size_t outlen, size_t *off, const char *fmt, ...)
    __attribute__((__format__(printf, 4, 5)));

static void
caprec_put(char *out, size_t outlen, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*off >= outlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *off, outlen - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n < outlen - *off ? (size_t)n :
		    outlen - *off - 1;
}

static void
caprec_tcp(const uint8_t *t, size_t tlen, size_t paylen, char *out,
    size_t outlen, size_t *off)
{
	static const struct {
		uint8_t	 bit;
		char	 c;
	} flags[] = { { 0x02, 'S' }, { 0x01, 'F' }, { 0x04, 'R' },
	    { 0x08, 'P' }, { 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' },
	    { 0x10, '.' } };
	char	 f[16];
	size_t	 i, n = 0, doff;

	doff = (size_t)(t[12] >> 4) * 4;
	for (i = 0; i < nitems(flags); i++)
		if (t[13] & flags[i].bit)
			f[n++] = flags[i].c;
	if (n == 0)
		f[n++] = '-';
	f[n] = '\0';
	caprec_put(out, outlen, off, ": Flags [%s]", f);
	if (tlen < 20 || doff < 20 || doff > paylen) {
		caprec_put(out, outlen, off, ", bad header length %zu", doff);
		return;
	}
	caprec_put(out, outlen, off, ", seq %u", get32(t + 4));
	if (t[13] & 0x10)
		caprec_put(out, outlen, off, ", ack %u", get32(t + 8));
	caprec_put(out, outlen, off, ", win %u, length %zu", get16(t + 14),
	    paylen - doff);
}

void
caprec_describe(const uint8_t *pkt, size_t caplen, size_t origlen,
    char *out, size_t outlen)
{
	char		 s[ADDR_STRLEN], d[ADDR_STRLEN];
	const uint8_t	*l4;
	size_t		 off = 0, hlen, tot, l4cap, paylen;
	uint16_t	 frag;
	uint8_t		 proto;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (caplen < 20 || (pkt[0] >> 4) != 4) {
		caprec_put(out, outlen, &off, "not IPv4, length %zu",
		    origlen);
		return;
	}
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	tot = get16(pkt + 2);
	frag = get16(pkt + 6);
	proto = pkt[9];
	addr_fmt(get32(pkt + 12), s);
	addr_fmt(get32(pkt + 16), d);
	if (hlen < 20 || hlen > caplen || tot < hlen) {
		caprec_put(out, outlen, &off, "IP %s > %s: bad header, "
		    "length %zu", s, d, origlen);
		return;
	}
	l4 = pkt + hlen;
	l4cap = (tot < caplen ? tot : caplen) - hlen;
	paylen = tot - hlen;
	if ((frag & 0x1fff) != 0) {
		caprec_put(out, outlen, &off, "IP %s > %s: ip-proto-%u "
		    "fragment, length %zu", s, d, proto, paylen);
		return;
	}
	switch (proto) {
	case 6:
		if (l4cap < 14)
			break;
		caprec_put(out, outlen, &off, "IP %s.%u > %s.%u", s,
		    get16(l4), d, get16(l4 + 2));
		caprec_tcp(l4, l4cap, paylen, out, outlen, &off);
		return;
	case 17:
		if (l4cap < 8)
			break;
		caprec_put(out, outlen, &off, "IP %s.%u > %s.%u: UDP, "
		    "length %zu", s, get16(l4), d, get16(l4 + 2),
		    paylen >= 8 ? paylen - 8 : 0);
		return;
	case 1:
		if (l4cap < 4)
			break;
		caprec_put(out, outlen, &off, "IP %s > %s: ICMP ", s, d);
		if (l4[0] == 8 || l4[0] == 0)
			caprec_put(out, outlen, &off, "echo %s",
			    l4[0] == 8 ? "request" : "reply");
		else if (l4[0] == 3)
			caprec_put(out, outlen, &off, "unreachable code %u",
			    l4[1]);
		else
			caprec_put(out, outlen, &off, "type %u code %u",
			    l4[0], l4[1]);
		caprec_put(out, outlen, &off, ", length %zu", paylen);
		return;
	default:
		caprec_put(out, outlen, &off, "IP %s > %s: ip-proto-%u, "
		    "length %zu", s, d, proto, paylen);
		return;
	}
	caprec_put(out, outlen, &off, "IP %s > %s: ip-proto-%u, truncated, "
	    "length %zu", s, d, proto, paylen);
}
