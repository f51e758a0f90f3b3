/* SPDX-License-Identifier: ISC */
/*
 * hostdns.h - the host resolves *.berth: netd tells the host's resolver
 * about its DNS server, and takes it back at stop.
 *
 * Linux (hostdns_linux.c): with systemd-resolved running, per-link DNS
 * on the gateway interface (resolvectl dns/domain ~berth/default-route
 * false; resolved forgets it with the link); otherwise a block
 * "# BEGIN berth PREFIX" ... "# END berth PREFIX" in /etc/hosts that
 * lists every container, rewritten atomically after each change (with
 * a writer thread, at most once per 100 ms).
 * macOS (hostdns_darwin.c): /etc/resolver/berth, "nameserver GATEWAY".
 */
#ifndef BERTH_HOSTDNS_H
#define BERTH_HOSTDNS_H

#include <stdint.h>

struct dns_zone;
struct hostdns;

enum hostdns_mode {
	HOSTDNS_AUTO,		/* this OS's best: resolved, else hosts */
	HOSTDNS_RESOLVER,	/* resolved (Linux), /etc/resolver (macOS) */
	HOSTDNS_HOSTS,		/* the hosts file block */
	HOSTDNS_OFF,		/* leave the host alone */
};

struct hostdns_conf {
	enum hostdns_mode	 mode;
	const char		*prefix;	/* names the hosts block */
	const char		*ifname;	/* the gateway interface */
	uint32_t		 gateway;	/* the DNS server's address */
	const char		*hosts;		/* NULL: /etc/hosts */
	const char		*resolver;	/* NULL: /etc/resolver/berth */
	int			 async;		/* write on a thread (Linux's
						   hosts block) */
};

/*
 * Point the host at the server (the gateway interface must be up).
 * NULL with *cause on failure; netd goes on without host names then.
 */
struct hostdns	*hostdns_start(const struct hostdns_conf *, char **cause);
/*
 * The zone changed (a container was added or removed): bring the hosts
 * block up to date. A no-op for the resolver modes, which ask the
 * server. 0, or -1 with *cause.
 */
int		 hostdns_sync(struct hostdns *, const struct dns_zone *,
		    char **cause);
/*
 * With conf->async: a write is still in flight (a sync now would wait
 * for it); call sync again once it is not. 0 without a thread.
 */
int		 hostdns_busy(struct hostdns *);
/*
 * With conf->async: milliseconds to wait before the next sync (a write
 * in flight, or the last one started less than 100 ms ago); 0 when a
 * sync now writes at once, and always 0 without a thread. A change is
 * in the file at most 100 ms (or one write, if that takes longer) plus
 * one write after it was made, if the caller syncs when this says so.
 */
int		 hostdns_hold_ms(struct hostdns *);
/* Undo what start and sync did (after the last write); free. */
void		 hostdns_stop(struct hostdns *);
/*
 * After a crash: remove what an instance with this configuration may
 * have left (its hosts block, its resolver file). 0, or -1 with *cause.
 */
int		 hostdns_cleanup(const struct hostdns_conf *, char **cause);
/* The mode in use: "resolved", "hosts", "resolver", "off". */
const char	*hostdns_mode_name(const struct hostdns *);

#endif
