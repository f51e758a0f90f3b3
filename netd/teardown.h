/* SPDX-License-Identifier: ISC */
/*
 * teardown.h - removing tuns off the router's path (teardown.c).
 */
#ifndef BERTH_TEARDOWN_H
#define BERTH_TEARDOWN_H

#include <stddef.h>
#include <stdint.h>

struct ev;
struct netd_kernel;
struct teardown;

/* On the loop's thread, once a queued tun is gone. */
typedef void	(*teardown_done_cb)(void *arg, uint32_t addr, void *cookie);

struct teardown	*teardown_new(struct ev *, const struct netd_kernel *,
		    int threaded, teardown_done_cb, void *arg);
void		 teardown_free(struct teardown *);
void		 teardown_add(struct teardown *, int fd, const char *ifname,
		    uint32_t addr, void *cookie);
int		 teardown_claim(struct teardown *, uint32_t addr);
uint32_t	 teardown_next_addr(struct teardown *);
size_t		 teardown_pending(struct teardown *);
void		 teardown_drain(struct teardown *);

#endif
