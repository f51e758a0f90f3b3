/* SPDX-License-Identifier: ISC */
/*
 * proxy_thread.h - the proxy's own thread (proxy_thread.c), and the
 * engine calls (proxy.c) that it carries out there. Private to the two.
 */
#ifndef BERTH_PROXY_THREAD_H
#define BERTH_PROXY_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct ev;
struct proxy;
struct proxy_thread;

/* proxy.c: the engine, called on the thread that runs its loop. */
int		 proxy_engine_add(struct proxy *, uint8_t proto,
		    uint32_t host_addr, uint16_t host_lo, uint16_t host_hi,
		    uint32_t ctr_addr, uint16_t ctr_lo, char **cause);
void		 proxy_engine_del(struct proxy *, uint8_t proto,
		    uint32_t host_addr, uint16_t host_lo);
int		 proxy_engine_tick(struct proxy *, long long now_ms);
void		 proxy_engine_counts(struct proxy *, size_t *, size_t *);
void		 proxy_engine_set_thread(struct proxy *,
		    struct proxy_thread *);

/* proxy_thread.c: NULL thr means no thread (the caller's loop). */
int		 proxy_thread_elsewhere(const struct proxy_thread *thr);
int		 proxy_thread_add(struct proxy_thread *, uint8_t proto,
		    uint32_t host_addr, uint16_t host_lo, uint16_t host_hi,
		    uint32_t ctr_addr, uint16_t ctr_lo, char **cause);
void		 proxy_thread_del(struct proxy_thread *, uint8_t proto,
		    uint32_t host_addr, uint16_t host_lo);
void		 proxy_thread_counts(struct proxy_thread *, size_t *,
		    size_t *);
/* Stop and join the thread (nothing for NULL); then free it. */
void		 proxy_thread_stop(struct proxy_thread *);
void		 proxy_thread_free(struct proxy_thread *);

#endif
