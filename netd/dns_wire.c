/* SPDX-License-Identifier: ISC */
/*
 * dns_wire.c - the DNS wire format: queries read with every length
 * checked against the message (dns.c's DOC block says how), answers
 * written into a bounded buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_wire.h"

#define DNS_PTR_HOPS	16	/* compression pointers followed per name */
#define DNS_MAX_AR	8	/* additional records read in a query */

/* ---------------------------------------------------------------- reading */

static uint16_t
dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Read the name at *off into name (wire form, uncompressed, root label
 * included) and move *off past it (past the first pointer when it is
 * compressed). -1 on anything out of bounds or malformed.
 */
static int
dns_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *name,
    size_t *namelen)
{
	size_t	 p = *off, n = 0, end = 0, label;
	int	 hops = 0, jumped = 0;
	uint8_t	 c;

	for (;;) {
		if (p >= len)
			return -1;
		c = msg[p];
		if ((c & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++hops > DNS_PTR_HOPS)
				return -1;
			label = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			/* Strictly backwards: no loop can be built. */
			if (label >= p)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = label;
			continue;
		}
		if ((c & 0xc0) != 0)	/* 0x40, 0x80: obsolete types */
			return -1;
		if (p + 1 + c > len || n + 1 + c > DNS_NAME_MAX)
			return -1;
		memcpy(name + n, msg + p, 1 + (size_t)c);
		n += 1 + (size_t)c;
		p += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*off = jumped ? end : p;
	*namelen = n;
	return 0;
}

static void
dns_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t	 i;

	/* Label length bytes are < 64, so they never look like A..Z. */
	for (i = 0; i < len; i++)
		dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i];
}

/* Header and first question; q->end is the offset after it. */
static int
dns_read_question(const uint8_t *msg, size_t len, struct dns_question *q)
{
	size_t	 off = DNS_HDR_LEN;

	if (dns_read_name(msg, len, &off, q->name, &q->namelen) == -1 ||
	    off + 4 > len) {
		q->namelen = 0;
		return -1;
	}
	dns_lower(q->lower, q->name, q->namelen);
	q->qtype = dns_get16(msg + off);
	q->qclass = dns_get16(msg + off + 2);
	q->end = off + 4;
	return 0;
}

/* The additional section of a query: find the OPT record. */
static int
dns_read_additional(const uint8_t *msg, size_t len, struct dns_question *q,
    unsigned count, int *rcode)
{
	uint8_t		 name[DNS_NAME_MAX];
	size_t		 off = q->end, namelen, rdlen;
	uint16_t	 type;
	unsigned	 i;

	if (count > DNS_MAX_AR)
		return -1;
	for (i = 0; i < count; i++) {
		if (dns_read_name(msg, len, &off, name, &namelen) == -1 ||
		    off + 10 > len)
			return -1;
		type = dns_get16(msg + off);
		rdlen = dns_get16(msg + off + 8);
		if (off + 10 + rdlen > len)
			return -1;
		if (type == DNS_T_OPT) {
			/* One OPT, owned by the root (RFC 6891 6.1.1). */
			if (q->edns || namelen != 1)
				return -1;
			q->edns = 1;
			q->edns_size = dns_get16(msg + off + 2);
			q->edns_version = (uint8_t)(dns_get32(msg + off + 4) >>
			    16);
			if (q->edns_version != 0)
				*rcode = DNS_R_BADVERS;
		}
		off += 10 + rdlen;
	}
	return 0;
}

int
dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q,
    int *rcode)
{
	memset(q, 0, sizeof(*q));
	*rcode = -1;
	if (len < DNS_HDR_LEN)
		return -1;
	q->id = dns_get16(msg);
	q->flags = dns_get16(msg + 2);
	if (q->flags & DNS_F_QR)	/* never answer an answer */
		return -1;
	if ((q->flags & DNS_F_OPCODE) != 0) {
		*rcode = DNS_R_NOTIMP;
		return -1;
	}
	*rcode = DNS_R_FORMERR;
	if (dns_get16(msg + 4) != 1 || dns_get16(msg + 6) != 0 ||
	    dns_get16(msg + 8) != 0)
		return -1;
	if (dns_read_question(msg, len, q) == -1)
		return -1;
	if (dns_read_additional(msg, len, q, dns_get16(msg + 10),
	    rcode) == -1) {
		q->edns = 0;
		return -1;
	}
	if (*rcode == DNS_R_BADVERS)
		return -1;
	*rcode = DNS_R_NOERROR;
	return 0;
}

int
dns_parse_reply_question(const uint8_t *msg, size_t len,
    struct dns_question *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN)
		return -1;
	q->id = dns_get16(msg);
	q->flags = dns_get16(msg + 2);
	if (!(q->flags & DNS_F_QR) || dns_get16(msg + 4) != 1)
		return -1;
	return dns_read_question(msg, len, q);
}

/* ---------------------------------------------------------------- writing */


void
dns_put(struct dns_out *o, const void *p, size_t n)
{
	if (o->full || n > o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void
dns_put16(struct dns_out *o, uint16_t v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	dns_put(o, b, 2);
}

void
dns_put32(struct dns_out *o, uint32_t v)
{
	dns_put16(o, (uint16_t)(v >> 16));
	dns_put16(o, (uint16_t)v);
}

void
dns_set16(struct dns_out *o, size_t off, uint16_t v)
{
	if (off + 2 <= o->len) {
		o->buf[off] = (uint8_t)(v >> 8);
		o->buf[off + 1] = (uint8_t)v;
	}
}

/* One label: its length byte and its bytes. */
void
dns_put_label(struct dns_out *o, const char *s)
{
	uint8_t	 n = (uint8_t)strlen(s);

	dns_put(o, &n, 1);
	dns_put(o, s, n);
}

/* Owner, type, class IN, TTL; the caller writes rdlength and rdata. */
void
dns_put_rr(struct dns_out *o, uint16_t ptr, uint16_t type)
{
	dns_put16(o, 0xc000 | ptr);
	dns_put16(o, type);
	dns_put16(o, DNS_C_IN);
	dns_put32(o, DNS_TTL);
}

/* Header and question; counts other than QDCOUNT are set later. */
void
dns_put_head(struct dns_out *o, const struct dns_question *q, int rcode,
    uint16_t more)
{
	dns_put16(o, q->id);
	dns_put16(o, DNS_F_QR | DNS_F_RA | more |
	    (q->flags & (DNS_F_RD | DNS_F_CD)) | (rcode & DNS_F_RCODE));
	dns_put16(o, q->namelen != 0 ? 1 : 0);
	dns_put16(o, 0);
	dns_put16(o, 0);
	dns_put16(o, 0);
	if (q->namelen != 0) {
		dns_put(o, q->name, q->namelen);
		dns_put16(o, q->qtype);
		dns_put16(o, q->qclass);
	}
}

/* The OPT record of an answer to an EDNS query; bumps ARCOUNT. */
void
dns_put_opt(struct dns_out *o, const struct dns_question *q, int rcode)
{
	if (!q->edns)
		return;
	dns_put(o, "", 1);
	dns_put16(o, DNS_T_OPT);
	dns_put16(o, DNS_EDNS_MAX);
	dns_put32(o, (uint32_t)(rcode >> 4) << 24);	/* version 0 */
	dns_put16(o, 0);
	dns_set16(o, 10, dns_get16(o->buf + 10) + 1);
}

size_t
dns_error(const struct dns_question *q, int rcode, uint8_t *out,
    size_t outsz)
{
	struct dns_out	 o = { out, outsz, 0, 0 };

	dns_put_head(&o, q, rcode, 0);
	dns_put_opt(&o, q, rcode);
	return o.full ? 0 : o.len;
}
