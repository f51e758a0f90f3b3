/* SPDX-License-Identifier: ISC */
/*
 * yaml_json.h - a YAML document as a jansson value (libyaml).
 */
#ifndef BERTH_YAML_JSON_H
#define BERTH_YAML_JSON_H

#include <stddef.h>

#include <jansson.h>

/*
 * The one document of text as JSON; *lines (when not NULL) maps each
 * value's path ("services.web.ports[1]") to its line. NULL with *cause,
 * which names the line.
 */
json_t	*yaml_json_load(const char *text, size_t len, json_t **lines,
	    char **cause);
/* The line of the longest path msg starts with; 0 when none. */
size_t	 yaml_json_line(json_t *lines, const char *msg);

#endif
