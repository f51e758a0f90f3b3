/* SPDX-License-Identifier: ISC */
/*
 * ev_linux.c - the event loop's kernel side on epoll(7).
 */
#include <sys/epoll.h>

#include <errno.h>
#include <string.h>

#include "ev.h"

int
ev_os_new(void)
{
	return epoll_create1(EPOLL_CLOEXEC);
}

int
ev_os_apply(int os, int fd, int old, int events, void *udata)
{
	struct epoll_event	 e;
	int			 op;

	memset(&e, 0, sizeof(e));
	if (events & EV_READ)
		e.events |= EPOLLIN;
	if (events & EV_WRITE)
		e.events |= EPOLLOUT;
	e.data.ptr = udata;
	if (events == 0)
		op = EPOLL_CTL_DEL;
	else
		op = old == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	return epoll_ctl(os, op, fd, &e);
}

int
ev_os_wait(int os, int timeout_ms, struct ev_ready *out, int max)
{
	struct epoll_event	 evs[64];
	int			 n, i;

	if (max > 64)
		max = 64;
	if ((n = epoll_wait(os, evs, max, timeout_ms)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		out[i].udata = evs[i].data.ptr;
		out[i].events = 0;
		if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			out[i].events |= EV_READ;
		if (evs[i].events & EPOLLOUT)
			out[i].events |= EV_WRITE;
	}
	return n;
}
