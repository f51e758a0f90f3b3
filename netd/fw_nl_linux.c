/* SPDX-License-Identifier: ISC */
/*
 * fw_nl_linux.c - container changes as nf_tables batches on netd's own
 * netlink socket.
 *
 * DOC: Theory of Operation
 * A container change is a handful of set elements (pfrules/nft.c: its
 * address in ctrs, nonat, direct, peers; its published ports in pub_any
 * and pub_addr, one element per port of a range). Going through `nft -i`
 * costs nft's parser, a dump of its cache (which grows with the sets)
 * and its one-byte reads; here the same elements are encoded directly:
 *
 *	BATCH_BEGIN (res_id NFNL_SUBSYS_NFTABLES)
 *	NEWSETELEM / DELSETELEM, one per set or map (a range: per
 *	    FW_NL_CHUNK elements), NLM_F_ACK; NEWSETELEM with NLM_F_CREATE
 *	    and no NLM_F_EXCL, as `add element` (an element already there
 *	    with the same value is no error)
 *	BATCH_END
 *
 * Each element: its key (NFTA_DATA_VALUE; a concatenation puts each
 * field in 4 bytes: an address, the protocol's byte then 3 zeros, the
 * port big-endian then 2 zeros), for a map its value (address . port,
 * the same way), and when added the comment as nft stores it, userdata
 * { type 0 (NFTNL_UDATA_SET_ELEM_COMMENT), length, the name and its NUL },
 * so `nft list` shows the same comment. The kernel gives a set's
 * expressions (`counter` of direct, peers) to every element added
 * without its own.
 *
 * The batch is one transaction: the kernel processes it inside
 * sendmsg() and queues an ack per message (0, or the error) before it
 * returns; any error aborts all of it. The acks are read without
 * waiting; every message must have one.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>		/* before linux/: glibc's in.h first */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_nl.h"
#include "util.h"
#include "xmalloc.h"

#define FW_NL_CHUNK	256		/* elements per message */
#define FW_NL_MAX	(128 * 1024)	/* bytes per batch: under the
					   socket's default send buffer */
#define FW_NL_COMMENT	0		/* NFTNL_UDATA_SET_ELEM_COMMENT */

struct fw_nl {
	int		 fd;
	uint32_t	 seq;
};

struct fw_nl *
fw_nl_open(char **cause)
{
	struct fw_nl		*nl;
	struct sockaddr_nl	 sa;
	int			 fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd == -1) {
		cause_set(cause, "netlink socket: %s", strerror(errno));
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		cause_set(cause, "netlink bind: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	/* An error's ack carries the failed message's header only. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl = xcalloc(1, sizeof(*nl));
	nl->fd = fd;
	nl->seq = 1;
	return nl;
}

void
fw_nl_close(struct fw_nl *nl)
{
	if (nl == NULL)
		return;
	close(nl->fd);
	free(nl);
}

/* ------------------------------------------------------------ encoding */

struct fw_nl_buf {
	char	*p;
	size_t	 len, cap;
};

/* Room for n more bytes (and their padding), zeroed; their offset. */
static size_t
fw_nl_grow(struct fw_nl_buf *b, size_t n)
{
	size_t	 off = b->len, need = NLMSG_ALIGN(n);

	if (b->len + need > b->cap) {
		b->cap = b->cap * 2 > b->len + need ? b->cap * 2 :
		    b->len + need + 1024;
		b->p = xreallocarray(b->p, 1, b->cap);
	}
	memset(b->p + off, 0, need);
	b->len += need;
	return off;
}

static size_t
fw_nl_msg(struct fw_nl_buf *b, uint16_t type, uint16_t flags,
    uint8_t family, uint16_t res_id)
{
	size_t		 off = fw_nl_grow(b, NLMSG_HDRLEN +
			    sizeof(struct nfgenmsg));
	struct nlmsghdr	*h = (struct nlmsghdr *)(b->p + off);
	struct nfgenmsg	*g = (struct nfgenmsg *)(b->p + off + NLMSG_HDRLEN);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return off;
}

static void
fw_nl_msg_end(struct fw_nl_buf *b, size_t off)
{
	((struct nlmsghdr *)(b->p + off))->nlmsg_len = (uint32_t)(b->len -
	    off);
}

static void
fw_nl_attr(struct fw_nl_buf *b, uint16_t type, const void *data, size_t len)
{
	size_t		 off = fw_nl_grow(b, NLA_HDRLEN + len);
	struct nlattr	*a = (struct nlattr *)(b->p + off);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(b->p + off + NLA_HDRLEN, data, len);
}

static size_t
fw_nl_nest(struct fw_nl_buf *b, uint16_t type)
{
	size_t	 off = fw_nl_grow(b, NLA_HDRLEN);

	((struct nlattr *)(b->p + off))->nla_type = NLA_F_NESTED | type;
	return off;
}

static void
fw_nl_nest_end(struct fw_nl_buf *b, size_t off)
{
	((struct nlattr *)(b->p + off))->nla_len = (uint16_t)(b->len - off);
}

/* A value in a nested NFTA_DATA_VALUE (a key, a map's data). */
static void
fw_nl_data(struct fw_nl_buf *b, uint16_t type, const void *v, size_t len)
{
	size_t	 n = fw_nl_nest(b, type);

	fw_nl_attr(b, NFTA_DATA_VALUE, v, len);
	fw_nl_nest_end(b, n);
}

/* One element: key, for a map its value, the comment when added. */
struct fw_nl_elem {
	uint8_t		 key[12];
	size_t		 keylen;
	uint8_t		 val[8];
	size_t		 vallen;	/* 0: a set */
	const char	*comment;	/* NULL: a delete */
};

static void
fw_nl_elem(struct fw_nl_buf *b, const struct fw_nl_elem *e)
{
	uint8_t	 ud[2 + PFR_NAME_MAX + 1];
	size_t	 n = fw_nl_nest(b, NFTA_LIST_ELEM), len;

	fw_nl_data(b, NFTA_SET_ELEM_KEY, e->key, e->keylen);
	if (e->comment != NULL) {
		if (e->vallen > 0)
			fw_nl_data(b, NFTA_SET_ELEM_DATA, e->val, e->vallen);
		len = strlen(e->comment) + 1;	/* checked: <= 64 */
		ud[0] = FW_NL_COMMENT;
		ud[1] = (uint8_t)len;
		memcpy(ud + 2, e->comment, len);
		fw_nl_attr(b, NFTA_SET_ELEM_USERDATA, ud, 2 + len);
	}
	fw_nl_nest_end(b, n);
}

/* The head of a NEWSETELEM / DELSETELEM for table.set; its offset. */
static size_t
fw_nl_setelem(struct fw_nl_buf *b, const char *table, const char *set,
    int add, size_t *elems)
{
	size_t	 m;

	m = fw_nl_msg(b, (NFNL_SUBSYS_NFTABLES << 8) | (add ?
	    NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM), NLM_F_ACK |
	    (add ? NLM_F_CREATE : 0), NFPROTO_INET, 0);
	fw_nl_attr(b, NFTA_SET_ELEM_LIST_TABLE, table, strlen(table) + 1);
	fw_nl_attr(b, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
	*elems = fw_nl_nest(b, NFTA_SET_ELEM_LIST_ELEMENTS);
	return m;
}

/* A concatenation's field: 4 bytes, value first, big-endian. */
static void
fw_nl_field(uint8_t *p, uint32_t v, size_t width)
{
	memset(p, 0, 4);
	if (width == 4) {
		v = htonl(v);
		memcpy(p, &v, 4);
	} else if (width == 2) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	} else
		p[0] = (uint8_t)v;
}

/* The container's address in each of its sets (pfr_nft_container). */
static void
fw_nl_container(struct fw_nl_buf *b, const char *table,
    const struct pfr_container *c, int add)
{
	static const char *const sets[] = { "ctrs", "nonat", "direct",
	    "peers" };
	const int		 in[] = { 1, c->nonat, c->direct, c->peers };
	struct fw_nl_elem	 e;
	size_t			 i, m, l;

	memset(&e, 0, sizeof(e));
	fw_nl_field(e.key, c->addr, 4);
	e.keylen = 4;
	e.comment = add ? c->name : NULL;
	for (i = 0; i < nitems(sets); i++) {
		if (!in[i])
			continue;
		m = fw_nl_setelem(b, table, sets[i], add, &l);
		fw_nl_elem(b, &e);
		fw_nl_nest_end(b, l);
		fw_nl_msg_end(b, m);
	}
}

/* A published port's elements, one per port (pfr_nft_port). */
static void
fw_nl_port(struct fw_nl_buf *b, const char *table, const struct pfr_port *p,
    int add)
{
	const char		*map = p->host_addr != 0 ? "pub_addr" :
				    "pub_any";
	struct fw_nl_elem	 e;
	unsigned int		 i, n = (unsigned int)(p->host_hi - p->host_lo);
	size_t			 m = 0, l = 0, k;

	for (i = 0; i <= n; i++) {
		memset(&e, 0, sizeof(e));
		k = 0;
		if (p->host_addr != 0) {
			fw_nl_field(e.key, p->host_addr, 4);
			k = 4;
		}
		fw_nl_field(e.key + k, p->proto, 1);
		fw_nl_field(e.key + k + 4, p->host_lo + i, 2);
		e.keylen = k + 8;
		fw_nl_field(e.val, p->ctr_addr, 4);
		fw_nl_field(e.val + 4, p->ctr_lo + i, 2);
		e.vallen = 8;
		e.comment = add ? p->ctr_name : NULL;
		if (i % FW_NL_CHUNK == 0) {
			if (i > 0) {
				fw_nl_nest_end(b, l);
				fw_nl_msg_end(b, m);
			}
			m = fw_nl_setelem(b, table, map, add, &l);
		}
		fw_nl_elem(b, &e);
	}
	fw_nl_nest_end(b, l);
	fw_nl_msg_end(b, m);
}

int
fw_nl_encode(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **batch,
    size_t *len, char **cause)
{
	struct fw_nl_buf	 b = { NULL, 0, 0 };
	size_t			 m, i, n = 0;

	*batch = NULL;
	*len = 0;
	if (pfr_check_change(rs, c, ports, nports, cause) == -1) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nports; i++)
		n += (size_t)(ports[i].host_hi - ports[i].host_lo) + 1;
	/* ~112 bytes an element: keep the batch under FW_NL_MAX */
	if (n > FW_NL_MAX / 128) {
		errno = E2BIG;
		return cause_set(cause, "%zu port elements: more than one "
		    "netlink batch takes", n);
	}
	m = fw_nl_msg(&b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC,
	    NFNL_SUBSYS_NFTABLES);
	fw_nl_msg_end(&b, m);
	/* the text path's order: the address first in, last out */
	if (add)
		fw_nl_container(&b, rs->name, c, 1);
	for (i = 0; i < nports; i++)
		fw_nl_port(&b, rs->name, &ports[i], add);
	if (!add)
		fw_nl_container(&b, rs->name, c, 0);
	m = fw_nl_msg(&b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC,
	    NFNL_SUBSYS_NFTABLES);
	fw_nl_msg_end(&b, m);
	*batch = b.p;
	*len = b.len;
	return 0;
}

/* ------------------------------------------------------------- sending */

/* NLMSG_OK with the remainder kept signed (NLMSG_NEXT may take it below
 * 0) and compared without mixing signs. */
static int
fw_nl_ok(const struct nlmsghdr *h, int rem)
{
	return rem >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	    h->nlmsg_len <= (unsigned int)rem;
}

/* "add to ctrs", for the message numbered seq in the batch. */
static void
fw_nl_what(char *batch, size_t len, uint32_t seq, char *out, size_t outlen)
{
	struct nlmsghdr	*h;
	struct nlattr	*a;
	size_t		 off, aoff;
	int		 rem = (int)len;

	snprintf(out, outlen, "the batch");
	for (h = (struct nlmsghdr *)batch; fw_nl_ok(h, rem);
	    h = NLMSG_NEXT(h, rem)) {
		if (h->nlmsg_seq != seq)
			continue;
		if ((h->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM &&
		    (h->nlmsg_type & 0xff) != NFT_MSG_DELSETELEM)
			return;
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
		for (aoff = off; aoff + NLA_HDRLEN <= h->nlmsg_len;
		    aoff += NLA_ALIGN(a->nla_len)) {
			a = (struct nlattr *)((char *)h + aoff);
			if (a->nla_len < NLA_HDRLEN)
				return;
			if ((a->nla_type & NLA_TYPE_MASK) !=
			    NFTA_SET_ELEM_LIST_SET)
				continue;
			snprintf(out, outlen, "%s %.*s",
			    (h->nlmsg_type & 0xff) == NFT_MSG_NEWSETELEM ?
			    "add to" : "delete from",
			    (int)(a->nla_len - NLA_HDRLEN - 1),
			    (char *)a + NLA_HDRLEN);
			return;
		}
		return;
	}
}

int
fw_nl_send(struct fw_nl *nl, char *batch, size_t len, char **cause)
{
	struct sockaddr_nl	 sa;
	struct nlmsghdr		*h;
	struct nlmsgerr		*e;
	char			 buf[8192], what[64];
	uint32_t		 first = nl->seq, bad = 0;
	unsigned		 want = 0, acks = 0;
	ssize_t			 n;
	int			 rem = (int)len, err = 0;

	/* Number the messages; those with NLM_F_ACK each get an answer. */
	for (h = (struct nlmsghdr *)batch; fw_nl_ok(h, rem);
	    h = NLMSG_NEXT(h, rem)) {
		h->nlmsg_seq = nl->seq++;
		if (h->nlmsg_flags & NLM_F_ACK)
			want++;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	while ((n = sendto(nl->fd, batch, len, 0, (struct sockaddr *)&sa,
	    sizeof(sa))) == -1 && errno == EINTR)
		;
	if (n == -1) {
		err = errno;
		cause_set(cause, "netlink send: %s", strerror(err));
		errno = err;
		return -1;
	}
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1) {
			if (err == 0) {
				err = errno;
				bad = 0;
			}
			break;
		}
		rem = (int)n;
		for (h = (struct nlmsghdr *)buf; fw_nl_ok(h, rem);
		    h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			e = NLMSG_DATA(h);
			/* an earlier batch's late answer is not ours */
			if (e->msg.nlmsg_seq < first ||
			    e->msg.nlmsg_seq >= nl->seq)
				continue;
			acks++;
			if (e->error != 0 && err == 0) {
				err = -e->error;
				bad = e->msg.nlmsg_seq;
			}
		}
	}
	if (err == 0 && acks < want)
		err = EPROTO;
	if (err == 0)
		return 0;
	if (bad != 0)
		fw_nl_what(batch, len, bad, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "the batch (%u of %u answers)",
		    acks, want);
	cause_set(cause, "nfnetlink: %s: %s", what, strerror(err));
	errno = err;
	return -1;
}
