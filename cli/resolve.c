/* SPDX-License-Identifier: ISC */
/*
 * resolve.c - a service name where a container name is expected.
 *
 * DOC: service names on the command line
 * As with compose, inside a stack's directory (a stack file there, see
 * resolve_stack_file()) or with berth -f FILE, the verbs that take a
 * container (logs, exec, stop, rm, inspect, port, start, restart, kill,
 * top, stats) also take the name of one of the stack's services. A
 * container name always wins; a service name is looked up only when no
 * container has that name, among the containers netd records for the
 * stack and service. Without a stack file, a name that is a service of
 * some running stack gets a hint instead of a bare "no such container".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"

/* The files up, down and service names look for, in this order. */
static const char *const resolve_defaults[] = {
	"berth.json", "berth.yaml", "berth.yml", "compose.yaml",
	"compose.yml", "docker-compose.yaml", "docker-compose.yml", NULL
};

/* -f FILE, or the first default file in the current directory. */
const char *
resolve_stack_file(void)
{
	size_t	 i;

	if (cli_cfg.file != NULL)
		return cli_cfg.file;
	for (i = 0; resolve_defaults[i] != NULL; i++) {
		if (access(resolve_defaults[i], R_OK) == 0)
			return resolve_defaults[i];
	}
	return NULL;
}

/*
 * After netd said "no such container" for name: the container of the
 * service of that name in the current stack. 0 with *ctr, or -1 with
 * *cause (replaced by a better message when there is one).
 */
int
resolve_service(const char *name, struct ctrview *v, char **cause)
{
	struct stack	*st = NULL;
	struct cidr	 pool;
	struct ctrviews	 vs;
	struct ctrview	*found;
	const char	*file, *other = NULL;
	char		*c2 = NULL;
	int		 rc = -1;

	memset(v, 0, sizeof(*v));
	memset(&vs, 0, sizeof(vs));

	if ((file = resolve_stack_file()) != NULL &&
	    (cli_pool(&pool, &c2) == -1 ||
	    (st = stack_load(file, &pool, &c2)) == NULL)) {
		if (cli_cfg.file != NULL) {
			free(*cause);
			*cause = c2;
			return -1;
		}
		free(c2);	/* a broken file nearby: keep netd's words */
		c2 = NULL;
	}
	if (ctrviews_list(&vs, &c2) == -1) {
		free(c2);
		goto out;
	}
	if ((found = ctrviews_find(&vs, st != NULL ? st->name : NULL, name,
	    &other)) != NULL) {
		/* moved out of the list */
		*v = *found;
		memset(found, 0, sizeof(*found));
		rc = 0;
		goto out;
	}
	if (other != NULL) {
		cause_set(cause, "no such container \"%s\" (a service of stack "
		    "\"%s\": run this in its directory, or berth -f FILE)",
		    name, other);
	}
out:
	ctrviews_clear(&vs);
	stack_free(st);
	return rc;
}
