/* SPDX-License-Identifier: ISC */
/*
 * launch_linux.c - the launcher's Linux bits: group lists, LD_PRELOAD
 * and the .so name (process start times are common/proc_linux.c's);
 * --hostname and --volume in namespaces of the container's own.
 *
 * DOC: hostname and volumes
 * --hostname: the child unshares its UTS namespace and sets the name;
 * the host's name is untouched. --volume HOSTDIR:DIR: the child
 * unshares its mount namespace (private propagation, so nothing reaches
 * the host's mount table and everything goes when the container's last
 * process exits), then binds HOSTDIR onto DIR inside the rootfs, read
 * only with ":ro". DIR is resolved with openat2(RESOLVE_IN_ROOT) from
 * the rootfs, the way the chroot'ed process will see it: a symlink the
 * rootfs's owner planted cannot send the bind anywhere on the host. A
 * missing DIR is created (one level). The bind goes onto the opened
 * directory through /proc/self/fd.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"


int
launch_os_grouplist(const char *name, gid_t gid, gid_t *groups, int *n)
{
	return getgrouplist(name, gid, groups, n);
}

const char *
launch_preload_var(void)
{
	return "LD_PRELOAD";
}

const char *
launch_shim_name(void)
{
	return "libberth-shim.so";
}

/* Split "SRC:DST[:ro|:rw]"; 0 or -1. */
static int
launch_vol_split(const char *v, char *src, char *dst, int *ro)
{
	const char	*c1, *c2;

	*ro = 0;
	if ((c1 = strchr(v, ':')) == NULL || (size_t)(c1 - v) >= PATH_MAX)
		return -1;
	memcpy(src, v, (size_t)(c1 - v));
	src[c1 - v] = '\0';
	c1++;
	if ((c2 = strchr(c1, ':')) != NULL) {
		if (strcmp(c2 + 1, "ro") == 0)
			*ro = 1;
		else if (strcmp(c2 + 1, "rw") != 0)
			return -1;
	} else
		c2 = c1 + strlen(c1);
	if ((size_t)(c2 - c1) >= PATH_MAX)
		return -1;
	memcpy(dst, c1, (size_t)(c2 - c1));
	dst[c2 - c1] = '\0';
	return src[0] == '/' && dst[0] == '/' ? 0 : -1;
}

int
launch_os_isolate_ok(const struct launch_spec *ls, char **cause)
{
	char		 src[PATH_MAX], dst[PATH_MAX];
	struct stat	 st;
	size_t		 i;
	int		 ro;

	if (getuid() != 0)
		return cause_set(cause, "--hostname and --volume need root "
		    "(namespaces)");
	if (ls->hostname != NULL && (*ls->hostname == '\0' ||
	    strlen(ls->hostname) > 64))
		return cause_set(cause, "--hostname: 1 to 64 characters");
	for (i = 0; ls->volumes != NULL && ls->volumes[i] != NULL; i++) {
		if (ls->rootfs == NULL)
			return cause_set(cause, "--volume %.80s: needs "
			    "--rootfs (without a rootfs the container sees "
			    "the host's files: use HOSTDIR itself)",
			    ls->volumes[i]);
		if (launch_vol_split(ls->volumes[i], src, dst, &ro) == -1)
			return cause_set(cause, "--volume %.80s: expected "
			    "/HOSTDIR:/DIR[:ro]", ls->volumes[i]);
		if (stat(src, &st) == -1)
			return cause_set(cause, "--volume %s: %s", src,
			    strerror(errno));
	}
	return 0;
}

static int
launch_vol_open(int rootfd, const char *dst, int mkdir_ok)
{
	struct open_how	 how;
	char		 parent[PATH_MAX], *slash;
	int		 fd, pfd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, rootfd, dst, &how, sizeof(how));
	if (fd != -1 || errno != ENOENT || !mkdir_ok)
		return fd;
	snprintf(parent, sizeof(parent), "%s", dst);
	slash = strrchr(parent, '/');
	*slash = '\0';
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	if ((pfd = (int)syscall(SYS_openat2, rootfd, parent[0] != '\0' ?
	    parent : "/", &how, sizeof(how))) == -1)
		return -1;
	if (mkdirat(pfd, slash + 1, 0755) == -1 && errno != EEXIST) {
		close(pfd);
		return -1;
	}
	close(pfd);
	return launch_vol_open(rootfd, dst, 0);
}

/* In the child, as root, before chroot. */
int
launch_os_isolate(const struct launch_spec *ls)
{
	char	 src[PATH_MAX], dst[PATH_MAX], at[64];
	size_t	 i;
	int	 rootfd, fd, ro;

	if (ls->hostname != NULL && (unshare(CLONE_NEWUTS) == -1 ||
	    sethostname(ls->hostname, strlen(ls->hostname)) == -1))
		return -1;
	if (ls->volumes == NULL || ls->volumes[0] == NULL)
		return 0;
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return -1;
	if ((rootfd = open(ls->rootfs, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; ls->volumes[i] != NULL; i++) {
		if (launch_vol_split(ls->volumes[i], src, dst, &ro) == -1) {
			errno = EINVAL;
			return -1;
		}
		if ((fd = launch_vol_open(rootfd, dst, 1)) == -1)
			return -1;
		snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
		if (mount(src, at, NULL, MS_BIND | MS_REC, NULL) == -1)
			return -1;
		close(fd);
		if (!ro)
			continue;
		/* the fd saw the directory under the bind: open again */
		if ((fd = launch_vol_open(rootfd, dst, 0)) == -1)
			return -1;
		snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
		if (mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
		    NULL) == -1)
			return -1;
		close(fd);
	}
	close(rootfd);
	return 0;
}

/*
 * clone3 has no glibc wrapper. The child is a fork's (no CLONE_VM, its
 * own copy of everything) that only makes system calls until it execs,
 * so glibc's fork bookkeeping (atfork handlers, the locks of a
 * multi-threaded caller) is not needed; the launcher is single-threaded.
 * Starting the child in the cgroup spares the move netd's join makes:
 * a write to cgroup.procs takes the cgroup threadgroup lock for writing,
 * which waits for an RCU grace period (11-15 ms on the development VM
 * when no other move came shortly before), where a fork into the cgroup
 * takes it for reading.
 */
pid_t
launch_os_fork_into(int cgfd)
{
	struct clone_args	 ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cgfd;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

int
launch_os_loopback(const char *addr, char *buf, size_t len)
{
	struct in_addr	 a;
	uint32_t	 h;

	if (inet_pton(AF_INET, addr, &a) != 1)
		return -1;
	h = ntohl(a.s_addr) & 0x00ffffff;
	if (h <= 0xff)		/* 127.0.0.x: the host's own */
		return -1;
	snprintf(buf, len, "127.%u.%u.%u", (h >> 16) & 0xff, (h >> 8) & 0xff,
	    h & 0xff);
	return 0;
}
