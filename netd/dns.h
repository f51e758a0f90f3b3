/* SPDX-License-Identifier: ISC */
/*
 * dns.h - DNS messages and the berth zone: parsing, answers, no sockets.
 *
 * The zone is a table of container records that netd keeps in step with
 * its containers (dns_zone_add on create, dns_zone_del on delete); the
 * server (dnssrv.c) asks dns_answer() what to do with each query.
 */
#ifndef BERTH_DNS_H
#define BERTH_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define DNS_PORT	53
#define DNS_HDR_LEN	12
#define DNS_NAME_MAX	255	/* wire form, root label included */
#define DNS_UDP_MAX	512	/* without EDNS (RFC 1035 4.2.1) */
#define DNS_EDNS_MAX	1232	/* what we offer and honour with EDNS */
#define DNS_MSG_MAX	65535	/* TCP: two-byte length prefix */
#define DNS_TTL		5	/* seconds: names follow containers */
#define DNS_DOMAIN	"berth"

#define DNS_T_A		1
#define DNS_T_NS	2
#define DNS_T_SOA	6
#define DNS_T_PTR	12
#define DNS_T_AAAA	28
#define DNS_T_OPT	41
#define DNS_T_ANY	255
#define DNS_C_IN	1
#define DNS_C_ANY	255

#define DNS_R_NOERROR	0
#define DNS_R_FORMERR	1
#define DNS_R_SERVFAIL	2
#define DNS_R_NXDOMAIN	3
#define DNS_R_NOTIMP	4
#define DNS_R_REFUSED	5
#define DNS_R_BADVERS	16	/* extended: needs an OPT record */

/* Header flags (second 16-bit word). */
#define DNS_F_QR	0x8000
#define DNS_F_OPCODE	0x7800
#define DNS_F_AA	0x0400
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_F_RA	0x0080
#define DNS_F_CD	0x0010
#define DNS_F_RCODE	0x000f

/*
 * One question, as parsed from a message. name is the question name in
 * wire form, uncompressed, in its original case (answers echo it);
 * lower is the same, lowercased, for lookups and matching.
 */
struct dns_question {
	uint16_t	 id;
	uint16_t	 flags;
	uint16_t	 qtype;
	uint16_t	 qclass;
	uint8_t		 name[DNS_NAME_MAX];
	uint8_t		 lower[DNS_NAME_MAX];
	size_t		 namelen;	/* bytes of name, root label included */
	size_t		 end;		/* offset just after the question */
	int		 edns;		/* the query carried an OPT record */
	uint8_t		 edns_version;
	uint16_t	 edns_size;	/* requestor's UDP payload size */
};

/*
 * dns_parse_query - parse and check a query: header, exactly one
 * question, no answer or authority records, at most one OPT among the
 * additional records. 0 when good; otherwise -1 and *rcode says how to
 * answer (DNS_R_FORMERR, DNS_R_NOTIMP, DNS_R_BADVERS) or is -1 when the
 * message must be dropped (too short for a header, or a response).
 */
int	 dns_parse_query(const uint8_t *msg, size_t len,
	    struct dns_question *q, int *rcode);
/*
 * dns_parse_reply_question - the header and first question of a
 * response (from an upstream resolver), to match it to its query.
 */
int	 dns_parse_reply_question(const uint8_t *msg, size_t len,
	    struct dns_question *q);
/*
 * dns_error - a response of header and question (when q->namelen is
 * not 0) with the given rcode, no records but an OPT when q->edns.
 * Returns its length, 0 when out is too small.
 */
size_t	 dns_error(const struct dns_question *q, int rcode, uint8_t *out,
	    size_t outsz);

struct dns_zone;

/*
 * The zone: the gateway (host.berth), and one record per container,
 * with its stack and service when it belongs to one. Names are checked
 * by the caller (name_check): lowercase DNS labels.
 */
struct dns_zone	*dns_zone_new(const struct cidr *pool, uint32_t gateway);
void		 dns_zone_free(struct dns_zone *);
/* Add or replace the record named name. stack, service may be NULL. */
void		 dns_zone_add(struct dns_zone *, const char *name,
		    uint32_t addr, const char *stack, const char *service);
/* Remove the record named name; no-op when there is none. */
void		 dns_zone_del(struct dns_zone *, const char *name);
size_t		 dns_zone_count(const struct dns_zone *);
/*
 * How many hosts lines the zone has rendered: one per add (each line
 * is kept for dns_hosts_edit), none for anybody else's record.
 */
unsigned long	 dns_zone_rendered(const struct dns_zone *);
/* A container's address by name, 0 when there is none. */
uint32_t	 dns_zone_addr(const struct dns_zone *, const char *name);

enum dns_verdict {
	DNS_DROP,	/* send nothing */
	DNS_REPLY,	/* send out[0..*outlen) */
	DNS_FORWARD,	/* not ours: pass the query to an upstream resolver */
};

/*
 * dns_answer - what to do with the query msg that client (the source
 * address, host order) sent. tcp: it came over TCP (the answer may be
 * up to DNS_MSG_MAX); over UDP an answer that does not fit the client's
 * limit (512, or its EDNS size up to DNS_EDNS_MAX) is sent truncated
 * with TC set. out must hold DNS_MSG_MAX bytes for TCP, DNS_EDNS_MAX
 * for UDP.
 */
enum dns_verdict dns_answer(const struct dns_zone *, uint32_t client,
		    const uint8_t *msg, size_t len, int tcp, uint8_t *out,
		    size_t outsz, size_t *outlen);

/*
 * dns_hosts_edit - old (the text of an /etc/hosts file, may be NULL)
 * with the block "# BEGIN berth PREFIX" ... "# END berth PREFIX"
 * replaced by the zone's names (zone NULL: the block removed). The
 * rest of the text is kept as it was. Returns a new string. The names'
 * lines are the zone's kept ones, copied: nothing is rendered here.
 */
char	*dns_hosts_edit(const char *old, const char *prefix,
	    const struct dns_zone *zone);

#endif
