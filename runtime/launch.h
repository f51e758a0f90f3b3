/* SPDX-License-Identifier: ISC */
/*
 * launch.h - starting a container's process: the runtime launcher.
 *
 * launch_start() forks; the child takes its stdio (the terminal, or the
 * container's log), optionally chroots into a root filesystem (writing
 * /etc/hosts and /etc/resolv.conf there and copying the interposer in),
 * drops to the container's user, sets the environment (BERTH_ADDR and
 * the interposer in LD_PRELOAD / DYLD_INSERT_LIBRARIES) and execs. Any
 * failure before exec comes back through a close-on-exec pipe, so the
 * caller gets "cannot execute foo: No such file or directory" instead
 * of a child that exits 127. launch_wait() waits, passing on SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT sent to the caller.
 */
#ifndef BERTH_LAUNCH_H
#define BERTH_LAUNCH_H

#include <sys/types.h>

struct launch_spec {
	char		**argv;		/* NULL-terminated, argv[0] via PATH */
	char		**env;		/* "K=V" additions, NULL-terminated */
	const char	 *name;		/* container name (hosts, env) */
	const char	 *addr;		/* container address: BERTH_ADDR */
	const char	 *gateway;	/* resolv.conf in a rootfs; BERTH_DNS */
	const char	 *rootfs;	/* chroot here; NULL: none */
	const char	 *user;		/* NAME, UID or UID:GID; NULL: the
					   invoking user (SUDO_UID under sudo) */
	const char	 *workdir;	/* NULL: current dir, or / in a rootfs */
	const char	 *shim;		/* interposer path; NULL: none */
	const char	 *log;		/* stdout+stderr here, stdin /dev/null,
					   own process group; NULL: inherit */
	const char	 *hosts;	/* extra /etc/hosts lines in a rootfs */
};

int	 launch_start(const struct launch_spec *, pid_t *, char **cause);
/* Wait for pid; *code = exit status, or 128 + signal. */
int	 launch_wait(pid_t, int *code);
/* Resolve spec->user: 0 and uid/gid/name, or -1 with *cause. */
int	 launch_user(const char *user, uid_t *uid, gid_t *gid, char **name,
	    char **cause);

/* launch_linux.c / launch_darwin.c */
/* The process's start time in clock ticks since boot; 0 if gone. */
unsigned long long launch_pid_start(pid_t);
/* The interposer beside the berth binary: DIR/../lib/libberth-shim.*. */
const char *launch_shim_path(const char *exe_dir);
/* The environment variable that preloads a library. */
const char *launch_preload_var(void);

#endif
