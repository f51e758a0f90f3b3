/* SPDX-License-Identifier: ISC */
/*
 * launch.h - starting a container's process: the runtime launcher.
 *
 * launch_start() prepares everything that needs lookups or allocation
 * in the caller (the user and groups, looked up on the host; the
 * environment; the rootfs's /etc/hosts, /etc/resolv.conf and its copy
 * of the interposer), then forks. The child takes its stdio (the
 * terminal, or the container's log), chroots, drops to the user, sets
 * its working directory and execs. A failure before exec comes back
 * through a close-on-exec pipe, so the caller gets "foo: command not
 * found" instead of a child that exits 127. From launch_start() until
 * launch_wait() returns, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to
 * the caller are passed on to the child. One launch at a time.
 */
#ifndef BERTH_LAUNCH_H
#define BERTH_LAUNCH_H

#include <sys/types.h>

struct launch_spec {
	char		**argv;		/* NULL-terminated, argv[0] via PATH */
	char		**env;		/* "K=V" additions, NULL-terminated */
	const char	 *name;		/* container name: /etc/hosts,
					   BERTH_CONTAINER */
	const char	 *addr;		/* container address: BERTH_ADDR */
	const char	 *gateway;	/* host.berth in a rootfs's /etc/hosts */
	const char	 *dns;		/* a DNS server for the container:
					   BERTH_DNS, and the rootfs's
					   nameserver; NULL: the host's */
	const char	 *stack;	/* the container's stack, or NULL:
					   BERTH_STACK, the rootfs's search
					   list (bare service names) */
	const char	 *rootfs;	/* chroot here; NULL: none */
	const char	 *user;		/* NAME|UID[:GROUP|GID]; NULL: the
					   invoking user (SUDO_UID under sudo) */
	const char	 *workdir;	/* NULL: current dir, or / in a rootfs */
	const char	 *shim;		/* interposer path; NULL: none */
	const char	 *log;		/* stdout+stderr here, stdin /dev/null,
					   own process group; NULL: inherit */
	const char	 *hosts;	/* extra /etc/hosts lines in a rootfs */
	const char	 *resolv;	/* /etc/resolv.conf for a rootfs; NULL:
					   "nameserver DNS" and "search
					   [STACK.berth] berth", or the
					   host's */
	/*
	 * Called in the parent with the child's pid while the child waits,
	 * before it does anything (netd moves it into the container's
	 * cgroup); -1 with *cause: the child is killed, the start fails.
	 */
	int		(*join)(pid_t, void *, char **);
	void		 *join_arg;
	/*
	 * The container's cgroup directory: the child is created in it
	 * (Linux, clone3 CLONE_INTO_CGROUP; it needs write access to the
	 * cgroup, i.e. root), and join is not called. When that cannot be
	 * done, the fork and join above. NULL: join alone.
	 */
	const char	 *cgroup;
	int		  kernel;	/* the kernel enforces the address:
					   BERTH_KERNEL=1 (the interposer
					   steps aside) */
	const char	 *hostname;	/* own UTS name (Linux); NULL: the
					   host's */
	char		**volumes;	/* "HOSTDIR:DIR[:ro]", bound into the
					   rootfs (Linux); NULL-terminated */
	int		  io[3];	/* with io_set: the child's stdin,
					   stdout, stderr (instead of log) */
	int		  io_set;
	int		  io_tty;	/* io[0] is a pty: own session, it
					   the controlling terminal */
	int		  io_group;	/* own process group (a monitor's
					   child) */
};

/* Who the process runs as; launch_user() fills it, on the host. */
struct launch_cred {
	int		 change;	/* 0: stay who we are */
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;	/* supplementary groups */
	int		 ngroups;
	char		*name;		/* NULL without a passwd entry */
	char		*home;
};

int	 launch_start(const struct launch_spec *, pid_t *, char **cause);
/* Wait for pid; *code = exit status, or 128 + signal. */
int	 launch_wait(pid_t, int *code);
/* Wait until pid has exited and leave it unreaped (a zombie); *code as
 * launch_wait() gives it. 0, or -1 with errno. */
int	 launch_exited(pid_t, int *code);
/* Resolve a --user value (NULL: the default); -1 with *cause. */
int	 launch_user(const char *user, struct launch_cred *, char **cause);
void	 launch_cred_free(struct launch_cred *);

/* launch_linux.c / launch_darwin.c */
/* The interposer: $BERTH_SHIM, else beside the binary, DIR/../lib. */
const char *launch_shim_path(const char *exe_dir);
/* The environment variable that preloads a library. */
const char *launch_preload_var(void);
/* The interposer's file name: libberth-shim.so / .dylib. */
const char *launch_shim_name(void);
/* getgrouplist(3), whose types differ between the systems. */
int	 launch_os_grouplist(const char *, gid_t, gid_t *, int *);
/*
 * The container's own loopback address for addr (BERTH_LOOPBACK, see
 * shim.c): 127.B.C.D on Linux, where all of 127/8 is local; -1 where
 * there is none (macOS would need lo0 aliases).
 */
int	 launch_os_loopback(const char *addr, char *buf, size_t len);
/* In the child, before chroot: hostname and volumes; -1 with errno. */
int	 launch_os_isolate(const struct launch_spec *);
/* Can this system do what launch_os_isolate() would be asked? */
int	 launch_os_isolate_ok(const struct launch_spec *, char **cause);
/*
 * fork(), the child created in the cgroup of the directory fd cgfd:
 * the pid, 0 in the child; -1 with errno when the system cannot (no
 * clone3, no permission, not a cgroup2 directory): nothing was made.
 */
pid_t	 launch_os_fork_into(int cgfd);

#endif
