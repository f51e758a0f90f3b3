/* SPDX-License-Identifier: ISC */
/*
 * fuzz_state.c - libFuzzer entry for netd's state file.
 *
 * The input is a state file. state_parse() must take whatever it can
 * and drop the rest; what it took, written back with state_json() and
 * parsed again, must give the same containers and networks (the file
 * is a fixed point after one round), and every container must fit the
 * state file's caps (bounds.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_netd.h"
#include "netd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netd	*d, *d2;
	json_t		*j, *out, *out2;
	char		*cause = NULL;
	size_t		 i;

	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	d = fuzz_netd();
	if (state_parse(d, j, &cause) == -1) {
		if (cause == NULL)
			abort();
		free(cause);
		goto out;
	}
	if (d->nctrs > NETD_MAX_CTRS || d->nnets > NETD_MAX_NETWORKS)
		abort();
	for (i = 0; i < d->nctrs; i++)
		if (d->ctrs[i]->meta_len > NETD_META_MAX)
			abort();
	out = state_json(d);
	d2 = fuzz_netd();
	if (state_parse(d2, out, NULL) == -1 || d2->nctrs != d->nctrs ||
	    d2->nnets != d->nnets || d2->state_dropped != 0)
		abort();
	out2 = state_json(d2);
	if (!json_equal(out, out2))
		abort();
	json_decref(out);
	json_decref(out2);
	netd_free(d2);
out:
	netd_free(d);
	json_decref(j);
	return 0;
}
