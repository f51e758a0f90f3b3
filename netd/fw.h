/* SPDX-License-Identifier: ISC */
/*
 * fw.h - loading the rules rendered by pfrules/ into the kernel firewall.
 *
 * Linux (fw_nft.c): `nft -f -` with the script on stdin; one table
 * (inet PREFIX) replaced atomically at start, container and port
 * elements added and deleted incrementally, the table deleted at stop.
 * macOS (fw_pf.c): `pfctl -a ANCHOR -f -` per anchor, `pfctl -E`
 * once with its token kept (in netd's state, so it is released after a
 * crash too) and `pfctl -X TOKEN` at stop; never `pfctl -d`. netd runs
 * the commands: libnftables is GPL-2 (research/linux.md §3.2f).
 *
 * Incremental changes run in order, after what is queued before them:
 * an exec of nft costs ~13 ms, most of the budget of a container start,
 * so on Linux netd sends each change's elements itself as one
 * nf_tables batch on its own netlink socket (fw_nl.h, at once: the
 * kernel applies it inside the send); where that cannot be had, a
 * session (nft -i), one long-lived process, takes every change on its
 * stdin instead (fw_session.c). If one fails, the whole ruleset is
 * loaded again (fw->reload).
 */
#ifndef BERTH_FW_H
#define BERTH_FW_H

#include <sys/types.h>

#include "pfrules.h"

struct ev;
struct fw;

struct fw_job {
	char		**argv;		/* argv[0]: program, found in
					   the system directories */
	char		 *input;	/* stdin, or NULL */
	int		  full;		/* loads everything */
	int		  token;	/* pfctl -E: keep the token */
	int		  session;	/* may go to the session instead */
	char		 *nl;		/* the same as an nfnetlink batch
					   (fw_nl.h), or NULL */
	size_t		  nllen;
	struct fw_job	 *next;
};

/* reload(arg) is called to load everything after an incremental failure. */
struct fw	*fw_new(struct ev *, void (*reload)(void *), void *arg);
/* Waits for the running job; queued ones are dropped. */
void		 fw_free(struct fw *);
/* The pf token (macOS), "" when none; restored from the state file. */
const char	*fw_token(const struct fw *);
void		 fw_set_token(struct fw *, const char *);
/* Synchronous: replace the loaded rules with the full ruleset. */
int		 fw_load(struct fw *, const struct pfr_ruleset *, char **cause);
/* Asynchronous: queue a full load (after a failure). */
void		 fw_reload(struct fw *, const struct pfr_ruleset *);
/* Asynchronous: add or delete one container and its published ports. */
int		 fw_change(struct fw *, const struct pfr_ruleset *,
		    const struct pfr_container *, const struct pfr_port *,
		    size_t nports, int add, char **cause);
/*
 * The sets of the direct path as rs marks its containers (direct,
 * peers). on: containers join (queued like any change); off: some leave
 * (synchronous, after everything queued; when it returns, no packet of
 * theirs skips the router any more). A back end without the sets does
 * nothing.
 */
int		 fw_direct(struct fw *, const struct pfr_ruleset *, int on,
		    char **cause);
/* Asynchronous: queue jobs (a failed one calls reload unless full). */
void		 fw_submit(struct fw *, struct fw_job *);
/* Run every queued job now (before unload, in tests). */
void		 fw_flush(struct fw *);
/* Synchronous: remove everything loaded (also after a crash). */
int		 fw_unload(struct fw *, const struct pfr_ruleset *, char **cause);

/* What the firewall runner did, for status and tests. */
struct fw_stats {
	unsigned long long	 spawns;	/* processes started */
	unsigned long long	 changes;	/* through the session */
	unsigned long long	 batches;	/* written to the session */
	unsigned long long	 failures;	/* batches that failed */
	unsigned long long	 restarts;	/* sessions that died */
	unsigned long long	 netlink;	/* changes sent as nfnetlink
						   batches */
	unsigned		 inflight;	/* batches not answered and
						   jobs not done */
	pid_t			 session;	/* its pid, -1 when none */
};
void		 fw_stats(const struct fw *, struct fw_stats *);

/* fw.c, for the OS files. */
/* A job: prog with args (NULL-terminated), input on its stdin. */
struct fw_job	*fw_job_argv(const char *input, const char *prog,
		    const char *const *args);
#define FW_ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })
void		 fw_jobs_free(struct fw_job *);

/*
 * A back end, named for its firewall (fw_nft.c, fw_pf.c): the jobs for
 * each operation. Both build everywhere; os_*.c picks this OS's (fw_os).
 */
struct fw_backend {
	const char	 *format;	/* "nft", "pf": what `rules` prints */
	struct fw_job	*(*load)(const struct pfr_ruleset *,
			    const char *token, char **cause);
	struct fw_job	*(*change)(const struct pfr_ruleset *,
			    const struct pfr_container *,
			    const struct pfr_port *, size_t nports, int add,
			    char **cause);
	struct fw_job	*(*unload)(const struct pfr_ruleset *,
			    const char *token, char **cause);
	/* The token in the output of `pfctl -E`, or NULL. */
	char		*(*token)(const char *output);
	/*
	 * The session, or NULL: a long-lived process reading changes on
	 * its stdin, one transaction per line; after each batch the fence
	 * is written, and its answer, a line starting with fence_reply,
	 * ends the batch. Any line starting with "Error" before it marks
	 * the batch failed.
	 */
	const char *const *session;
	const char	*fence;
	const char	*fence_reply;
	/* The direct path's sets (pfr_nft_direct), or NULL: none. */
	struct fw_job	*(*direct)(const struct pfr_ruleset *, int on,
			    char **cause);
	/* Changes may go as nf_tables batches instead (fw_nl.h). */
	int		  netlink;
};
extern const struct fw_backend	 fw_nft;
extern const struct fw_backend	 fw_pf;
extern const struct fw_backend	*const fw_os;
/* Another back end than fw_os (tests). */
void		 fw_set_backend(struct fw *, const struct fw_backend *);
/* Off: no nfnetlink batches (BERTH_NETD_NFNETLINK=0); on: if it can. */
void		 fw_set_netlink(struct fw *, int on);

#endif
