/* SPDX-License-Identifier: ISC OR GPL-2.0-only */
/*
 * berth.bpf.c - the kernel side of berth's address enforcement (Linux).
 *
 * DOC: Theory of Operation
 * netd attaches these programs to its instance's cgroup (cgroup2 mount
 * /berth-PREFIX); every container's processes live in a child cgroup
 * (berth-PREFIX/NAME) and so run them, whatever binary they are: Go,
 * static, raw system calls. "ctrs" maps the cgroup id of a container's
 * cgroup (the ancestor at cfg.level, so a cgroup a root container makes
 * below its own changes nothing) to its address. A process of no
 * container (no entry) passes untouched.
 *
 * sock_addr programs do what the LD_PRELOAD interposer does, in the
 * kernel:
 *  bind4/6	0.0.0.0, 127.0.0.1, ::, ::1 (and v4-mapped) -> the container
 *		address; the container's own address and the rest of 127/8
 *		pass; any other address (another container's, the host's)
 *		fails with EADDRNOTAVAIL.
 *  connect4/6	127.0.0.1 / 0.0.0.0 -> the container address (its own
 *  sendmsg4/6	localhost); an unbound socket is bound to the container
 *		address first (connect: bpf_bind with port 0, i.e.
 *		IP_BIND_ADDRESS_NO_PORT; sendmsg: the datagram's source);
 *		a source chosen per datagram (IP_PKTINFO) must be the
 *		container's; internal containers reach the pool and
 *		loopback only (ENETUNREACH); native IPv6 fails with
 *		ENETUNREACH (containers are IPv4-only).
 *  getpeername4, recvmsg4: a socket whose 127.0.0.1 was rewritten sees
 *		127.0.0.1 again as its peer (sk storage remembers it).
 * The egress program drops every packet of a container's sockets whose
 * source is not the container's address (raw sockets included), and
 * counts it. Masquerade runs before cgroup egress, so a TCP/UDP packet
 * to outside the pool from a socket bound to the container address
 * passes with whatever source NAT gave it (docs/runtime.md).
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/socket.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "kern_maps.h"

#define AF_INET_	2
#define AF_INET6_	10
#define ENETUNREACH_	101
#define EADDRNOTAVAIL_	99

#define LO4		bpf_htonl(0x7f000001)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KERN_MAX_CTRS);
	__type(key, __u64);
	__type(value, struct kern_ctr);
} ctrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kern_cfg);
} cfg SEC(".maps");

/* Sockets whose 127.0.0.1 became the container address. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} lo_rewritten SEC(".maps");

static __always_inline struct kern_cfg *
get_cfg(void)
{
	__u32	 zero = 0;

	return bpf_map_lookup_elem(&cfg, &zero);
}

static __always_inline struct kern_ctr *
current_ctr(struct kern_cfg **cp)
{
	struct kern_cfg	*c;
	__u64		 id;

	if ((c = get_cfg()) == NULL || c->level == 0)
		return NULL;
	*cp = c;
	id = bpf_get_current_ancestor_cgroup_id(c->level);
	return bpf_map_lookup_elem(&ctrs, &id);
}

static __always_inline int
is_lo(__u32 a)
{
	return (a & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000);
}

static __always_inline int
in_pool(const struct kern_cfg *c, __u32 a)
{
	return (a & c->mask) == c->pool;
}

/* Fail the call with err (instead of EPERM). */
static __always_inline int
refuse(struct kern_ctr *v, int err)
{
	__sync_fetch_and_add(&v->refused, 1);
	bpf_set_retval(-err);
	return 0;
}

static __always_inline void
mark_lo(void *sk)
{
	__u32	*f;

	f = bpf_sk_storage_get(&lo_rewritten, sk, 0,
	    BPF_SK_STORAGE_GET_F_CREATE);
	if (f != NULL)
		*f = 1;
}

static __always_inline int
was_lo(void *sk)
{
	__u32	*f;

	if (sk == NULL)
		return 0;
	f = bpf_sk_storage_get(&lo_rewritten, sk, 0, 0);
	return f != NULL && *f;
}

/* ------------------------------------------------------------ IPv4 */

/* The address a bind gets: rewritten, kept, or 0 = refuse. */
static __always_inline __u32
bind_addr(const struct kern_ctr *v, __u32 a)
{
	if (a == 0 || a == LO4)
		return v->addr;
	if (a == v->addr || is_lo(a))
		return a;
	/* multicast groups: a receiver may bind the group address */
	if ((a & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000))
		return a;
	return 0;
}

SEC("cgroup/bind4")
int
berth_bind4(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;
	__u32		 a, b;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	a = ctx->user_ip4;
	if ((b = bind_addr(v, a)) == 0)
		return refuse(v, EADDRNOTAVAIL_);
	if (b != a) {
		ctx->user_ip4 = b;
		__sync_fetch_and_add(&v->rewritten, 1);
	}
	return 1;
}

/*
 * A destination: 127.0.0.1 and 0.0.0.0 become the container address;
 * internal containers reach only the pool and loopback. Returns the
 * destination, or 0 to refuse.
 */
static __always_inline __u32
dst_addr(const struct kern_cfg *c, struct kern_ctr *v, __u32 a, int *lo)
{
	*lo = 0;
	if (a == 0 || a == LO4) {
		*lo = a == LO4;
		return v->addr;
	}
	if ((v->flags & KERN_INTERNAL) && !in_pool(c, a) && !is_lo(a))
		return 0;
	return a;
}

/* connect4 and sendmsg4: the destination; 0 when refused. */
static __always_inline int
dst4(struct bpf_sock_addr *ctx, struct kern_cfg *c, struct kern_ctr *v,
    __u32 *out)
{
	__u32	 a, d;
	int	 lo;

	a = ctx->user_ip4;
	if ((d = dst_addr(c, v, a, &lo)) == 0)
		return refuse(v, ENETUNREACH_);
	if (d != a) {
		ctx->user_ip4 = d;
		__sync_fetch_and_add(&v->rewritten, 1);
		if (lo)
			mark_lo(ctx->sk);
	}
	*out = d;
	return 1;
}

SEC("cgroup/connect4")
int
berth_connect4(struct bpf_sock_addr *ctx)
{
	struct sockaddr_in	 sin;
	struct kern_cfg		*c;
	struct kern_ctr		*v;
	struct bpf_sock		*sk;
	__u32			 d = 0;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (dst4(ctx, c, v, &d) == 0)
		return 0;
	/* An unbound socket leaves from the container address. */
	sk = ctx->sk;
	if (sk != NULL && sk->src_ip4 == 0 && !is_lo(d)) {
		__builtin_memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET_;
		sin.sin_addr.s_addr = v->addr;
		if (bpf_bind(ctx, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			return refuse(v, EADDRNOTAVAIL_);
	}
	return 1;
}

SEC("cgroup/sendmsg4")
int
berth_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;
	struct bpf_sock	*sk;
	__u32		 d = 0, s;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (dst4(ctx, c, v, &d) == 0)
		return 0;
	s = ctx->msg_src_ip4;
	if (s != 0 && s != v->addr && !is_lo(s))
		return refuse(v, EADDRNOTAVAIL_);
	sk = ctx->sk;
	if (s == 0 && sk != NULL && sk->src_ip4 == 0 && !is_lo(d))
		ctx->msg_src_ip4 = v->addr;
	return 1;
}

SEC("cgroup/getpeername4")
int
berth_getpeername4(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (ctx->user_ip4 == v->addr && was_lo(ctx->sk))
		ctx->user_ip4 = LO4;
	return 1;
}

SEC("cgroup/recvmsg4")
int
berth_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (ctx->user_ip4 == v->addr && was_lo(ctx->sk))
		ctx->user_ip4 = LO4;
	return 1;
}

/* ------------------------------------------------------------ IPv6 */

/* ::ffff:a.b.c.d, ::, ::1 */
static __always_inline int
v6_mapped(const __u32 *w)
{
	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

static __always_inline int
v6_any(const __u32 *w)
{
	return w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0;
}

static __always_inline int
v6_lo(const __u32 *w)
{
	return w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == bpf_htonl(1);
}

static __always_inline void
set_mapped(struct bpf_sock_addr *ctx, __u32 a)
{
	ctx->user_ip6[0] = 0;
	ctx->user_ip6[1] = 0;
	ctx->user_ip6[2] = bpf_htonl(0xffff);
	ctx->user_ip6[3] = a;
}

static __always_inline void
load6(struct bpf_sock_addr *ctx, __u32 *w)
{
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
}

SEC("cgroup/bind6")
int
berth_bind6(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;
	__u32		 w[4], b;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	load6(ctx, w);
	if (v6_any(w) || v6_lo(w)) {
		/*
		 * [::1]:0 is the interposer's placeholder for an
		 * IPV6_V6ONLY socket (an ephemeral port, never a
		 * collision); anything else serves the container address
		 * on a dual-stack socket.
		 */
		if (v6_lo(w) && ctx->user_port == 0)
			return 1;
		set_mapped(ctx, v->addr);
		__sync_fetch_and_add(&v->rewritten, 1);
		return 1;
	}
	if (!v6_mapped(w))
		return refuse(v, EADDRNOTAVAIL_);
	if ((b = bind_addr(v, w[3])) == 0)
		return refuse(v, EADDRNOTAVAIL_);
	if (b != w[3]) {
		ctx->user_ip6[3] = b;
		__sync_fetch_and_add(&v->rewritten, 1);
	}
	return 1;
}

/* connect6 and sendmsg6: to the IPv4 rules through v4-mapped forms. */
static __always_inline int
dst6(struct bpf_sock_addr *ctx, struct kern_cfg *c, struct kern_ctr *v,
    __u32 *out)
{
	__u32	 w[4], d;
	int	 lo;

	load6(ctx, w);
	if (v6_any(w) || v6_lo(w)) {
		set_mapped(ctx, v->addr);
		__sync_fetch_and_add(&v->rewritten, 1);
		*out = v->addr;
		return 1;
	}
	if (!v6_mapped(w))
		return refuse(v, ENETUNREACH_);
	if ((d = dst_addr(c, v, w[3], &lo)) == 0)
		return refuse(v, ENETUNREACH_);
	if (d != w[3]) {
		ctx->user_ip6[3] = d;
		__sync_fetch_and_add(&v->rewritten, 1);
	}
	*out = d;
	return 1;
}

SEC("cgroup/connect6")
int
berth_connect6(struct bpf_sock_addr *ctx)
{
	struct sockaddr_in6	 sin6;
	struct kern_cfg		*c;
	struct kern_ctr		*v;
	struct bpf_sock		*sk;
	__u32			 d = 0;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (dst6(ctx, c, v, &d) == 0)
		return 0;
	sk = ctx->sk;
	if (sk != NULL && sk->src_ip6[0] == 0 && sk->src_ip6[1] == 0 &&
	    sk->src_ip6[2] == 0 && sk->src_ip6[3] == 0 && !is_lo(d)) {
		__builtin_memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6_;
		sin6.sin6_addr.in6_u.u6_addr32[2] = bpf_htonl(0xffff);
		sin6.sin6_addr.in6_u.u6_addr32[3] = v->addr;
		if (bpf_bind(ctx, (struct sockaddr *)&sin6,
		    sizeof(sin6)) != 0)
			return refuse(v, EADDRNOTAVAIL_);
	}
	return 1;
}

SEC("cgroup/sendmsg6")
int
berth_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;
	__u32		 d = 0, s0, s1, s2, s3;

	if ((v = current_ctr(&c)) == NULL)
		return 1;
	if (dst6(ctx, c, v, &d) == 0)
		return 0;
	s0 = ctx->msg_src_ip6[0];
	s1 = ctx->msg_src_ip6[1];
	s2 = ctx->msg_src_ip6[2];
	s3 = ctx->msg_src_ip6[3];
	if (s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0) {
		if (!is_lo(d)) {
			ctx->msg_src_ip6[2] = bpf_htonl(0xffff);
			ctx->msg_src_ip6[3] = v->addr;
		}
		return 1;
	}
	if (s0 != 0 || s1 != 0 || s2 != bpf_htonl(0xffff) ||
	    (s3 != v->addr && !is_lo(s3)))
		return refuse(v, EADDRNOTAVAIL_);
	return 1;
}

/* ---------------------------------------------------------- egress */

SEC("cgroup_skb/egress")
int
berth_egress(struct __sk_buff *skb)
{
	struct kern_cfg	*c;
	struct kern_ctr	*v;
	struct bpf_sock	*sk;
	struct iphdr	 ip;
	struct ipv6hdr	 ip6;
	__u64		 id;

	if ((c = get_cfg()) == NULL || c->level == 0)
		return 1;
	id = bpf_skb_ancestor_cgroup_id(skb, c->level);
	if ((v = bpf_map_lookup_elem(&ctrs, &id)) == NULL)
		return 1;
	if (skb->protocol == bpf_htons(0x0800)) {
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) != 0)
			goto drop;
		/* internal: the pool and loopback only, whatever the source */
		if ((v->flags & KERN_INTERNAL) && !in_pool(c, ip.daddr) &&
		    !is_lo(ip.daddr))
			goto drop;
		if (ip.saddr == v->addr)
			return 1;
		/* own loopback: 127/8 never leaves lo */
		if (is_lo(ip.saddr) && is_lo(ip.daddr))
			return 1;
		/*
		 * Masqueraded already (cgroup egress runs after
		 * postrouting): a TCP or UDP socket bound to the container
		 * address, to outside the pool, not internal.
		 */
		sk = skb->sk;
		if (sk != NULL)
			sk = bpf_sk_fullsock(sk);
		if (sk != NULL && (v->flags & KERN_INTERNAL) == 0 &&
		    !in_pool(c, ip.daddr) && !in_pool(c, ip.saddr) &&
		    (sk->protocol == IPPROTO_TCP ||
		    sk->protocol == IPPROTO_UDP) &&
		    sk->type != 3 /* SOCK_RAW */ && sk->src_ip4 == v->addr)
			return 1;
		goto drop;
	}
	if (skb->protocol == bpf_htons(0x86dd)) {
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) != 0)
			goto drop;
		/* ::1 to ::1 stays on lo; mapped addresses leave as IPv4 */
		if (v6_lo(ip6.saddr.in6_u.u6_addr32) &&
		    v6_lo(ip6.daddr.in6_u.u6_addr32))
			return 1;
		goto drop;
	}
	return 1;
drop:
	__sync_fetch_and_add(&v->spoofed, 1);
	return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
