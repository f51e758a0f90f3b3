/* SPDX-License-Identifier: ISC */
/*
 * ev_darwin.c - the event loop's kernel side on kqueue(2) (macOS, also
 * FreeBSD). EV_READ and EV_WRITE are the EVFILT_READ and EVFILT_WRITE
 * filters, added and deleted as the interest changes; each kevent is
 * reported on its own.
 */
#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>

#include <errno.h>

#include "ev.h"

int
ev_os_new(void)
{
	return kqueue();
}

int
ev_os_apply(int os, int fd, int old, int events, void *udata)
{
	struct kevent	 kev[2];
	int		 n = 0;

	if ((old ^ events) & EV_READ)
		EV_SET(&kev[n++], fd, EVFILT_READ,
		    (events & EV_READ) ? EV_ADD : EV_DELETE, 0, 0, udata);
	if ((old ^ events) & EV_WRITE)
		EV_SET(&kev[n++], fd, EVFILT_WRITE,
		    (events & EV_WRITE) ? EV_ADD : EV_DELETE, 0, 0, udata);
	if (n == 0)
		return 0;
	return kevent(os, kev, n, NULL, 0, NULL);
}

int
ev_os_wait(int os, int timeout_ms, struct ev_ready *out, int max)
{
	struct kevent	 kev[64];
	struct timespec	 ts, *tsp = NULL;
	int		 n, i;

	if (max > 64)
		max = 64;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	if ((n = kevent(os, NULL, 0, kev, max, tsp)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		out[i].udata = kev[i].udata;
		out[i].events = kev[i].filter == EVFILT_WRITE ? EV_WRITE :
		    EV_READ;
	}
	return n;
}
