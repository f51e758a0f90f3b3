/* SPDX-License-Identifier: ISC */
/*
 * teardown.c - removing tuns off the router's path.
 *
 * DOC: why tuns go away on a thread of their own
 * Removing a network interface is slow in the kernel: closing the last
 * fd of a tun (or RTM_DELLINK) unregisters the device, which waits for
 * RCU grace periods and for the device's references to drop, about
 * 20-25 ms per tun on the development VM, in the caller's thread. Done
 * on netd's loop, 300 pipelined deletes held every packet of every
 * other container for 7 s, and a start with 1,000 leftover tuns of a
 * crashed run did not listen for 18 s.
 *
 * So the loop only queues a tun (teardown_add: an fd to close, or a
 * leftover's name to delete) and a thread of this module does the
 * kernel's part, one tun at a time, in order. The datapath does not
 * wait for it (reading and writing the other tuns takes no lock the
 * unregistering holds). When a tun is gone the thread says so through
 * a pipe the loop watches, and the loop runs the owner's done callback
 * (netd gives the address back to IPAM and frees the container): until
 * then the address stays taken, so no new container gets a tun that is
 * still going away. A create that asks for exactly such an address
 * claims it (teardown_claim): a queued job is done at once, on the
 * caller's thread; one the thread is doing is waited for.
 *
 * The thread opens its own netlink socket (route_linux.c keeps one per
 * thread). Without a thread (none could be made, or a unit test that
 * never started one) the jobs run on the loop, one per round.
 */
#include <sys/queue.h>
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "netd.h"
#include "route.h"
#include "teardown.h"
#include "util.h"
#include "xmalloc.h"

struct teardown_job {
	int				 fd;	/* -1: delete by name */
	char				 ifname[TUN_NAMESIZ];
	uint32_t			 addr;
	void				*cookie;
	TAILQ_ENTRY(teardown_job)	 entry;
};
TAILQ_HEAD(teardown_jobs, teardown_job);

struct teardown {
	const struct netd_kernel	*kern;
	struct ev			*ev;
	teardown_done_cb		 done;
	void				*arg;

	pthread_mutex_t			 mu;
	pthread_cond_t			 work;	/* todo or quit, for the thread */
	pthread_cond_t			 idle;	/* a job finished */
	struct teardown_jobs		 todo;	/* queued, in order */
	struct teardown_jobs		 gone;	/* done, not yet reported */
	struct teardown_job		*busy;	/* the thread's, in the kernel */
	size_t				 pending; /* todo + busy + gone */
	int				 quit;

	pthread_t			 thread;
	int				 running;
	int				 note[2]; /* thread -> loop: "done" */
	struct ev_defer			 slice;	/* no thread: one per round */
};

/* The kernel's part of a job (either thread). */
static void
teardown_kernel(const struct netd_kernel *k, struct teardown_job *j)
{
	if (j->fd != -1)
		k->tun_destroy(j->fd, j->ifname);
	/* A leftover by name; after a close, a no-op unless it stayed. */
	if (k->iface_delete(j->ifname) == -1)
		log_warn("%s: %s", __func__, j->ifname);
	j->fd = -1;
}

/* On the loop: report the jobs that are done, in order. */
static void
teardown_report(struct teardown *t)
{
	struct teardown_jobs	 done;
	struct teardown_job	*j;

	TAILQ_INIT(&done);
	pthread_mutex_lock(&t->mu);
	TAILQ_CONCAT(&done, &t->gone, entry);
	pthread_mutex_unlock(&t->mu);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, entry);
		pthread_mutex_lock(&t->mu);
		t->pending--;
		pthread_mutex_unlock(&t->mu);
		if (t->done != NULL)
			t->done(t->arg, j->addr, j->cookie);
		free(j);
	}
}

static void
teardown_note(int fd, int events, void *arg)
{
	struct teardown	*t = arg;
	char		 buf[256];

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	teardown_report(t);
}

static void *
teardown_main(void *arg)
{
	struct teardown		*t = arg;
	struct teardown_job	*j;
	char			 c = 0;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (TAILQ_EMPTY(&t->todo) && !t->quit)
			pthread_cond_wait(&t->work, &t->mu);
		if ((j = TAILQ_FIRST(&t->todo)) == NULL)
			break;		/* quit, and nothing left */
		TAILQ_REMOVE(&t->todo, j, entry);
		t->busy = j;
		pthread_mutex_unlock(&t->mu);
		teardown_kernel(t->kern, j);
		pthread_mutex_lock(&t->mu);
		t->busy = NULL;
		TAILQ_INSERT_TAIL(&t->gone, j, entry);
		pthread_cond_broadcast(&t->idle);
		/* A full pipe already says so. */
		if (write(t->note[1], &c, 1) == -1 && errno != EAGAIN)
			log_warn("%s: note", __func__);
	}
	pthread_mutex_unlock(&t->mu);
	route_close();
	return NULL;
}

/* No thread: one job per loop round, so the loop still breathes. */
static void
teardown_slice(void *arg)
{
	struct teardown		*t = arg;
	struct teardown_job	*j;

	pthread_mutex_lock(&t->mu);
	if ((j = TAILQ_FIRST(&t->todo)) != NULL)
		TAILQ_REMOVE(&t->todo, j, entry);
	pthread_mutex_unlock(&t->mu);
	if (j == NULL)
		return;
	teardown_kernel(t->kern, j);
	pthread_mutex_lock(&t->mu);
	TAILQ_INSERT_TAIL(&t->gone, j, entry);
	if (!TAILQ_EMPTY(&t->todo) && t->ev != NULL)
		ev_defer(t->ev, &t->slice);
	pthread_mutex_unlock(&t->mu);
	teardown_report(t);
}

/**
 * teardown_new() - a teardown queue for the tuns of one netd
 * @ev:		the loop that hears of finished jobs (NULL: nobody runs
 *		it; teardown_drain() does all)
 * @kern:	the kernel calls (tun_destroy, iface_delete)
 * @threaded:	run the kernel's part on a thread of its own
 * @done:	called on the loop's thread for each finished job
 *
 * Return: the queue (never NULL: without a thread, it runs on the loop).
 */
struct teardown *
teardown_new(struct ev *ev, const struct netd_kernel *kern, int threaded,
    teardown_done_cb done, void *arg)
{
	struct teardown	*t = xcalloc(1, sizeof(*t));
	sigset_t	 all, old;
	int		 rc;

	t->ev = ev;
	t->kern = kern;
	t->done = done;
	t->arg = arg;
	t->note[0] = t->note[1] = -1;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->work, NULL);
	pthread_cond_init(&t->idle, NULL);
	TAILQ_INIT(&t->todo);
	TAILQ_INIT(&t->gone);
	ev_defer_init(&t->slice, teardown_slice, t);
	if (!threaded || ev == NULL)
		return t;
	if (pipe(t->note) == -1) {
		t->note[0] = t->note[1] = -1;
		goto nothread;
	}
	if (util_set_cloexec(t->note[0]) == -1 ||
	    util_set_cloexec(t->note[1]) == -1 ||
	    util_set_nonblock(t->note[0]) == -1 ||
	    util_set_nonblock(t->note[1]) == -1 ||
	    ev_add(ev, t->note[0], EV_READ, teardown_note, t) == -1)
		goto nothread;
	/* Signals stay with the main thread (its self-pipe). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t->thread, NULL, teardown_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		ev_del(ev, t->note[0]);
		errno = rc;
		goto nothread;
	}
	t->running = 1;
	return t;
nothread:
	log_warn("%s: no teardown thread; tuns go on the loop", __func__);
	if (t->note[0] != -1) {
		close(t->note[0]);
		close(t->note[1]);
		t->note[0] = t->note[1] = -1;
	}
	return t;
}

/**
 * teardown_add() - queue a tun for removal
 * @fd:		its fd, detached from the loop and the router (-1: a
 *		leftover nobody holds, deleted by name)
 * @ifname:	its name
 * @addr:	the address it held (given back to done; 0: none)
 * @cookie:	the owner's, given back to done
 */
void
teardown_add(struct teardown *t, int fd, const char *ifname, uint32_t addr,
    void *cookie)
{
	struct teardown_job	*j = xcalloc(1, sizeof(*j));

	j->fd = fd;
	snprintf(j->ifname, sizeof(j->ifname), "%s", ifname);
	j->addr = addr;
	j->cookie = cookie;
	pthread_mutex_lock(&t->mu);
	TAILQ_INSERT_TAIL(&t->todo, j, entry);
	t->pending++;
	if (t->running)
		pthread_cond_signal(&t->work);
	else if (t->ev != NULL)
		ev_defer(t->ev, &t->slice);
	pthread_mutex_unlock(&t->mu);
}

/**
 * teardown_claim() - finish the removal of the tun that held @addr now
 *
 * A queued job is done on the caller's thread, one the teardown thread
 * is doing is waited for; either way its done callback has run when
 * this returns.
 *
 * Return: 1 if a tun of @addr was pending, else 0.
 */
int
teardown_claim(struct teardown *t, uint32_t addr)
{
	struct teardown_job	*j;
	int			 found = 0;

	if (t == NULL || addr == 0)
		return 0;
	pthread_mutex_lock(&t->mu);
	TAILQ_FOREACH(j, &t->todo, entry)
		if (j->addr == addr)
			break;
	if (j != NULL) {
		TAILQ_REMOVE(&t->todo, j, entry);
		pthread_mutex_unlock(&t->mu);
		teardown_kernel(t->kern, j);
		pthread_mutex_lock(&t->mu);
		TAILQ_INSERT_TAIL(&t->gone, j, entry);
		found = 1;
	}
	while (t->busy != NULL && t->busy->addr == addr) {
		pthread_cond_wait(&t->idle, &t->mu);
		found = 1;
	}
	TAILQ_FOREACH(j, &t->gone, entry)
		if (j->addr == addr)
			found = 1;
	pthread_mutex_unlock(&t->mu);
	if (found)
		teardown_report(t);
	return found;
}

/* The address of the oldest pending job that holds one (0: none). */
uint32_t
teardown_next_addr(struct teardown *t)
{
	struct teardown_job	*j;
	uint32_t		 a = 0;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->mu);
	TAILQ_FOREACH(j, &t->gone, entry)
		if (a == 0 && j->addr != 0)
			a = j->addr;
	if (a == 0 && t->busy != NULL && t->busy->addr != 0)
		a = t->busy->addr;
	TAILQ_FOREACH(j, &t->todo, entry)
		if (a == 0 && j->addr != 0)
			a = j->addr;
	pthread_mutex_unlock(&t->mu);
	return a;
}

/* Tuns queued or being removed, and not yet reported. */
size_t
teardown_pending(struct teardown *t)
{
	size_t	 n;

	if (t == NULL)
		return 0;
	pthread_mutex_lock(&t->mu);
	n = t->pending;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* Wait until every queued tun is gone and reported (stop, tests). */
void
teardown_drain(struct teardown *t)
{
	struct teardown_job	*j;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	if (!t->running) {
		while ((j = TAILQ_FIRST(&t->todo)) != NULL) {
			TAILQ_REMOVE(&t->todo, j, entry);
			teardown_kernel(t->kern, j);
			TAILQ_INSERT_TAIL(&t->gone, j, entry);
		}
		if (t->ev != NULL)
			ev_defer_cancel(t->ev, &t->slice);
	}
	while (!TAILQ_EMPTY(&t->todo) || t->busy != NULL)
		pthread_cond_wait(&t->idle, &t->mu);
	pthread_mutex_unlock(&t->mu);
	teardown_report(t);
}

void
teardown_free(struct teardown *t)
{
	if (t == NULL)
		return;
	teardown_drain(t);
	if (t->running) {
		pthread_mutex_lock(&t->mu);
		t->quit = 1;
		pthread_cond_signal(&t->work);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
		t->running = 0;
	}
	if (t->note[0] != -1) {
		if (t->ev != NULL)
			ev_del(t->ev, t->note[0]);
		close(t->note[0]);
		close(t->note[1]);
	}
	if (t->ev != NULL)
		ev_defer_cancel(t->ev, &t->slice);
	pthread_cond_destroy(&t->idle);
	pthread_cond_destroy(&t->work);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
