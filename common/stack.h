/* SPDX-License-Identifier: ISC */
/*
 * stack.h - the stack file (berth up -f FILE), parsed into one struct.
 *
 * stack_load()/stack_parse() validate every field; nothing in the
 * result needs checking again (pfrules still quotes what it prints).
 * Unknown keys are refused with their path ("services.web.portz").
 */
#ifndef BERTH_STACK_H
#define BERTH_STACK_H

#include <stddef.h>

#include <jansson.h>
#include <stdint.h>

#include "addr.h"
#include "linkspec.h"
#include "port.h"

#define STACK_MAX_SERVICES	1024
#define STACK_MAX_FILE		(4 * 1024 * 1024)

struct stack_network {
	char		*name;
	int		 internal;	/* no egress NAT */
};

struct stack_env {
	char		*key;
	char		*value;
};

struct stack_health {
	int		 set;
	uint16_t	 tcp_port;	/* container port to connect to */
	char		**cmd;		/* or: run in the container, 0 = ok */
	size_t		 ncmd;
	unsigned int	 interval_ms;	/* default 100 */
	unsigned int	 retries;	/* default 50 */
};

struct stack_service {
	char		 *name;		/* service name (DNS label) */
	char		 *container_name; /* default STACK-SERVICE */
	char		**command;	/* argv, NULL-terminated, >= 1 */
	size_t		  ncommand;
	char		**networks;	/* names of stack networks */
	size_t		  nnetworks;
	struct portspec	 *ports;
	size_t		  nports;
	uint32_t	  ip;		/* host order; 0 = allocate */
	char		 *rootfs;	/* resolved against the file's dir */
	char		 *user;
	char		 *workdir;
	struct stack_env *env;
	size_t		  nenv;
	struct stack_env *labels;	/* for policy selectors */
	size_t		  nlabels;
	char		**depends_on;	/* service names */
	size_t		  ndepends_on;
	struct stack_health health;
	char		 *restart;	/* no|always|unless-stopped|on-failure */
};

struct stack_link {
	char		*a, *b;		/* services; b NULL: all of a's */
	int		 oneway;	/* from a to b only */
	struct link_profile p;
};

/* "capture": berth up records the stack's packets (berth capture). */
struct stack_capture {
	char		*file;		/* relative to the stack file */
	char		*filter;	/* NULL: everything */
	unsigned int	 rotate_mb;	/* a new file after this many MB */
	unsigned int	 files;		/* 0: keep every file */
};

struct stack {
	char		 *name;		/* default: file name without .json */
	struct cidr	  pool;
	int		  pool_set;	/* pool given in the file */
	struct stack_network *networks;
	size_t		  nnetworks;
	struct stack_service *services;	/* in file order */
	size_t		  nservices;
	size_t		 *order;	/* indices in depends_on order */
	json_t		 *policy;	/* rules and NetworkPolicy objects,
					   checked (common/policy.h) */
	struct stack_link *links;
	size_t		  nlinks;
	struct stack_capture *capture;	/* NULL: none */
};

/* Parse text; fname is used for messages and the default stack name. */
struct stack *stack_parse(const char *text, size_t len, const char *fname,
	    char **cause);
/* Load a file; a stack without "pool" is in pool (NULL: the default),
 * the pool of the instance it is for. */
struct stack *stack_load(const char *path, const struct cidr *pool,
	    char **cause);
/* The berth stack JSON a file means (YAML read, compose mapped). */
struct json_t;
struct json_t *stack_load_json(const char *path, char **cause);
void	 stack_free(struct stack *);
const struct stack_service *stack_find(const struct stack *, const char *);
/* The stack's network net as netd names it: STACK-NET; "default" is
 * netd's own. */
int	 stack_net_name(const struct stack *, const char *net, char *buf,
	    size_t len, char **cause);
/*
 * The stack's policy entries as netd loads them: a rule's net:NAME,
 * NAME a network of the stack, becomes net:STACK-NAME. A new reference.
 */
json_t	*stack_policy_entries(const struct stack *);

#endif
