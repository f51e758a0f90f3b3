/* SPDX-License-Identifier: ISC */
/*
 * linkops.h - the control operations of link emulation (linkops.c).
 */
#ifndef BERTH_LINKOPS_H
#define BERTH_LINKOPS_H

#include <jansson.h>

struct netd;

json_t	*ops_link_set(struct netd *, json_t *, int *);
json_t	*ops_link_rm(struct netd *, json_t *, int *);
json_t	*ops_link_list(struct netd *, json_t *, int *);
json_t	*ops_partition(struct netd *, json_t *, int *);
json_t	*ops_heal(struct netd *, json_t *, int *);
/* The state file's "links" (state.c). */
json_t	*linkops_state_json(const struct netd *);
void	 linkops_state_parse(struct netd *, json_t *);

#endif
