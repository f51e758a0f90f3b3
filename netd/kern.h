/* SPDX-License-Identifier: ISC */
/*
 * kern.h - the address, enforced by the kernel (Linux: cgroup v2 and
 * BPF, kern_linux.c; elsewhere kern_darwin.c says it is not there).
 *
 * One struct kern per netd instance: a cgroup of its own on the cgroup2
 * mount (berth-PREFIX) with the programs of bpf/berth.bpf.c attached,
 * and one child cgroup per container (berth-PREFIX/NAME) whose cgroup
 * id maps to the container's address. netd moves the container's
 * processes in (kern_join) before they exec; their children inherit
 * it. The links are netd's file descriptors: when netd exits the
 * programs go with it, and the next netd attaches them again and fills
 * the map from its state. Cgroups outlive a crash; kern_sweep() removes
 * the empty ones that no container owns.
 */
#ifndef BERTH_KERN_H
#define BERTH_KERN_H

#include <sys/types.h>

#include <stdint.h>

#include "addr.h"

struct kern;

struct kern_counts {
	uint64_t	 spoofed;	/* packets dropped: forged source */
	uint64_t	 refused;	/* bind/connect/sendmsg refused */
	uint64_t	 rewritten;	/* addresses rewritten */
};

/*
 * Load and attach for this instance. NULL with *cause when the kernel
 * cannot (no cgroup2, no BPF, not root): the interposer alone then.
 */
struct kern	*kern_open(const char *prefix, const struct cidr *pool,
		    char **cause);
/* Detach; remove the container cgroups that are empty, and ours. */
void		 kern_close(struct kern *);
/* A container's cgroup (made if missing) and its map entry. */
int		 kern_ctr_add(struct kern *, const char *name, uint32_t addr,
		    int internal, char **cause);
/* Forget a container: its map entry, and its cgroup when empty. */
void		 kern_ctr_del(struct kern *, const char *name);
/* Move pid into the container's cgroup; pid must be a child of parent. */
int		 kern_join(struct kern *, const char *name, pid_t pid,
		    pid_t parent, char **cause);
int		 kern_counts(struct kern *, const char *name,
		    struct kern_counts *);
/* What enforces addresses: "cgroup-bpf" (kern open) or "interposer". */
const char	*kern_mechanism(const struct kern *);
/* The directory holding the containers' cgroups (NAME below it), or NULL. */
const char	*kern_cgroup_dir(const struct kern *);
/*
 * Remove the empty cgroups of an instance whose container keep() does
 * not know (NULL: all), and the instance's cgroup when nothing is left.
 */
void		 kern_sweep(const char *prefix,
		    int (*keep)(void *, const char *), void *arg);

#endif
