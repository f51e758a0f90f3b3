/* SPDX-License-Identifier: ISC */
/*
 * pcapng.c - section, interface and enhanced packet blocks (pcapng.h).
 */
#include <string.h>

#include "pcapng.h"

#define PAD4(n)	(((n) + 3) & ~(size_t)3)

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

size_t
pcapng_shb(uint8_t *out)
{
	memset(out, 0, PCAPNG_SHB_LEN);
	put32(out, 0x0a0d0d0a);
	put32(out + 4, PCAPNG_SHB_LEN);
	put32(out + 8, 0x1a2b3c4d);
	put16(out + 12, 1);			/* version 1.0 */
	put16(out + 14, 0);
	memset(out + 16, 0xff, 8);		/* section length unknown */
	put32(out + 24, PCAPNG_SHB_LEN);
	return PCAPNG_SHB_LEN;
}

size_t
pcapng_idb(uint8_t *out, uint16_t linktype, uint32_t snaplen)
{
	memset(out, 0, PCAPNG_IDB_LEN);
	put32(out, 1);
	put32(out + 4, PCAPNG_IDB_LEN);
	put16(out + 8, linktype);
	put32(out + 12, snaplen);
	put32(out + 16, PCAPNG_IDB_LEN);
	return PCAPNG_IDB_LEN;
}

static size_t
pcapng_comment_len(const char *comment)
{
	size_t	 n;

	if (comment == NULL)
		return 0;
	n = strlen(comment);
	return n > PCAPNG_COMMENT_MAX ? PCAPNG_COMMENT_MAX : n;
}

size_t
pcapng_epb_len(size_t caplen, const char *comment)
{
	size_t	 clen = pcapng_comment_len(comment);

	/* type, len, ifid, ts (2), caplen, origlen, data, opts, len */
	return 28 + PAD4(caplen) + (clen > 0 ? 4 + PAD4(clen) + 4 : 0) + 4;
}

size_t
pcapng_epb(uint8_t *out, uint32_t sec, uint32_t usec, const uint8_t *pkt,
    uint32_t caplen, uint32_t origlen, const char *comment)
{
	size_t		 len = pcapng_epb_len(caplen, comment);
	size_t		 clen = pcapng_comment_len(comment), off;
	uint64_t	 ts = (uint64_t)sec * 1000000 + usec;

	memset(out, 0, len);
	put32(out, 6);
	put32(out + 4, (uint32_t)len);
	put32(out + 8, 0);
	put32(out + 12, (uint32_t)(ts >> 32));
	put32(out + 16, (uint32_t)ts);
	put32(out + 20, caplen);
	put32(out + 24, origlen);
	memcpy(out + 28, pkt, caplen);
	off = 28 + PAD4(caplen);
	if (clen > 0) {
		put16(out + off, 1);		/* opt_comment */
		put16(out + off + 2, (uint16_t)clen);
		memcpy(out + off + 4, comment, clen);
		off += 4 + PAD4(clen);
		off += 4;			/* opt_endofopt: zeros */
	}
	put32(out + off, (uint32_t)len);
	return len;
}

size_t
pcapng_classic_hdr(uint8_t *out, uint32_t linktype, uint32_t snaplen)
{
	memset(out, 0, PCAPNG_CLASSIC_HDR_LEN);
	put32(out, 0xa1b2c3d4);
	put16(out + 4, 2);			/* version 2.4 */
	put16(out + 6, 4);
	/* thiszone and sigfigs: 0 */
	put32(out + 16, snaplen);
	put32(out + 20, linktype);
	return PCAPNG_CLASSIC_HDR_LEN;
}

size_t
pcapng_classic_rec(uint8_t *out, uint32_t sec, uint32_t usec,
    uint32_t caplen, uint32_t origlen)
{
	put32(out, sec);
	put32(out + 4, usec);
	put32(out + 8, caplen);
	put32(out + 12, origlen);
	return PCAPNG_CLASSIC_REC_LEN;
}
