/* SPDX-License-Identifier: ISC */
/*
 * fw_pf.c - pf jobs: the pfctl runs pfrules/pf.c lists for start,
 * change and stop (pfr_pf_start and co.; research/macos.md §3): macOS;
 * FreeBSD's pf would share it.
 *
 * DOC: enabling pf without taking it from others
 * pf is off by default on macOS and shared with the system and other
 * tools, so netd takes a reference with `pfctl -E` (its output carries
 * "Token : N"), keeps the token in its state file, and gives the
 * reference back with `pfctl -X N` at stop; it never runs `pfctl -d`,
 * which would switch pf off under everyone else. Unloading flushes each
 * of its anchors (`pfctl -a ANCHOR -F all`).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "xmalloc.h"

/* The jobs of pfrules' pfctl runs (pfr_pf_start, _change, _stop). */
static struct fw_job *
fw_pf_jobs(struct pfr_cmd *cmds, size_t n)
{
	struct fw_job	*jobs = NULL, **tail = &jobs;
	size_t		 i;

	for (i = 0; i < n; i++) {
		*tail = fw_job_argv(cmds[i].input, "pfctl",
		    (const char *const *)cmds[i].argv);
		(*tail)->token = cmds[i].token;
		tail = &(*tail)->next;
	}
	pfr_cmds_free(cmds, n);
	if (jobs == NULL)	/* nothing to do: an empty, harmless job */
		jobs = fw_job_argv(NULL, "true", NULL);
	return jobs;
}

static struct fw_job *
fw_pf_load(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	struct pfr_cmd	*cmds;
	size_t		 n;

	if (pfr_pf_start(rs, token == NULL || *token == '\0', &cmds, &n,
	    cause) == -1)
		return NULL;
	return fw_pf_jobs(cmds, n);
}

static struct fw_job *
fw_pf_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **cause)
{
	struct pfr_cmd	*cmds;
	size_t		 n;

	if (pfr_pf_change(rs, c, ports, nports, add, &cmds, &n, cause) == -1)
		return NULL;
	return fw_pf_jobs(cmds, n);
}

static struct fw_job *
fw_pf_unload(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	struct pfr_cmd	*cmds;
	size_t		 n;

	if (pfr_pf_stop(rs, token, &cmds, &n, cause) == -1)
		return NULL;
	return fw_pf_jobs(cmds, n);
}

static char *
fw_pf_token(const char *output)
{
	const char	*p;
	size_t		 n = 0;

	if (output == NULL || (p = strstr(output, "Token : ")) == NULL)
		return NULL;
	p += strlen("Token : ");
	while (isdigit((unsigned char)p[n]))
		n++;
	return n > 0 ? xstrndup(p, n) : NULL;
}

const struct fw_backend fw_pf = {
	"pf",
	fw_pf_load,
	fw_pf_change,
	fw_pf_unload,
	fw_pf_token,
	NULL,			/* no session: one pfctl per change */
	NULL,
	NULL,
	NULL,			/* macOS: utun packets reach netd anyway */
	0,			/* no nfnetlink */
};
