/* SPDX-License-Identifier: ISC */
/*
 * capture.h - berth capture: the router's packets, filtered with
 * libpcap, streamed to clients (common/caprec.h has the stream).
 */
#ifndef BERTH_NETD_CAPTURE_H
#define BERTH_NETD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CAPTURE_MAX		64		/* at once */
#define CAPTURE_QUEUE		(4 * 1024 * 1024) /* bytes, per capture */
#define CAPTURE_FILTER_MAX	4096
#define CAPTURE_SNDBUF		(1024 * 1024)
#define CAPTURE_LINKTYPE	228		/* LINKTYPE_IPV4 = DLT_IPV4 */

struct capture_set;
struct ctr;
struct ev;
struct netd;
struct router;

struct capture_set *capture_set_new(struct router *, struct ev *);
/* End every capture (no END record: netd is going) and free. */
void		 capture_set_free(struct capture_set *);
int		 capture_count(const struct capture_set *);
/* No capture running or about to (between its op and handoff). */
int		 capture_idle(const struct capture_set *);
/* Whether a capture (running or being started) takes c's packets, and
 * a number that moves whenever a capture starts or ends. */
int		 capture_touches(const struct capture_set *, const struct ctr *);
unsigned long	 capture_gen(const struct capture_set *);
/* fn(arg) when a capture ends or never starts (netd: @direct again). */
void		 capture_set_on_idle(struct capture_set *,
		    void (*fn)(void *), void *arg);
/* The "capture" op: check args, prepare, ask ctl for the connection. */
json_t		*capture_op(struct netd *, json_t *args, int *close);
/* ctl's handoff: the prepared capture gets its connection. */
void		 capture_handoff(void *netd, int fd, const uint8_t *unsent,
		    size_t len);
/* A container is being deleted: end the captures that were its. */
void		 capture_ctr_gone(struct netd *, const struct ctr *);

#endif
