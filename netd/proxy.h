/* SPDX-License-Identifier: ISC */
/*
 * proxy.h - netd's userspace port proxy for published ports.
 *
 * The path for ports published with ",proxy", for hosts without the
 * kernel path (no nft), and on macOS for clients from other machines.
 * TCP: accept on the host port, connect to the container's port, move
 * bytes both ways (splice(2) on Linux, read/write elsewhere). UDP: one
 * flow per client address and port, each with its own socket towards
 * the container, dropped after an idle timeout. The container sees
 * netd's gateway address as the client, not the real one.
 */
#ifndef BERTH_PROXY_H
#define BERTH_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ev;
struct proxy;

#define PROXY_UDP_IDLE_MS	60000
#define PROXY_MAX_CONNS		4096
#define PROXY_MAX_FLOWS		4096

/* The engine on the caller's event loop (tests), or on a thread of its
 * own (netd); either way the calls below are made from one thread. */
/*
 * The mark of TCP connections to containers (PFR_PROXY_MARK; Linux):
 * the ruleset sends them over lo while the container is in @direct.
 * Set before proxy_new*; 0 (the default) marks nothing.
 */
void		 proxy_set_mark(uint32_t);
struct proxy	*proxy_new(struct ev *);
struct proxy	*proxy_new_thread(char **cause);
void		 proxy_free(struct proxy *);
/*
 * Serve one mapping: proto 6/17, host address (host order, 0 = any),
 * host ports lo..hi to the container address and ports from ctr_lo.
 * Fails with *cause (e.g. the host port is taken) and leaves nothing.
 */
int		 proxy_add(struct proxy *, uint8_t proto, uint32_t host_addr,
		    uint16_t host_lo, uint16_t host_hi, uint32_t ctr_addr,
		    uint16_t ctr_lo, char **cause);
/*
 * Stop serving the mappings of this protocol and first host port (on
 * host_addr, or on every address when 0); closes their flows.
 */
void		 proxy_del(struct proxy *, uint8_t proto, uint32_t host_addr,
		    uint16_t host_lo);
/* Expire idle UDP flows; returns ms until the next check is due (-1:
 * none, always for a threaded proxy, which keeps its own time). */
int		 proxy_tick(struct proxy *, long long now_ms);
/* Counters: open TCP connections and UDP flows. */
void		 proxy_counts(struct proxy *, size_t *tcp, size_t *udp);

/* proxy_linux.c / proxy_darwin.c: moving bytes from one fd to another. */
struct pbuf;
struct pbuf	*pbuf_new(void);
void		 pbuf_free(struct pbuf *);
/* Read from fd into the buffer: >0 bytes, 0 at EOF, -1 with errno. */
ssize_t		 pbuf_fill(struct pbuf *, int fd);
/* Write buffered bytes to fd: >0 bytes, -1 with errno. */
ssize_t		 pbuf_drain(struct pbuf *, int fd);
size_t		 pbuf_len(const struct pbuf *);
/* A non-blocking, close-on-exec accepted or new IPv4 socket. */
int		 proxy_os_accept(int fd);
int		 proxy_os_socket(int type);
/* proxy_os_socket, its packets carrying mark (Linux SO_MARK; 0: none). */
int		 proxy_os_upstream(int type, uint32_t mark);
int		 pbuf_full(const struct pbuf *);

#endif
