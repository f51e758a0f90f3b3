/* SPDX-License-Identifier: ISC */
/*
 * ctl.h - the control socket: clients, framing, access.
 */
#ifndef BERTH_CTL_H
#define BERTH_CTL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CTL_MAX_CLIENTS	256
#define CTL_MAX_WBUF	(8 * 1024 * 1024)	/* unread replies */
#define CTL_MAX_PER_UID	64	/* clients of one uid but root/netd's */
#define CTL_RESERVED	16	/* slots only root and netd's uid get */
#define CTL_IDLE_MS	60000	/* a silent client is closed */
#define CTL_PAGE_SIZE	(512 * 1024)	/* data per page of a long reply */
#define CTL_PAGE_AHEAD	(2 * 1024 * 1024)	/* pages queued, at most */

struct ctl;
struct ev;

/*
 * Answer one request (op and args are checked to be a string and an
 * object). Returns the reply, a new reference. Setting *close asks for
 * the connection to be closed once the reply is sent.
 */
typedef json_t	*(*ctl_handler)(void *arg, const char *op, json_t *args,
		    int *close);
/*
 * *close may also be CTL_HANDOFF: the connection stops being a control
 * connection after this reply and is given, with the reply bytes not
 * yet sent, to the handoff function (a capture stream). The handler
 * must have set up, before returning, whatever the function needs.
 * A client gone before that (the reply could not be sent) is "given"
 * as fd -1, so that what the handler set up is let go.
 */
#define CTL_HANDOFF	2
typedef void	(*ctl_handoff_fn)(void *arg, int fd, const uint8_t *unsent,
		    size_t len);

struct ctl	*ctl_new(struct ev *, ctl_handler, void *arg);
/*
 * Listen on path (a stale socket is replaced; a live one is an error),
 * mode 0660, group gid unless (gid_t)-1. Peers must be root, netd's
 * own uid, or members of gid.
 */
int		 ctl_listen(struct ctl *, const char *path, gid_t gid,
		    char **cause);
/* Serve an already connected socket (tests use a socketpair). */
int		 ctl_adopt(struct ctl *, int fd);
int		 ctl_nclients(const struct ctl *);
/* The uid of the peer whose request is being handled (netd's outside). */
uid_t		 ctl_peer_uid(const struct ctl *);
/* Close idle clients; returns ms until the next check, -1 none. */
int		 ctl_tick(struct ctl *, long long now_ms);
void		 ctl_set_handoff(struct ctl *, ctl_handoff_fn);
/*
 * Called after a client's requests were handled and before their
 * replies are written (netd writes its state file there: an answered
 * change is never lost by a crash).
 */
void		 ctl_set_commit(struct ctl *, void (*)(void *arg));
/* The pid of the peer whose request is being handled; -1 if unknown. */
int		 ctl_peer_pid(const struct ctl *, pid_t *);
/* Try once more to send what is queued (before exit), then free. */
void		 ctl_free(struct ctl *);

#endif
