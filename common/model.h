/* SPDX-License-Identifier: ISC */
/*
 * model.h - containers as data: what create asks for (struct ctr_spec)
 * and what netd reports (struct ctr_info), with their one JSON codec,
 * shared by the CLI, netd's ops and its state file (docs/protocol.md,
 * "The container object").
 *
 * DOC: parse, then apply
 * ctr_spec_parse checks everything that needs no netd: types, names,
 * the address's syntax, port specifications (and that none is given
 * twice), the networks' names (duplicates dropped), the meta object's
 * size. What needs netd (a taken name, a free address, a free host port,
 * an existing network) is checked when netd applies the spec. Errors of
 * the first kind are the caller's (bad_args); of the second, conflicts.
 */
#ifndef BERTH_MODEL_H
#define BERTH_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"
#include "linkspec.h"
#include "name.h"
#include "port.h"

#define CTR_MAX_PORTS	64		/* port specs per container */
#define CTR_MAX_NETS	16		/* networks per container */
#define CTR_META_MAX	(64 * 1024)	/* bytes of meta, as JSON */
#define CTR_TUN_MAX	16

enum ctr_state {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_EXITED,
};

struct ctr_spec {
	char		 name[NAME_MAX_LEN + 1];
	uint32_t	 addr;		/* 0: the next free one */
	char		**networks;	/* none given: "default" */
	size_t		 nnetworks;
	struct portspec	*ports;
	size_t		 nports;
	char		*stack;		/* or NULL */
	char		*service;	/* or NULL */
	json_t		*meta;		/* an object, the CLI's */
};

struct ctr_info {
	struct ctr_spec	 spec;		/* addr: its address */
	char		 tun[CTR_TUN_MAX];
	enum ctr_state	 state;
	long long	 pid, pid_start;	/* pid 0: none reported */
	long long	 exit_code;
	int		 has_exit;
	long long	 created;
	long long	 uid;		/* the creator, -1 unknown */
};

#define CTR_EXIT_MAX	255		/* exit status or 128 + signal */

/* create's arguments; -1 with *cause naming the field. */
int		 ctr_spec_parse(json_t *, struct ctr_spec *, char **cause);
/* Put the spec's fields into obj (the create request, or a report). */
void		 ctr_spec_to_json(const struct ctr_spec *, json_t *obj);
void		 ctr_spec_clear(struct ctr_spec *);

/* The container object (list, inspect, the state file). */
json_t		*ctr_info_to_json(const struct ctr_info *);
int		 ctr_info_parse(json_t *, struct ctr_info *, char **cause);
void		 ctr_info_clear(struct ctr_info *);
/* The brief container (list {"brief": true}): what berth ps's table shows. */
json_t		*ctr_brief_to_json(const struct ctr_info *);
int		 ctr_brief_parse(json_t *, struct ctr_info *, char **cause);
const char	*ctr_state_name(enum ctr_state);

/* A network as net_list and net_create report it. */
struct net_info {
	char		 name[NAME_MAX_LEN + 1];
	int		 internal;	/* no way out of the pool */
};

json_t		*net_info_to_json(const struct net_info *);
int		 net_info_parse(json_t *, struct net_info *, char **cause);
/* net_list's array; *nets (may be NULL when none) is the caller's. */
int		 net_infos_parse(json_t *, struct net_info **nets, size_t *n,
		    char **cause);

/*
 * What hello says about netd (docs/protocol.md): the fields programs
 * use. netd's reply carries more (router counters) beside them.
 */
struct netd_hello {
	long long	 version;
	struct cidr	 pool;
	uint32_t	 gateway;
	char		*prefix;
	long long	 pid;
	long long	 table;
	char		*gateway_tun;
	char		*state_dir;
	long long	 containers;
	char		*enforce;	/* "cgroup-bpf" or "interposer" */
	int		 dns;		/* DNS answers on the gateway */
	char		*degraded;	/* why netd runs degraded, or NULL */
	char		*cgroup;	/* the directory of the containers'
					   cgroups (cgroup-bpf), or NULL */
};

json_t		*netd_hello_to_json(const struct netd_hello *);
/* Absent fields stay 0/NULL (an older netd); dns absent is on. */
int		 netd_hello_parse(json_t *, struct netd_hello *, char **cause);
void		 netd_hello_clear(struct netd_hello *);

/*
 * A link entry as link_set asks for it and the state file keeps it:
 * containers by name, b empty for all of a's traffic (docs/links.md).
 */
struct link_req {
	char			 a[NAME_MAX_LEN + 1];
	char			 b[NAME_MAX_LEN + 1];	/* "": a's own */
	int			 oneway;		/* a to b only */
	struct link_profile	 p;
};

/* {a, b?, oneway?, profile?}; an absent profile is an unimpaired one. */
int		 link_req_parse(json_t *, struct link_req *, char **cause);
json_t		*link_req_to_json(const struct link_req *);

#endif
