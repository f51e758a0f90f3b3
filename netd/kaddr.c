/* SPDX-License-Identifier: ISC */
/*
 * kaddr.c - netd's side of kernel address enforcement: which
 * containers kern.h knows, when, and the "join" operation.
 *
 * DOC: when the kernel holds a container to its address
 * At start netd opens kern (Linux: cgroup2 + BPF); when that fails, or
 * BERTH_NETD_BPF=0, it says why in the log and runs as before: the
 * interposer alone. Every container netd has gets a cgroup and a map
 * entry (created, and after a restart from the state); the CLI asks
 * "join" for the process it is about to exec, which netd moves into
 * the cgroup after checking that the process is the caller's own
 * child. Deleting a container removes its entry and its cgroup once
 * empty; start and --cleanup sweep the empty cgroups no container owns.
 */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "log.h"
#include "netd.h"
#include "util.h"

static int
kaddr_keep(void *arg, const char *name)
{
	return netd_ctr_find(arg, name) != NULL;
}

void
kaddr_start(struct netd *d)
{
	const char	*e = getenv("BERTH_NETD_BPF");
	char		*cause = NULL;
	size_t		 i;

	kern_sweep(d->cfg.prefix, kaddr_keep, d);
	if (e != NULL && strcmp(e, "0") == 0) {
		log_info("%s: BERTH_NETD_BPF=0: the interposer alone",
		    __func__);
		return;
	}
	if ((d->kaddr = kern_open(d->cfg.prefix, &d->cfg.pool,
	    &cause)) == NULL) {
		log_warnx("%s: kernel enforcement off, the interposer alone: "
		    "%s", __func__, cause);
		free(cause);
		return;
	}
	for (i = 0; i < d->nctrs; i++)
		kaddr_ctr(d, d->ctrs[i], 1);
}

void
kaddr_stop(struct netd *d)
{
	kern_close(d->kaddr);
	d->kaddr = NULL;
	kern_sweep(d->cfg.prefix, NULL, NULL);
}

void
kaddr_cleanup(const struct netd_config *cfg)
{
	kern_sweep(cfg->prefix, NULL, NULL);
}

void
kaddr_ctr(struct netd *d, struct ctr *c, int add)
{
	char	*cause = NULL;

	if (d->kaddr == NULL)
		return;
	if (!add) {
		kern_ctr_del(d->kaddr, c->name);
		return;
	}
	if (kern_ctr_add(d->kaddr, c->name, c->addr, netd_ctr_nonat(d, c),
	    &cause) == -1) {
		/* join will fail and say so; the container stays */
		log_warnx("%s: \"%s\": %s", __func__, c->name, cause);
		free(cause);
	}
}

const char *
kaddr_mechanism(const struct netd *d)
{
	return kern_mechanism(d->kaddr);
}

const char *
kaddr_cgroup_dir(const struct netd *d)
{
	return kern_cgroup_dir(d->kaddr);
}

json_t *
kaddr_counts_json(struct netd *d, const struct ctr *c)
{
	struct kern_counts	 kc;

	if (kern_counts(d->kaddr, c->name, &kc) == -1)
		return json_null();
	return json_pack("{s:I, s:I, s:I}", "spoofed", (json_int_t)kc.spoofed,
	    "refused", (json_int_t)kc.refused, "rewritten",
	    (json_int_t)kc.rewritten);
}

int
kaddr_join(struct netd *d, const struct ctr *c, pid_t pid, pid_t parent,
    char **cause)
{
	if (d->kaddr == NULL)
		return cause_set(cause, "kernel enforcement is off");
	return kern_join(d->kaddr, c->name, pid, parent, cause);
}
