/* SPDX-License-Identifier: ISC */
/*
 * trust.c - who may change what through the control socket.
 *
 * DOC: the trust model (docs/security.md has the whole of it)
 * Anyone who may connect (root, netd's uid, members of the socket's
 * group) may create containers and networks and read everything. netd
 * records who created a container: the uid of the peer (SO_PEERCRED /
 * LOCAL_PEERCRED), never a value the client sends. Only that uid, root
 * or netd's own uid may report on the container ("started", "exited")
 * or delete it, and only root or netd's uid may shut netd down.
 *
 * A pid given with "started" is recorded only when it names a live (or
 * not yet reaped) process whose start time is the one given, so no
 * pid_start of 0 or a guess matches; a peer that is not privileged may
 * only name its own processes (real uid). What the CLI later signals is
 * therefore a process of the container's creator, or nothing.
 */
#include <limits.h>
#include <unistd.h>

#include "ctl.h"
#include "netd.h"
#include "proc.h"
#include "proto.h"
#include "util.h"

static uid_t
trust_peer(struct netd *d)
{
	return d->ctl != NULL ? ctl_peer_uid(d->ctl) : geteuid();
}

static int
trust_privileged(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* The uid a new container is recorded with: the peer's. */
long long
trust_creator(struct netd *d)
{
	return (long long)trust_peer(d);
}

/* NULL when the peer may "verb" c, else an error reply (new ref). */
json_t *
trust_owner(struct netd *d, const struct ctr *c, const char *verb)
{
	uid_t	 u = trust_peer(d);

	if (trust_privileged(u) || (c->uid >= 0 && (uid_t)c->uid == u))
		return NULL;
	if (c->uid < 0)
		return proto_reply_error("uid %ld may not %s \"%s\": its "
		    "creator is not known, only root may", (long)u, verb,
		    c->name);
	return proto_reply_error("uid %ld may not %s \"%s\": it belongs to "
	    "uid %lld", (long)u, verb, c->name, c->uid);
}

/* NULL when the peer may shut netd down, else an error reply. */
json_t *
trust_shutdown(struct netd *d)
{
	uid_t	 u = trust_peer(d);

	if (trust_privileged(u))
		return NULL;
	return proto_reply_error("uid %ld may not shut netd down: only root "
	    "or netd's uid may", (long)u);
}

/* A reported process: alive or unreaped, that start, the peer's own. */
int
trust_pid(struct netd *d, long long pid, long long start, char **cause)
{
	uid_t	 u = trust_peer(d), owner;

	if (pid > INT_MAX)
		return cause_set(cause, "pid %lld is out of range", pid);
	if (start <= 0)
		return cause_set(cause, "pid_start must be the process's "
		    "start time");
	if ((long long)proc_start((pid_t)pid) != start)
		return cause_set(cause, "process %lld does not exist or did "
		    "not start at %lld", pid, start);
	if (trust_privileged(u))
		return 0;
	if (proc_uid((pid_t)pid, &owner) == -1 || owner != u)
		return cause_set(cause, "process %lld does not belong to uid "
		    "%ld", pid, (long)u);
	return 0;
}
