/* SPDX-License-Identifier: ISC */
/*
 * proc.h - telling a live process from a later one that reused its pid.
 */
#ifndef BERTH_PROC_H
#define BERTH_PROC_H

#include <sys/types.h>

/*
 * Start time of a process (Linux: clock ticks since boot, /proc/PID/stat
 * field 22; macOS: microseconds since the epoch). With the pid it names
 * one process for good. 0 when pid does not exist.
 */
unsigned long long proc_start(pid_t pid);

/*
 * The real uid of a process (a zombie's too): 0 and *uid set, or -1
 * when pid does not exist. With proc_start() it tells whose process a
 * recorded pid is before anyone signals it (docs/security.md).
 */
int	 proc_uid(pid_t pid, uid_t *uid);

/*
 * 1 when pid is the process that started at start and has not exited:
 * a zombie (exited, not yet reaped by its parent) is not running.
 */
int	 proc_running(pid_t pid, unsigned long long start);

/* The absolute path of the running executable, or NULL. */
const char *proc_self_exe(void);

#endif
