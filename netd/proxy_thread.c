/* SPDX-License-Identifier: ISC */
/*
 * proxy_thread.c - the proxy engine (proxy.c) on a thread of its own.
 *
 * DOC: Theory of Operation
 * netd's proxy runs on its own thread with its own event loop, so that
 * proxied bytes never wait behind the router and the router never waits
 * behind a burst of proxied connections (with one shared thread,
 * bench/publish measured the proxy at half of socat's throughput). The
 * engine's state belongs to that thread alone; a call from netd's main
 * thread is a struct pcall whose pointer is written to a pipe the
 * proxy's loop watches. The proxy thread carries it out and signals a
 * condition variable the caller waits on, so every call returns with
 * its answer (a taken host port, say) and the engine needs no locks.
 * Signals stay with the main thread (its self-pipe).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "proxy.h"
#include "proxy_thread.h"
#include "util.h"
#include "xmalloc.h"

struct proxy_thread {
	struct proxy		*px;
	struct ev		*ev;
	pthread_t		 thread;
	int			 running;
	int			 cmd[2];	/* struct pcall *, by pipe */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 quit;		/* the thread's own */
};

enum pcall_op { PCALL_ADD, PCALL_DEL, PCALL_COUNTS, PCALL_QUIT };

struct pcall {
	enum pcall_op		 op;
	uint8_t			 proto;
	uint32_t		 host_addr, ctr_addr;
	uint16_t		 host_lo, host_hi, ctr_lo;
	size_t			 tcp, udp;
	int			 rc;
	char			*cause;
	int			 done;
};

/* Run c on the proxy's thread and wait for it. */
static void
proxy_thread_call(struct proxy_thread *t, struct pcall *c)
{
	ssize_t	 n;

	c->done = 0;
	pthread_mutex_lock(&t->mu);
	do
		n = write(t->cmd[1], &c, sizeof(c));
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(c))
		fatal("%s: command pipe", __func__);
	while (!c->done)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

/* On the proxy's thread: carry out the calls that arrived. */
static void
proxy_thread_cmd(int fd, int events, void *arg)
{
	struct proxy_thread	*t = arg;
	struct pcall		*c;

	(void)events;
	while (read(fd, &c, sizeof(c)) == (ssize_t)sizeof(c)) {
		switch (c->op) {
		case PCALL_ADD:
			c->rc = proxy_engine_add(t->px, c->proto,
			    c->host_addr, c->host_lo, c->host_hi, c->ctr_addr,
			    c->ctr_lo, &c->cause);
			break;
		case PCALL_DEL:
			proxy_engine_del(t->px, c->proto, c->host_addr,
			    c->host_lo);
			break;
		case PCALL_COUNTS:
			proxy_engine_counts(t->px, &c->tcp, &c->udp);
			break;
		case PCALL_QUIT:
			t->quit = 1;
			break;
		}
		pthread_mutex_lock(&t->mu);
		c->done = 1;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
}

static void *
proxy_thread_main(void *arg)
{
	struct proxy_thread	*t = arg;

	/* The idle walk is a timer on this loop. */
	while (!t->quit)
		ev_run_once(t->ev, -1);
	return NULL;
}

struct proxy *
proxy_new_thread(char **cause)
{
	struct proxy_thread	*t = xcalloc(1, sizeof(*t));
	sigset_t		 all, old;
	int			 rc;

	t->cmd[0] = t->cmd[1] = -1;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if ((t->ev = ev_new()) == NULL) {
		cause_set(cause, "proxy event loop: %s", strerror(errno));
		goto fail;
	}
	if (pipe(t->cmd) == -1) {
		t->cmd[0] = t->cmd[1] = -1;
		cause_set(cause, "proxy pipe: %s", strerror(errno));
		goto fail;
	}
	if (util_set_cloexec(t->cmd[0]) == -1 ||
	    util_set_cloexec(t->cmd[1]) == -1 ||
	    util_set_nonblock(t->cmd[0]) == -1 ||
	    ev_add(t->ev, t->cmd[0], EV_READ, proxy_thread_cmd, t) == -1) {
		cause_set(cause, "proxy pipe: %s", strerror(errno));
		goto fail;
	}
	t->px = proxy_new(t->ev);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t->thread, NULL, proxy_thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		cause_set(cause, "proxy thread: %s", strerror(rc));
		proxy_free(t->px);
		goto fail;
	}
	t->running = 1;
	proxy_engine_set_thread(t->px, t);
	return t->px;
fail:
	proxy_thread_free(t);
	return NULL;
}

int
proxy_thread_elsewhere(const struct proxy_thread *t)
{
	return t != NULL && t->running &&
	    !pthread_equal(pthread_self(), t->thread);
}

int
proxy_thread_add(struct proxy_thread *t, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo, uint16_t host_hi, uint32_t ctr_addr, uint16_t ctr_lo,
    char **cause)
{
	struct pcall	 c;

	memset(&c, 0, sizeof(c));
	c.op = PCALL_ADD;
	c.proto = proto;
	c.host_addr = host_addr;
	c.host_lo = host_lo;
	c.host_hi = host_hi;
	c.ctr_addr = ctr_addr;
	c.ctr_lo = ctr_lo;
	proxy_thread_call(t, &c);
	if (c.rc == -1 && cause != NULL)
		*cause = c.cause;
	else
		free(c.cause);
	return c.rc;
}

void
proxy_thread_del(struct proxy_thread *t, uint8_t proto, uint32_t host_addr,
    uint16_t host_lo)
{
	struct pcall	 c;

	memset(&c, 0, sizeof(c));
	c.op = PCALL_DEL;
	c.proto = proto;
	c.host_addr = host_addr;
	c.host_lo = host_lo;
	proxy_thread_call(t, &c);
}

void
proxy_thread_counts(struct proxy_thread *t, size_t *tcp, size_t *udp)
{
	struct pcall	 c;

	memset(&c, 0, sizeof(c));
	c.op = PCALL_COUNTS;
	proxy_thread_call(t, &c);
	*tcp = c.tcp;
	*udp = c.udp;
}

void
proxy_thread_stop(struct proxy_thread *t)
{
	struct pcall	 c;

	if (t == NULL || !t->running)
		return;
	memset(&c, 0, sizeof(c));
	c.op = PCALL_QUIT;
	proxy_thread_call(t, &c);
	pthread_join(t->thread, NULL);
	t->running = 0;
}

void
proxy_thread_free(struct proxy_thread *t)
{
	if (t == NULL)
		return;
	proxy_thread_stop(t);
	if (t->cmd[0] != -1) {
		if (t->ev != NULL)
			ev_del(t->ev, t->cmd[0]);
		close(t->cmd[0]);
		close(t->cmd[1]);
	}
	if (t->ev != NULL)
		ev_free(t->ev);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
