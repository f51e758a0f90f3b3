/* SPDX-License-Identifier: ISC */
/*
 * fw_nft.c - nftables jobs: `nft -f -` with scripts from pfrules/nft.c.
 *
 * DOC: one transaction per change
 * nft applies a whole script as one transaction, so a container and all
 * its published ports go in (or out) together, and the full render
 * (table; delete table; table {...}) replaces the table atomically.
 *
 * DOC: the nft session
 * Container changes go to one `nft -i` netd keeps running (fw.c): each
 * change is one line (its commands joined by ";"), which nft applies as
 * one transaction, so a container and its ports still go together.
 * `describe meta mark` is the fence: nft answers it locally, without a
 * netlink round trip, with one line on stdout after every earlier line
 * is done.
 */
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "xmalloc.h"

static struct fw_job *
fw_nft_job(char *script)
{
	struct fw_job	*j;

	j = fw_job_argv(script, "nft", FW_ARGS("-f", "-"));
	free(script);
	return j;
}

static const char *const fw_nft_session[] = { "nft", "-i", NULL };

static struct fw_job *
fw_nft_load(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	char	*s;

	(void)token;
	if ((s = pfr_nft_render(rs, cause)) == NULL)
		return NULL;
	return fw_nft_job(s);
}

static void
fw_nft_append(char **script, char *s)
{
	size_t	 a = strlen(*script), b = strlen(s);

	*script = xreallocarray(*script, 1, a + b + 1);
	memcpy(*script + a, s, b + 1);
	free(s);
}

static struct fw_job *
fw_nft_change(const struct pfr_ruleset *rs, const struct pfr_container *c,
    const struct pfr_port *ports, size_t nports, int add, char **cause)
{
	char	*script = xstrdup(""), *s;
	size_t	 i;

	if (add) {
		if ((s = pfr_nft_container(rs, c, 1, cause)) == NULL)
			goto fail;
		fw_nft_append(&script, s);
	}
	for (i = 0; i < nports; i++) {
		if ((s = pfr_nft_port(rs, &ports[i], add, cause)) == NULL)
			goto fail;
		fw_nft_append(&script, s);
	}
	if (!add) {
		if ((s = pfr_nft_container(rs, c, 0, cause)) == NULL)
			goto fail;
		fw_nft_append(&script, s);
	}
	return fw_nft_job(script);
fail:
	free(script);
	return NULL;
}

static struct fw_job *
fw_nft_direct(const struct pfr_ruleset *rs, int on, char **cause)
{
	char	*s;

	(void)on;	/* the sets follow rs */
	if ((s = pfr_nft_direct(rs, cause)) == NULL)
		return NULL;
	return fw_nft_job(s);
}

static struct fw_job *
fw_nft_unload(const struct pfr_ruleset *rs, const char *token, char **cause)
{
	char	*s;

	(void)token;
	if ((s = pfr_nft_delete(rs, cause)) == NULL)
		return NULL;
	return fw_nft_job(s);
}

static char *
fw_nft_token(const char *output)
{
	(void)output;
	return NULL;
}

const struct fw_backend fw_nft = {
	"nft",
	fw_nft_load,
	fw_nft_change,
	fw_nft_unload,
	fw_nft_token,
	fw_nft_session,
	"describe meta mark\n",
	"meta expression",
	fw_nft_direct,
	1,
};
