/* SPDX-License-Identifier: ISC */
/*
 * dns_wire.h - the DNS wire format for dns.c: writing answers
 * (dns_wire.c also reads queries; dns.h has the public part).
 */
#ifndef BERTH_DNS_WIRE_H
#define BERTH_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

struct dns_out {
	uint8_t		*buf;
	size_t		 size;
	size_t		 len;
	int		 full;
};

void	dns_put(struct dns_out *o, const void *p, size_t n);
void	dns_put16(struct dns_out *o, uint16_t v);
void	dns_put32(struct dns_out *o, uint32_t v);
void	dns_put_head(struct dns_out *o, const struct dns_question *q,
	    int rcode, uint16_t more);
void	dns_put_label(struct dns_out *o, const char *s);
void	dns_put_opt(struct dns_out *o, const struct dns_question *q, int rcode);
void	dns_put_rr(struct dns_out *o, uint16_t ptr, uint16_t type);
void	dns_set16(struct dns_out *o, size_t off, uint16_t v);

#endif
