/* SPDX-License-Identifier: ISC */
/*
 * proc_linux.c - process start times from /proc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

const char *
proc_self_exe(void)
{
	static char	 path[PATH_MAX];
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) <= 0)
		return NULL;
	path[n] = '\0';
	return path;
}

unsigned long long
proc_start(pid_t pid)
{
	char			 path[64], buf[2048], *p;
	unsigned long long	 start = 0;
	ssize_t			 n;
	int			 fd, field;

	/*
	 * One read: the kernel hands the line whole (at most 52 numbers
	 * and a 16-byte comm, well under the buffer). berth ps looks at
	 * every container: open, read, close and no more.
	 */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* starttime is field 22, counted after the comm (field 2), which
	 * may hold spaces and parentheses itself. */
	if ((p = strrchr(buf, ')')) != NULL) {
		for (field = 2; *p != '\0' && field < 22; p++)
			if (*p == ' ')
				field++;
		if (field == 22)
			start = strtoull(p, NULL, 10);
	}
	return start;
}

int
proc_uid(pid_t pid, uid_t *uid)
{
	char		 path[64], *buf, *p;
	unsigned long	 u;
	int		 ret = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((buf = util_read_file(path, 16384, NULL)) == NULL)
		return -1;
	/* "Uid:\treal\teffective\tsaved\tfs" */
	if ((p = strstr(buf, "\nUid:")) != NULL) {
		u = strtoul(p + 5, NULL, 10);
		*uid = (uid_t)u;
		ret = 0;
	}
	free(buf);
	return ret;
}

int
proc_running(pid_t pid, unsigned long long start)
{
	char	 path[64], *buf, *p;
	int	 ret = 0;

	if (pid <= 0 || start == 0 || proc_start(pid) != start)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((buf = util_read_file(path, 4096, NULL)) == NULL)
		return 0;
	/* The state is field 3, just after the comm's ")". */
	if ((p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		ret = p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
	free(buf);
	return ret;
}
