/* SPDX-License-Identifier: ISC */
/*
 * kern_darwin.c - macOS has no cgroups or BPF socket hooks: the
 * interposer alone holds a container to its address there, and the
 * router drops egress whose source is not the utun's owner. kern_open()
 * says so; netd then runs without it.
 */
#include <errno.h>
#include <string.h>

#include "kern.h"
#include "util.h"

struct kern *
kern_open(const char *prefix, const struct cidr *pool, char **cause)
{
	(void)prefix;
	(void)pool;
	cause_set(cause, "not available on this system");
	return NULL;
}

void
kern_close(struct kern *k)
{
	(void)k;
}

int
kern_ctr_add(struct kern *k, const char *name, uint32_t addr, int internal,
    char **cause)
{
	(void)k; (void)name; (void)addr; (void)internal;
	return cause_set(cause, "not available on this system");
}

void
kern_ctr_del(struct kern *k, const char *name)
{
	(void)k;
	(void)name;
}

int
kern_join(struct kern *k, const char *name, pid_t pid, pid_t parent,
    char **cause)
{
	(void)k; (void)name; (void)pid; (void)parent;
	return cause_set(cause, "not available on this system");
}

int
kern_counts(struct kern *k, const char *name, struct kern_counts *kc)
{
	(void)k;
	(void)name;
	memset(kc, 0, sizeof(*kc));
	errno = ENOSYS;
	return -1;
}

const char *
kern_mechanism(const struct kern *k)
{
	(void)k;
	return "interposer";
}

const char *
kern_cgroup_dir(const struct kern *k)
{
	(void)k;
	return NULL;
}

void
kern_sweep(const char *prefix, int (*keep)(void *, const char *), void *arg)
{
	(void)prefix;
	(void)keep;
	(void)arg;
}
