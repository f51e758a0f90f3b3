/* SPDX-License-Identifier: ISC */
/*
 * tun.h - layer-3 tunnel interfaces whose packets netd reads and writes.
 *
 * Linux (tun_linux.c): /dev/net/tun, IFF_TUN | IFF_NO_PI, persistent, so
 * the interfaces and their addresses outlive a crashed netd and the
 * containers' sockets keep working across a restart; reopening a name
 * attaches to the existing interface. macOS (tun_darwin.c): utun through
 * the kernel control socket; the kernel picks the name (utunN) and
 * destroys the interface when the fd closes. Reads and writes carry one
 * bare IPv4 packet; the 4-byte address family header of utun, and on
 * Linux the virtio_net_hdr that carries a partial checksum, are added and
 * removed here.
 */
#ifndef BERTH_TUN_H
#define BERTH_TUN_H

#include <stddef.h>
#include <sys/types.h>

#include "packet.h"

#define TUN_NAMESIZ	16	/* IFNAMSIZ */

/*
 * Open (create or attach to) the tun named want; macOS ignores want and
 * returns a new utunN. The interface's name is written to ifname. The
 * fd is non-blocking and close-on-exec. Returns the fd or -1 (*cause).
 */
int	 tun_open(const char *want, char ifname[TUN_NAMESIZ], char **cause);
/* Close fd and remove the interface (also a persistent one). */
void	 tun_destroy(int fd, const char *ifname);
/*
 * One packet: its length, or -1 with errno (EAGAIN when there is none).
 * A read says in *csum whether the transport checksum is still to be
 * computed (packet.h; only on Linux, where the tuns offload it); a write
 * passes that on (NULL: the packet is complete), so a packet read
 * partial and written unchanged is never checksummed at all.
 */
ssize_t	 tun_read(int fd, void *buf, size_t len, struct packet_csum *csum);
ssize_t	 tun_write(int fd, const void *pkt, size_t len,
	    const struct packet_csum *csum);
/*
 * For the OS layers (tun.c): read or write hlen bytes of header at hdr
 * and the packet in one call; the packet's length (0 for a read shorter
 * than the header), or -1 with errno.
 */
ssize_t	 tun_readv_hdr(int fd, void *hdr, size_t hlen, void *buf, size_t len);
ssize_t	 tun_writev_hdr(int fd, const void *hdr, size_t hlen, const void *pkt,
	    size_t len);

#endif
