/* SPDX-License-Identifier: ISC */
/*
 * name.h - names of containers, services, stacks and networks.
 *
 * A name is a DNS label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?.  Names reach
 * interface descriptions, firewall comments and DNS, so nothing else is
 * accepted anywhere.
 */
#ifndef BERTH_NAME_H
#define BERTH_NAME_H

#define NAME_MAX_LEN	63

/*
 * name_check - 0 when s is a valid name; otherwise -1 and *cause says
 * why, quoting s safely ("what" names the field, e.g. "container name").
 */
int	 name_check(const char *s, const char *what, char **cause);
/* Copy at most n bytes of s into buf, escaping anything unprintable. */
const char *name_quote(const char *s, char *buf, unsigned long len);

#endif
