/* SPDX-License-Identifier: ISC */
/*
 * compose.h - docker-compose files as berth stacks (see compose.c).
 */
#ifndef BERTH_COMPOSE_H
#define BERTH_COMPOSE_H

#include <jansson.h>

/* Is root (read from fname) a compose file rather than a berth stack? */
int	 compose_is(json_t *root, const char *fname);
/* The berth stack a compose file means; NULL with *cause (a path). */
json_t	*compose_to_stack(json_t *root, const char *fname, char **cause);
/* compose's project name for fname: its directory, as a DNS label. */
char	*compose_project_name(const char *fname);
/* docker's --env-file format into obj (KEY -> VALUE). */
int	 compose_env_file(const char *path, json_t *obj, char **cause);
int	 compose_env_key(const char *);

#endif
