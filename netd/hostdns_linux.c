/* SPDX-License-Identifier: ISC */
/*
 * hostdns_linux.c - the host resolves *.berth: systemd-resolved or
 * /etc/hosts.
 *
 * DOC: Theory of Operation
 * With systemd-resolved running (/run/systemd/resolve exists and
 * resolvectl works), the gateway interface gets per-link DNS:
 *
 *   resolvectl dns IF GATEWAY
 *   resolvectl domain IF ~berth          route only *.berth there
 *   resolvectl default-route IF false    and nothing else
 *
 * Queries for *.berth then reach netd's server, which answers from the
 * zone, so there is nothing to keep in sync. resolved drops the
 * settings when the link goes away; stop reverts them first anyway.
 *
 * Without resolved, glibc's resolver (nss "files") reads /etc/hosts on
 * every lookup, so netd keeps a block there:
 *
 *   # BEGIN berth PREFIX
 *   10.213.0.1	host.berth
 *   10.213.0.10	shop-web.berth web.shop.berth
 *   # END berth PREFIX
 *
 * rewritten (read, edit, write a temporary file, rename) on every
 * change of the zone and only when it changed; the rest of the file is
 * kept byte for byte. Where the file cannot be renamed over (a bind
 * mount in a container: EBUSY) it is rewritten in place. Stop and
 * cleanup remove the block.
 *
 * With conf->async (netd), the write itself (two fsyncs: 1.5-5 ms on
 * the development VM) happens on a thread of this module: the caller
 * reads and edits under the lock, the thread writes and then lets the
 * lock go. netd's loop meanwhile answers the next request (a run's
 * "join" waited for those fsyncs); while a write is in flight,
 * hostdns_busy() says so and netd edits again once it is done, so the
 * last state of the zone always reaches the file.
 *
 * A write also starts at most once per HOSTDNS_GAP_MS (100 ms):
 * hostdns_hold_ms() says how long to wait, and netd syncs once that
 * has passed. A change after a quiet spell is written at once; under
 * churn the changes of each 100 ms go out in one write, so its cost
 * (the whole file, two fsyncs; 15 % of netd's samples at 1,000
 * containers when every change wrote) no longer follows every start.
 * A change reaches the file at most 100 ms (or one write, if that
 * takes longer) plus one write after it is made (test_hostdns_linux). The file is still replaced atomically,
 * with both fsyncs, every time.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "hostdns.h"
#include "instance.h"
#include "log.h"
#include "run.h"
#include "util.h"
#include "xmalloc.h"

/* One lock for every instance that edits the hosts file. */
#define HOSTDNS_LOCK	BERTH_RUN_DIR "/hosts.lock"

#define HOSTDNS_HOSTS_FILE	"/etc/hosts"
#define HOSTDNS_RESOLVED_DIR	"/run/systemd/resolve"
#define HOSTDNS_HOSTS_MAX	(16 * 1024 * 1024)
/*
 * With a writer: a write starts at most once per HOSTDNS_GAP_MS, and
 * while one is in flight the caller asks again every HOSTDNS_BUSY_MS.
 */
#define HOSTDNS_GAP_MS		100
#define HOSTDNS_BUSY_MS		2


struct hostdns {
	enum hostdns_mode	 mode;	/* RESOLVER (resolved), HOSTS, OFF */
	char			*prefix;
	char			*ifname;
	char			*hosts;
	uint32_t		 gateway;
	/* conf->async: the writer thread and its one job */
	int			 threaded;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;
	char			*job;		/* the new text, or NULL */
	mode_t			 job_mode;
	int			 job_lock;	/* held until written */
	int			 busy;		/* a job not written yet */
	int			 quit;
	long long		 handed_ms;	/* the last job handed over */
};

/* Run resolvectl ARGS... quietly; 0 when it exits 0. */
static int
hostdns_resolvectl(char *const *args, char **cause)
{
	char	*argv[8];
	size_t	 i;

	argv[0] = (char *)"resolvectl";
	for (i = 0; args[i] != NULL && i + 2 < nitems(argv); i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	return run_cmd(argv, NULL, NULL, cause);
}

static int
hostdns_resolved_start(struct hostdns *h, char **cause)
{
	char	 ab[ADDR_STRLEN];
	char	*dns[] = { "dns", h->ifname, (char *)addr_fmt(h->gateway, ab),
	    NULL };
	char	*dom[] = { "domain", h->ifname, "~" DNS_DOMAIN, NULL };
	char	*def[] = { "default-route", h->ifname, "false", NULL };

	if (hostdns_resolvectl(dns, cause) == -1 ||
	    hostdns_resolvectl(dom, cause) == -1)
		return -1;
	/* Older resolved has no default-route: ~berth alone then. */
	(void)hostdns_resolvectl(def, NULL);
	return 0;
}

/* Write text to path: atomically, or in place where rename cannot. */
static int
hostdns_write(const char *path, const char *text, mode_t mode)
{
	size_t	 len = strlen(text), off = 0;
	ssize_t	 n;
	int	 fd, rc = -1;

	if (util_write_file_atomic(path, text, len, mode) == 0)
		return 0;
	if (errno != EBUSY && errno != EXDEV)
		return -1;
	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		off += (size_t)n;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The writer thread: one job at a time, the lock let go after it. */
static void *
hostdns_writer(void *arg)
{
	struct hostdns	*h = arg;
	char		*text;
	mode_t		 mode;
	int		 lock;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->job == NULL && !h->quit)
			pthread_cond_wait(&h->work, &h->mu);
		if (h->job == NULL)
			break;
		text = h->job;
		mode = h->job_mode;
		lock = h->job_lock;
		h->job = NULL;
		pthread_mutex_unlock(&h->mu);
		if (hostdns_write(h->hosts, text, mode) == -1)
			log_warn("%s: %s", __func__, h->hosts);
		if (lock != -1)
			close(lock);
		free(text);
		pthread_mutex_lock(&h->mu);
		h->busy = 0;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Hand text to the writer with the lock held; it owns both then. */
static void
hostdns_hand(struct hostdns *h, char *text, mode_t mode, int lock)
{
	pthread_mutex_lock(&h->mu);
	h->job = text;
	h->job_mode = mode;
	h->job_lock = lock;
	h->busy = 1;
	h->handed_ms = util_now_ms();
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
}

int
hostdns_busy(struct hostdns *h)
{
	int	 busy;

	if (h == NULL || !h->threaded)
		return 0;
	pthread_mutex_lock(&h->mu);
	busy = h->busy;
	pthread_mutex_unlock(&h->mu);
	return busy;
}

int
hostdns_hold_ms(struct hostdns *h)
{
	long long	 left;

	if (h == NULL || !h->threaded || h->mode != HOSTDNS_HOSTS)
		return 0;
	if (hostdns_busy(h))
		return HOSTDNS_BUSY_MS;
	left = h->handed_ms + HOSTDNS_GAP_MS - util_now_ms();
	return left > 0 ? (int)left : 0;
}

/*
 * Replace (zone) or remove (NULL) our block in the hosts file; with a
 * writer (h threaded), the write goes to its thread.
 */
static int
hostdns_hosts_edit(const char *path, const char *prefix,
    const struct dns_zone *z, struct hostdns *h, char **cause)
{
	struct stat	 sb;
	char		*old, *text = NULL, *lockpath;
	mode_t		 mode = 0644;
	int		 rc = -1, lock;

	/*
	 * Every netd instance edits the same file: read-modify-write under
	 * one lock, or two instances lose each other's blocks.
	 */
	xasprintf(&lockpath, "%s", HOSTDNS_LOCK);
	(void)util_mkdir_p(BERTH_RUN_DIR, 0755);
	lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lockpath);
	if (lock != -1)
		(void)flock(lock, LOCK_EX);
	if ((old = util_read_file(path, HOSTDNS_HOSTS_MAX, NULL)) == NULL &&
	    (errno != ENOENT || z == NULL)) {
		if (errno == ENOENT)
			rc = 0;
		else
			cause_set(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (stat(path, &sb) == 0)
		mode = sb.st_mode & 07777;
	text = dns_hosts_edit(old, prefix, z);
	if (old != NULL && strcmp(old, text) == 0) {
		rc = 0;
		goto out;
	}
	if (h != NULL && h->threaded) {
		hostdns_hand(h, text, mode, lock);
		text = NULL;
		lock = -1;
		rc = 0;
		goto out;
	}
	if (hostdns_write(path, text, mode) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (lock != -1)
		close(lock);
	free(old);
	free(text);
	return rc;
}

struct hostdns *
hostdns_start(const struct hostdns_conf *conf, char **cause)
{
	struct hostdns	*h;
	struct stat	 sb;
	char		*why = NULL;

	h = xcalloc(1, sizeof(*h));
	h->mode = conf->mode;
	h->prefix = xstrdup(conf->prefix);
	h->ifname = xstrdup(conf->ifname != NULL ? conf->ifname : "");
	h->hosts = xstrdup(conf->hosts != NULL ? conf->hosts :
	    HOSTDNS_HOSTS_FILE);
	h->gateway = conf->gateway;
	if (conf->async) {
		pthread_mutex_init(&h->mu, NULL);
		pthread_cond_init(&h->work, NULL);
		h->threaded = pthread_create(&h->thread, NULL,
		    hostdns_writer, h) == 0;
	}
	if (h->mode == HOSTDNS_AUTO) {
		h->mode = HOSTDNS_HOSTS;
		if (stat(HOSTDNS_RESOLVED_DIR, &sb) == 0 &&
		    *h->ifname != '\0') {
			if (hostdns_resolved_start(h, &why) == 0)
				h->mode = HOSTDNS_RESOLVER;
			else
				log_info("%s: systemd-resolved: %s; using %s",
				    __func__, why, h->hosts);
			free(why);
		}
	} else if (h->mode == HOSTDNS_RESOLVER &&
	    hostdns_resolved_start(h, cause) == -1) {
		hostdns_stop(h);
		return NULL;
	}
	log_debug("%s: %s", __func__, hostdns_mode_name(h));
	return h;
}

int
hostdns_sync(struct hostdns *h, const struct dns_zone *z, char **cause)
{
	if (h == NULL || h->mode != HOSTDNS_HOSTS)
		return 0;
	return hostdns_hosts_edit(h->hosts, h->prefix, z, h, cause);
}

void
hostdns_stop(struct hostdns *h)
{
	char	*cause = NULL;
	char	*revert[] = { "revert", NULL, NULL };

	if (h == NULL)
		return;
	if (h->threaded) {
		/* the last write first, then the block goes */
		pthread_mutex_lock(&h->mu);
		h->quit = 1;
		pthread_cond_signal(&h->work);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
		pthread_cond_destroy(&h->work);
		pthread_mutex_destroy(&h->mu);
		h->threaded = 0;
	}
	revert[1] = h->ifname;
	if (h->mode == HOSTDNS_RESOLVER &&
	    hostdns_resolvectl(revert, &cause) == -1)
		log_debug("%s: %s", __func__, cause);	/* link gone: fine */
	if (h->mode == HOSTDNS_HOSTS &&
	    hostdns_hosts_edit(h->hosts, h->prefix, NULL, NULL, &cause) == -1)
		log_warnx("%s: %s", __func__, cause);
	free(cause);
	free(h->prefix);
	free(h->ifname);
	free(h->hosts);
	free(h);
}

int
hostdns_cleanup(const struct hostdns_conf *conf, char **cause)
{
	/* resolved forgot the link's settings when the link went away. */
	if (conf->mode == HOSTDNS_OFF || conf->mode == HOSTDNS_RESOLVER)
		return 0;
	return hostdns_hosts_edit(conf->hosts != NULL ? conf->hosts :
	    HOSTDNS_HOSTS_FILE, conf->prefix, NULL, NULL, cause);
}

const char *
hostdns_mode_name(const struct hostdns *h)
{
	switch (h->mode) {
	case HOSTDNS_RESOLVER:
		return "resolved";
	case HOSTDNS_HOSTS:
		return "hosts";
	default:
		return "off";
	}
}
