/* SPDX-License-Identifier: ISC */
/*
 * ctl_int.h - the control socket's insides, shared by ctl.c (the
 * listening socket, access, admission, idle clients) and ctl_client.c
 * (one client's framing, requests and replies).
 */
#ifndef BERTH_CTL_INT_H
#define BERTH_CTL_INT_H

#include <sys/types.h>

#include <jansson.h>

#include "buf.h"
#include "ctl.h"

struct ctl_client {
	struct ctl		*ctl;
	int			 fd;
	struct buf		 rb;		/* read, not yet parsed */
	struct buf		 wb;		/* replies, not yet sent */
	int			 closing;	/* no more reading */
	uid_t			 uid;		/* the peer's, at connect */
	int			 priv;		/* root or netd's uid */
	long long		 last_ms;	/* last byte in or out */
	json_t			*page;		/* a long list being sent */
	size_t			 page_i;	/* its next element */
	int			 handoff;	/* CTL_HANDOFF asked */
	struct ctl_client	*next;
};

struct ctl {
	struct ev		*ev;
	ctl_handler		 handler;
	ctl_handoff_fn		 handoff;
	void			(*commit)(void *);	/* ctl_set_commit */
	void			*arg;
	int			 lfd;
	char			*path;
	gid_t			 gid;
	struct ctl_client	*clients;
	int			 nclients;
	struct ctl_client	*cur;		/* whose request is handled */
	long long		 idle_ms;	/* close clients idle this long */
	long long		 next_ms;	/* next idle check */
};

/* ctl_client.c */
/* Write what can be written; 0 ok, -1 the client is gone. */
int	 ctl_client_flush(struct ctl_client *);
/* Forget the client and close its fd. */
void	 ctl_client_free(struct ctl_client *);

#endif
