/* SPDX-License-Identifier: ISC */
/*
 * ir.h - pfrules internals shared by the validator and the renderers:
 * a growing text buffer, per-field checks and the formatting of values
 * that reach rule text. Not for use outside pfrules/.
 */
#ifndef BERTH_PFRULES_IR_H
#define BERTH_PFRULES_IR_H

#include <stddef.h>
#include <stdint.h>

#include "pfrules.h"

#define PFR_IFNAME_MAX	15	/* IFNAMSIZ - 1 on Linux and macOS */
#define PFR_TABLE_MAX	31	/* sizeof(pfr_ruleset.name) - 1 */

/* Rule text being built; never NULL once printed to (xmalloc). */
struct pfr_buf {
	char	*s;
	size_t	 len, cap;
};

void	 pfr_buf_printf(struct pfr_buf *, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));
char	*pfr_buf_take(struct pfr_buf *);	/* "" when empty */

/* Field checks; -1 with *cause naming the field. */
int	 pfr_check_table(const char *name, char **cause);
int	 pfr_check_ifname(const char *name, const char *what, char **cause);
int	 pfr_check_name(const struct pfr_ruleset *, char **cause);
int	 pfr_check_head(const struct pfr_ruleset *, char **cause);
int	 pfr_check_container(const struct pfr_ruleset *,
	    const struct pfr_container *, char **cause);
int	 pfr_check_filter(const struct pfr_ruleset *,
	    const struct pfr_filter *, size_t i, char **cause);
int	 pfr_check_port(const struct pfr_ruleset *, const struct pfr_port *,
	    char **cause);

/* "8080/tcp", "127.0.0.1:9000-9005/udp": a port's host side. */
#define PFR_PORTDESC_LEN	40
const char *pfr_port_desc(const struct pfr_port *, char buf[PFR_PORTDESC_LEN]);
const char *pfr_proto_name(uint8_t proto);

#endif
