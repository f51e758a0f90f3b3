/* SPDX-License-Identifier: ISC */
/*
 * tun_darwin.c - utun interfaces on macOS (research/macos.md §1).
 *
 * DOC: utun
 * socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL), CTLIOCGINFO for the
 * id of "com.apple.net.utun_control", connect() with sc_unit 0 (the
 * kernel picks the next free unit), UTUN_OPT_IFNAME for the name -- the
 * sequence of OpenVPN's utun_open_helper() and wireguard-go's
 * CreateTUN(). Every packet carries a 4-byte address family in network
 * order (xnu bsd/net/if_utun.c utun_ctl_send); readv/writev keep it
 * apart from the packet without copying. The interface and its
 * addresses go away when the fd closes (if_utun.c utun_ctl_disconnect),
 * so there is nothing to remove after a crash.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/kern_control.h>
#include <sys/socket.h>
#include <sys/sys_domain.h>
#include <sys/uio.h>

#include <net/if_utun.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tun.h"
#include "util.h"

int
tun_open(const char *want, char ifname[TUN_NAMESIZ], char **cause)
{
	struct ctl_info		 info;
	struct sockaddr_ctl	 sc;
	socklen_t		 len = TUN_NAMESIZ;
	int			 fd;

	(void)want;
	if ((fd = socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL)) == -1)
		return cause_set(cause, "utun socket: %s", strerror(errno));
	memset(&info, 0, sizeof(info));
	strlcpy(info.ctl_name, UTUN_CONTROL_NAME, sizeof(info.ctl_name));
	if (ioctl(fd, CTLIOCGINFO, &info) == -1) {
		cause_set(cause, "utun CTLIOCGINFO: %s", strerror(errno));
		goto fail;
	}
	memset(&sc, 0, sizeof(sc));
	sc.sc_len = sizeof(sc);
	sc.sc_family = AF_SYSTEM;
	sc.ss_sysaddr = AF_SYS_CONTROL;
	sc.sc_id = info.ctl_id;
	sc.sc_unit = 0;		/* the next free utunN */
	if (connect(fd, (struct sockaddr *)&sc, sizeof(sc)) == -1) {
		cause_set(cause, "utun connect: %s", strerror(errno));
		goto fail;
	}
	if (getsockopt(fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, ifname,
	    &len) == -1) {
		cause_set(cause, "utun UTUN_OPT_IFNAME: %s", strerror(errno));
		goto fail;
	}
	ifname[TUN_NAMESIZ - 1] = '\0';
	if (util_set_nonblock(fd) == -1 || util_set_cloexec(fd) == -1) {
		cause_set(cause, "utun fcntl: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

void
tun_destroy(int fd, const char *ifname)
{
	(void)ifname;
	if (fd != -1)
		close(fd);
}

ssize_t
tun_read(int fd, void *buf, size_t len, struct packet_csum *csum)
{
	uint32_t	 af;

	csum->start = csum->off = 0;	/* utun has no offloads */
	return tun_readv_hdr(fd, &af, sizeof(af), buf, len);
}

ssize_t
tun_write(int fd, const void *pkt, size_t len, const struct packet_csum *csum)
{
	uint32_t	 af = htonl(AF_INET);

	(void)csum;	/* never partial: only tun_read makes them so */
	return tun_writev_hdr(fd, &af, sizeof(af), pkt, len);
}
