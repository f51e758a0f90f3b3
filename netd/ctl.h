/* SPDX-License-Identifier: ISC */
/*
 * ctl.h - the control socket: clients, framing, access.
 */
#ifndef BERTH_CTL_H
#define BERTH_CTL_H

#include <sys/types.h>

#include <jansson.h>

#define CTL_MAX_CLIENTS	256
#define CTL_MAX_WBUF	(8 * 1024 * 1024)	/* unread replies */

struct ctl;
struct ev;

/*
 * Answer one request (op and args are checked to be a string and an
 * object). Returns the reply, a new reference. Setting *close asks for
 * the connection to be closed once the reply is sent.
 */
typedef json_t	*(*ctl_handler)(void *arg, const char *op, json_t *args,
		    int *close);

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
/* The pid of the peer whose request is being handled; -1 if unknown. */
int		 ctl_peer_pid(const struct ctl *, pid_t *);
/* Try once more to send what is queued (before exit), then free. */
void		 ctl_free(struct ctl *);

#endif
