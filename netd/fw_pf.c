/* SPDX-License-Identifier: ISC */
/*
 * fw_pf.c - pf jobs: `pfctl -a ANCHOR -f -` per anchor rendered by
 * pfrules/pf.c (research/macos.md §3): macOS; FreeBSD's pf would
 * share it.
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

static void
fw_pf_push(struct fw_job ***tail, struct fw_job *j)
{
	**tail = j;
	*tail = &j->next;
}

static struct fw_job *
fw_pf_load(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	struct pfr_anchor	*a;
	struct fw_job		*jobs = NULL, **tail = &jobs, *j;
	size_t			 n, i;

	if (pfr_pf_render(rs, &a, &n, cause) == -1)
		return NULL;
	if (token == NULL || *token == '\0') {
		j = fw_job_argv(NULL, "pfctl", FW_ARGS("-E"));
		j->token = 1;
		fw_pf_push(&tail, j);
	}
	for (i = 0; i < n; i++)
		fw_pf_push(&tail, fw_job_argv(a[i].text, "pfctl", FW_ARGS("-a",
		    a[i].path, "-f", "-")));
	pfr_anchors_free(a, n);
	return jobs;
}

static struct fw_job *
fw_pf_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **cause)
{
	struct pfr_anchor	 a;
	struct fw_job		*jobs = NULL, **tail = &jobs;
	char			**argv;
	size_t			 i;

	if (pfr_pf_container(rs, c, add, &argv, cause) == -1)
		return NULL;
	if (argv != NULL) {
		fw_pf_push(&tail, fw_job_argv(NULL, "pfctl",
		    (const char *const *)argv));
		pfr_argv_free(argv);
	}
	for (i = 0; i < nports; i++) {
		if (pfr_pf_port(rs, &ports[i], &a, cause) == -1) {
			fw_jobs_free(jobs);
			return NULL;
		}
		if (add)
			fw_pf_push(&tail, fw_job_argv(a.text, "pfctl",
			    FW_ARGS("-a", a.path, "-f", "-")));
		else
			fw_pf_push(&tail, fw_job_argv(NULL, "pfctl",
			    FW_ARGS("-a", a.path, "-F", "all")));
		free(a.path);
		free(a.text);
	}
	if (jobs == NULL)	/* nothing to do: an empty, harmless job */
		jobs = fw_job_argv(NULL, "true", NULL);
	return jobs;
}

static struct fw_job *
fw_pf_unload(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	struct pfr_anchor	*a;
	struct fw_job		*jobs = NULL, **tail = &jobs;
	size_t			 n, i;

	if (pfr_pf_render(rs, &a, &n, cause) == -1)
		return NULL;
	/* Children first, the anchor that calls them last. */
	for (i = n; i-- > 0; )
		fw_pf_push(&tail, fw_job_argv(NULL, "pfctl",
		    FW_ARGS("-a", a[i].path, "-F", "all")));
	pfr_anchors_free(a, n);
	if (token != NULL && *token != '\0')
		fw_pf_push(&tail, fw_job_argv(NULL, "pfctl",
		    FW_ARGS("-X", token)));
	return jobs;
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
};
