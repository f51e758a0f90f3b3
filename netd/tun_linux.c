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
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <net/if.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"
#include "util.h"

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
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
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
tun_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

ssize_t
tun_write(int fd, const void *pkt, size_t len)
{
	return write(fd, pkt, len);
}
