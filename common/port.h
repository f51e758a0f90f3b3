/* SPDX-License-Identifier: ISC */
/*
 * port.h - published port specifications, docker style:
 *
 *	[hostip:]hostport[-end]:ctrport[-end][/tcp|/udp][,proxy]
 *
 * ",proxy" asks for the userspace proxy instead of the kernel path.
 */
#ifndef BERTH_PORT_H
#define BERTH_PORT_H

#include <stdbool.h>
#include <stdint.h>

#define PORTSPEC_STRLEN	64

#define PORT_TCP	6	/* IPPROTO_TCP */
#define PORT_UDP	17	/* IPPROTO_UDP */

#define PORTSPEC_PROXY	0x01	/* use the userspace proxy */

struct portspec {
	uint32_t	 host_addr;	/* host order; 0 = every host address */
	uint16_t	 host_lo, host_hi;
	uint16_t	 ctr_lo, ctr_hi;
	uint8_t		 proto;		/* PORT_TCP or PORT_UDP */
	uint8_t		 flags;		/* PORTSPEC_* */
};

int	 portspec_parse(const char *s, struct portspec *out, char **cause);
/* Canonical text form, parseable by portspec_parse(). */
const char *portspec_fmt(const struct portspec *p, char buf[PORTSPEC_STRLEN]);
const char *port_proto_name(uint8_t proto);
/* true when both would claim the same host address, protocol and port. */
bool	 portspec_conflict(const struct portspec *a,
	    const struct portspec *b);

#endif
