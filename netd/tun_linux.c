/* SPDX-License-Identifier: ISC */
/*
 * tun_linux.c - tun interfaces on Linux (research/linux.md §4.1).
 *
 * DOC: persistence
 * Interfaces are made persistent (TUNSETPERSIST) so that a netd killed
 * with SIGKILL leaves them, their addresses and the sockets bound to
 * those addresses in place; the next netd opens the same names, which
 * attaches to the existing devices, and traffic resumes (TCP retransmits
 * over the gap). Removal therefore clears the persist flag before the
 * last close. A name held by another process fails with EBUSY.
 *
 * DOC: checksum offload
 * A tun without offloads makes the kernel compute the TCP or UDP
 * checksum in software over every packet it routes into it (64 KiB at
 * MTU 65520), and verify it again over every packet netd writes. Each
 * tun is therefore opened with IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM):
 * a packet a local socket sends then comes out still CHECKSUM_PARTIAL,
 * preceded by a struct virtio_net_hdr with VIRTIO_NET_HDR_F_NEEDS_CSUM
 * and where the checksum goes (csum_start, csum_offset, from the start of
 * the IP header). tun_read() strips the header into a struct packet_csum;
 * tun_write() makes one from it, so the packet enters the next tun still
 * partial, and the kernel that delivers it locally trusts it: nobody sums
 * the payload. No TSO: at MTU 65520 it would add nothing. Everything in
 * netd that changes a packet knows the checksum may be partial (packet.h);
 * the packets netd makes are complete. The persistent interfaces keep
 * their flags: the settings are made again on every attach.
 * BERTH_NETD_TUN_CSUM=0 leaves the offload off (the header stays; reads
 * are then always complete), to measure what it saves.
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"
#include "util.h"

/* The header in front of every packet; its size is the default (10). */
typedef struct virtio_net_hdr tun_vnet_hdr;

static void
tun_offload(int fd, const char *name)
{
	const char	*e = getenv("BERTH_NETD_TUN_CSUM");
	unsigned long	 off = TUN_F_CSUM;

	if (e != NULL && strcmp(e, "0") == 0)
		off = 0;
	/* Without it the packets are complete: slower, still right. */
	if (ioctl(fd, TUNSETOFFLOAD, off) == -1)
		log_warn("%s: %s: TUNSETOFFLOAD", __func__, name);
}

static int
tun_attach(const char *name, char ifname[TUN_NAMESIZ], char **cause)
{
	struct ifreq	 ifr;
	int		 fd;

	if (strlen(name) >= IFNAMSIZ)
		return cause_set(cause, "interface name %s is too long",
		    name);
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1)
		return cause_set(cause, "/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		cause_set(cause, "cannot open tun %s: %s%s", name,
		    strerror(errno), errno == EBUSY ?
		    " (another process holds it)" : "");
		close(fd);
		return -1;
	}
	if (ifname != NULL)
		snprintf(ifname, TUN_NAMESIZ, "%s", ifr.ifr_name);
	tun_offload(fd, name);
	return fd;
}

int
tun_open(const char *want, char ifname[TUN_NAMESIZ], char **cause)
{
	int	 fd;

	if ((fd = tun_attach(want, ifname, cause)) == -1)
		return -1;
	if (ioctl(fd, TUNSETPERSIST, 1) == -1) {
		cause_set(cause, "tun %s: TUNSETPERSIST: %s", want,
		    strerror(errno));
		tun_destroy(fd, want);
		return -1;
	}
	return fd;
}

void
tun_destroy(int fd, const char *ifname)
{
	if (fd == -1)
		return;
	if (ioctl(fd, TUNSETPERSIST, 0) == -1)
		log_warn("%s: %s: TUNSETPERSIST", __func__, ifname);
	close(fd);
}

ssize_t
tun_read(int fd, void *buf, size_t len, struct packet_csum *csum)
{
	tun_vnet_hdr	 h;
	ssize_t		 n;

	csum->start = csum->off = 0;
	if ((n = tun_readv_hdr(fd, &h, sizeof(h), buf, len)) <= 0)
		return n;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* Native byte order (a legacy header); start 0 cannot be
		 * a transport header: made one packet_set_csum() refuses. */
		csum->start = h.csum_start != 0 ? h.csum_start : UINT16_MAX;
		csum->off = h.csum_offset;
	}
	return n;
}

ssize_t
tun_write(int fd, const void *pkt, size_t len, const struct packet_csum *csum)
{
	tun_vnet_hdr	 h;

	memset(&h, 0, sizeof(h));	/* GSO_NONE, complete */
	if (csum != NULL && csum->start != 0) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = csum->start;
		h.csum_offset = csum->off;
	}
	return tun_writev_hdr(fd, &h, sizeof(h), pkt, len);
}
