/* SPDX-License-Identifier: ISC */
/*
 * ev.c - the event loop: registrations and dispatch, over the kernel
 * interface of ev_linux.c (epoll) or ev_darwin.c (kqueue).
 *
 * DOC: registrations
 * Each watched fd has a struct ev_watch whose address is the kernel's
 * user data for it. ev_del() from a callback may remove a watch whose
 * event is still in the batch the kernel returned, so removal only
 * marks the watch dead and unlinks it; dead watches are freed after the
 * round. Lookups by fd (ev_set, ev_del) walk a small open hash.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev.h"
#include "xmalloc.h"

#define EV_BATCH	64
#define EV_NHASH	256

struct ev_watch {
	int		 fd;
	int		 events;
	int		 dead;
	ev_cb		 cb;
	void		*arg;
	struct ev_watch	*next;		/* hash chain */
	struct ev_watch	*next_dead;
};

struct ev {
	int		 os;		/* epoll or kqueue fd */
	struct ev_watch	*hash[EV_NHASH];
	struct ev_watch	*dead;
	int		 running;
};

static struct ev_watch **
ev_slot(struct ev *ev, int fd)
{
	struct ev_watch	**wp;

	for (wp = &ev->hash[(unsigned)fd % EV_NHASH]; *wp != NULL;
	    wp = &(*wp)->next)
		if ((*wp)->fd == fd)
			break;
	return wp;
}

struct ev *
ev_new(void)
{
	struct ev	*ev;

	ev = xcalloc(1, sizeof(*ev));
	if ((ev->os = ev_os_new()) == -1) {
		free(ev);
		return NULL;
	}
	return ev;
}

static void
ev_reap(struct ev *ev)
{
	struct ev_watch	*w;

	while ((w = ev->dead) != NULL) {
		ev->dead = w->next_dead;
		free(w);
	}
}

void
ev_free(struct ev *ev)
{
	struct ev_watch	*w;
	size_t		 i;

	if (ev == NULL)
		return;
	for (i = 0; i < EV_NHASH; i++) {
		while ((w = ev->hash[i]) != NULL) {
			ev->hash[i] = w->next;
			free(w);
		}
	}
	ev_reap(ev);
	close(ev->os);
	free(ev);
}

int
ev_add(struct ev *ev, int fd, int events, ev_cb cb, void *arg)
{
	struct ev_watch	**wp, *w;

	wp = ev_slot(ev, fd);
	if (*wp != NULL) {
		errno = EEXIST;
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (ev_os_apply(ev->os, fd, 0, events, w) == -1) {
		free(w);
		return -1;
	}
	w->events = events;
	*wp = w;
	return 0;
}

int
ev_set(struct ev *ev, int fd, int events)
{
	struct ev_watch	*w = *ev_slot(ev, fd);

	if (w == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (w->events == events)
		return 0;
	if (ev_os_apply(ev->os, fd, w->events, events, w) == -1)
		return -1;
	w->events = events;
	return 0;
}

void
ev_del(struct ev *ev, int fd)
{
	struct ev_watch	**wp = ev_slot(ev, fd), *w = *wp;

	if (w == NULL)
		return;
	*wp = w->next;
	(void)ev_os_apply(ev->os, fd, w->events, 0, w);
	w->dead = 1;
	w->next_dead = ev->dead;
	ev->dead = w;
	if (!ev->running)
		ev_reap(ev);
}

int
ev_run_once(struct ev *ev, int timeout_ms)
{
	struct ev_ready	 r[EV_BATCH];
	struct ev_watch	*w;
	int		 n, i, events, ran = 0;

	if ((n = ev_os_wait(ev->os, timeout_ms, r, EV_BATCH)) == -1)
		return -1;
	ev->running = 1;
	for (i = 0; i < n; i++) {
		w = r[i].udata;
		if (w == NULL || w->dead)
			continue;
		/* Errors and hangups come as readable: the read that
		 * follows sees them. */
		events = r[i].events & (w->events | EV_READ);
		if (events == 0)
			continue;
		w->cb(w->fd, events, w->arg);
		ran++;
	}
	ev->running = 0;
	ev_reap(ev);
	return ran;
}
