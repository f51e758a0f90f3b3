/* SPDX-License-Identifier: ISC */
/*
 * ctl.c - the control socket of berth-netd: listening, access,
 * admission and idle clients. One client's framing, requests and
 * replies are ctl_client.c's.
 *
 * DOC: Theory of Operation
 * A unix stream socket, non-blocking, in netd's event loop; each
 * accepted connection becomes a client (ctl_client.c) that reads
 * frames, answers each request in order, exactly once, and is closed
 * on a framing error. No input can make netd exit: every failure ends
 * with the one client, never with the daemon.
 *
 * Access: the socket file is 0660 with the configured group, and each
 * peer's credentials (SO_PEERCRED / LOCAL_PEERCRED) are checked again:
 * root, netd's own uid, or a member of the group (tmux's server_acl
 * does the same check).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_int.h"
#include "ev.h"
#include "log.h"
#include "os.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* macOS; netd ignores SIGPIPE anyway */
#endif

static int	ctl_admit(struct ctl *, uid_t, char *, size_t);

/* BERTH_NETD_IDLE_MS overrides CTL_IDLE_MS (tests). */
static long long
ctl_idle_env(void)
{
	const char	*e = getenv("BERTH_NETD_IDLE_MS");
	unsigned long	 ul;

	if (e != NULL && util_parse_uint(e, 86400000, &ul) == 0 && ul > 0)
		return (long long)ul;
	return CTL_IDLE_MS;
}

struct ctl *
ctl_new(struct ev *ev, ctl_handler handler, void *arg)
{
	struct ctl	*c;

	c = xcalloc(1, sizeof(*c));
	c->ev = ev;
	c->handler = handler;
	c->arg = arg;
	c->lfd = -1;
	c->gid = (gid_t)-1;
	c->idle_ms = ctl_idle_env();
	return c;
}

int
ctl_nclients(const struct ctl *c)
{
	return c->nclients;
}

void
ctl_set_handoff(struct ctl *c, ctl_handoff_fn fn)
{
	c->handoff = fn;
}

void
ctl_set_commit(struct ctl *c, void (*fn)(void *))
{
	c->commit = fn;
}

static int
ctl_allowed(struct ctl *c, int fd, uid_t *uid)
{
	struct os_peer	 p;
	int		 i;

	if (os_peer(fd, &p) == -1) {
		log_warn("%s: peer credentials", __func__);
		return 0;
	}
	*uid = p.uid;
	if (p.uid == 0 || p.uid == geteuid())
		return 1;
	if (c->gid == (gid_t)-1)
		goto deny;
	if (p.gid == c->gid)
		return 1;
	for (i = 0; i < p.ngroups; i++)
		if (p.groups[i] == c->gid)
			return 1;
deny:
	log_info("%s: refused uid %ld (pid %ld)", __func__, (long)p.uid,
	    (long)p.pid);
	return 0;
}

/*
 * The uid of the client whose request is being answered: ops decide
 * with it who owns a container and who may change it. Outside a
 * request, netd's own.
 */
uid_t
ctl_peer_uid(const struct ctl *c)
{
	return c->cur != NULL ? c->cur->uid : geteuid();
}

/* Reject a client with one reply, written if the socket takes it. */
static void
ctl_reject(int fd, const char *why)
{
	json_t	*rep = proto_reply_error("%s", why);
	uint8_t	*buf;
	size_t	 len;

	if ((buf = proto_encode(rep, &len, NULL)) != NULL) {
		(void)send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(buf);
	}
	json_decref(rep);
	close(fd);
}

static void
ctl_accept(int lfd, int events, void *arg)
{
	struct ctl	*c = arg;
	char		 why[128];
	uid_t		 uid;
	int		 fd, i;

	(void)events;
	for (i = 0; i < 16; i++) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("%s: accept", __func__);
			return;
		}
		if (!ctl_allowed(c, fd, &uid)) {
			ctl_reject(fd, "access denied");
			continue;
		}
		if (ctl_admit(c, uid, why, sizeof(why)) == -1) {
			ctl_reject(fd, why);
			continue;
		}
		if (ctl_adopt(c, fd) == -1) {
			log_warn("%s: adopt", __func__);
			close(fd);
		}
	}
}

int
ctl_listen(struct ctl *c, const char *path, gid_t gid, char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	char			*dir;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return cause_set(cause, "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);

	/* A socket that answers belongs to a running netd. */
	if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			return cause_set(cause, "%s: another berth-netd is "
			    "serving there", path);
		}
		close(probe);
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return cause_set(cause, "%s: %s", path, strerror(errno));
	if ((dir = strrchr(path, '/')) != NULL && dir != path) {
		dir = xstrndup(path, (size_t)(dir - path));
		if (util_mkdir_p(dir, 0755) == -1) {
			cause_set(cause, "%s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return cause_set(cause, "socket: %s", strerror(errno));
	(void)util_set_cloexec(fd);
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	umask(old);
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) ||
	    chmod(path, 0660) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 64) == -1 || util_set_nonblock(fd) == -1) {
		cause_set(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (ev_add(c->ev, fd, EV_READ, ctl_accept, c) == -1) {
		cause_set(cause, "ev_add: %s", strerror(errno));
		goto fail;
	}
	c->lfd = fd;
	c->gid = gid;
	c->path = xstrdup(path);
	return 0;
fail:
	close(fd);
	(void)unlink(path);
	return -1;
}

void
ctl_free(struct ctl *c)
{
	struct ctl_client	*cl;

	if (c == NULL)
		return;
	if (c->lfd != -1) {
		ev_del(c->ev, c->lfd);
		close(c->lfd);
		(void)unlink(c->path);
	}
	while (c->clients != NULL) {
		cl = c->clients;
		c->clients = cl->next;	/* unlinked here, freed below */
		(void)ctl_client_flush(cl);
		ctl_client_free(cl);
	}
	free(c->path);
	free(c);
}

/*
 * DOC: nobody stalls the socket
 * A client holds a slot from connect to close, and there are
 * CTL_MAX_CLIENTS. So that no one can take them all: a uid that is not
 * root or netd's own may hold CTL_MAX_PER_UID, and all such uids
 * together leave CTL_RESERVED free; when root (or netd's uid) finds the
 * socket full, the client idle longest is closed to make room. A
 * client that sends and receives nothing for idle_ms (CTL_IDLE_MS) is
 * closed, with or without half a frame (a slow writer is idle too).
 */
static int
ctl_admit(struct ctl *c, uid_t uid, char *why, size_t len)
{
	struct ctl_client	*cl, *oldest = NULL;
	int			 priv = uid == 0 || uid == geteuid();
	int			 mine = 0, others = 0;

	for (cl = c->clients; cl != NULL; cl = cl->next) {
		if (cl->uid == uid)
			mine++;
		if (!cl->priv)
			others++;
		if (buf_len(&cl->wb) == 0 && buf_len(&cl->rb) == 0 &&
		    cl != c->cur &&
		    (oldest == NULL || (oldest->priv && !cl->priv) ||
		    (oldest->priv == cl->priv && cl->last_ms <
		    oldest->last_ms)))
			oldest = cl;
	}
	if (!priv && mine >= CTL_MAX_PER_UID) {
		snprintf(why, len, "too many connections from uid %ld (at "
		    "most %d)", (long)uid, CTL_MAX_PER_UID);
		return -1;
	}
	if (!priv && others >= CTL_MAX_CLIENTS - CTL_RESERVED) {
		snprintf(why, len, "too many clients");
		return -1;
	}
	if (c->nclients < CTL_MAX_CLIENTS)
		return 0;
	if (!priv || oldest == NULL) {
		snprintf(why, len, "too many clients");
		return -1;
	}
	log_info("%s: full; closing an idle client of uid %ld for uid %ld",
	    __func__, (long)oldest->uid, (long)uid);
	ctl_client_free(oldest);
	return 0;
}

/*
 * Close the clients idle for idle_ms. Called every loop round; returns
 * the ms until it has work again (-1: no clients).
 */
int
ctl_tick(struct ctl *c, long long now)
{
	struct ctl_client	*cl, *next;
	long long		 soonest = -1, due;

	if (c->clients == NULL)
		return -1;
	if (now < c->next_ms)
		return (int)(c->next_ms - now);
	for (cl = c->clients; cl != NULL; cl = next) {
		next = cl->next;
		due = cl->last_ms + c->idle_ms;
		if (due <= now) {
			log_debug("%s: fd %d (uid %ld) idle; closed", __func__,
			    cl->fd, (long)cl->uid);
			ctl_client_free(cl);
			continue;
		}
		if (soonest == -1 || due < soonest)
			soonest = due;
	}
	if (soonest == -1)
		return -1;
	c->next_ms = soonest;
	return (int)(soonest - now);
}

/* Who sent the request being handled (for ops that act on a pid). */
int
ctl_peer_pid(const struct ctl *c, pid_t *pid)
{
	struct os_peer	 p;

	if (c == NULL || c->cur == NULL || os_peer(c->cur->fd, &p) == -1 ||
	    p.pid <= 0)
		return -1;
	*pid = p.pid;
	return 0;
}
