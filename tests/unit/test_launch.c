/* SPDX-License-Identifier: ISC */
/*
 * test_launch.c - the launcher and the rootfs builder, with real
 * processes: exit codes, exec failures, environment, working
 * directory, logs, process groups, signal forwarding, a status read
 * without reaping (launch_exited), users (root),
 * chroot into a tree made by rootfs_build (root).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "launch.h"
#include "rootfs.h"
#include "util.h"

static char	 tmpdir[] = "/tmp/berth-launch.XXXXXX";
static char	 shim[PATH_MAX];

static int
setup(void **state)
{
	char	 exe[PATH_MAX];
	ssize_t	 n;

	if (mkdtemp(tmpdir) == NULL)
		return -1;
	chmod(tmpdir, 0755);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	snprintf(shim, sizeof(shim), "%s/../lib/libberth-shim.so",
	    dirname(exe));
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Run argv (with a log file), return the exit code; *out: the log. */
static int
run(struct launch_spec *ls, char **out)
{
	char	 log[PATH_MAX], *cause = NULL;
	pid_t	 pid;
	int	 code = -1;

	snprintf(log, sizeof(log), "%s/out.log", tmpdir);
	unlink(log);
	ls->log = log;
	if (launch_start(ls, &pid, &cause) == -1)
		fail_msg("launch_start: %s", cause);
	assert_int_equal(launch_wait(pid, &code), 0);
	if (out != NULL)
		*out = util_read_file(log, 1 << 20, NULL);
	return code;
}

static char *
start_fails(struct launch_spec *ls)
{
	char	*cause = NULL;
	pid_t	 pid;

	assert_int_equal(launch_start(ls, &pid, &cause), -1);
	assert_non_null(cause);
	return cause;
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static void
t_exit_codes(void **state)
{
	struct launch_spec	 ls;

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "exit 3");
	assert_int_equal(run(&ls, NULL), 3);
	ls.argv = ARGV("true");
	assert_int_equal(run(&ls, NULL), 0);
	ls.argv = ARGV("sh", "-c", "kill -TERM $$");
	assert_int_equal(run(&ls, NULL), 128 + SIGTERM);
	ls.argv = ARGV("sh", "-c", "kill -KILL $$");
	assert_int_equal(run(&ls, NULL), 128 + SIGKILL);
}

/* join: the child has not run anything yet, and it is ours. */
static pid_t	 joined;

static int
join_ok(pid_t pid, void *arg, char **cause)
{
	char	 path[64], *stat, *p;
	long	 ppid = 0;

	usleep(100000);		/* a child that did not wait would have run */
	assert_int_equal(access(arg, F_OK), -1);
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	assert_non_null(stat = util_read_file(path, 4096, NULL));
	assert_non_null(p = strrchr(stat, ')'));
	assert_int_equal(sscanf(p + 1, " %*c %ld", &ppid), 1);
	assert_int_equal(ppid, (long)getpid());
	free(stat);
	joined = pid;
	return 0;
}

static int
join_fails(pid_t pid, void *arg, char **cause)
{
	(void)arg;
	joined = pid;
	return cause_set(cause, "no cgroup for you");
}

static void
t_join(void **state)
{
	struct launch_spec	 ls;
	char			 flag[PATH_MAX], cmd[PATH_MAX + 64], *text;
	char			*cause;
	int			 status;

	snprintf(flag, sizeof(flag), "%s/ran", tmpdir);
	snprintf(cmd, sizeof(cmd), "echo \"k=$BERTH_KERNEL\" >%s", flag);
	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", cmd);
	ls.join = join_ok;
	ls.join_arg = flag;
	ls.kernel = 1;
	joined = 0;
	unlink(flag);
	assert_int_equal(run(&ls, NULL), 0);
	assert_true(joined > 0);
	assert_non_null(text = util_read_file(flag, 1024, NULL));
	assert_string_equal(text, "k=1\n");
	free(text);

	/* join fails: its message, and the child ran nothing, reaped */
	unlink(flag);
	ls.join = join_fails;
	ls.kernel = 0;
	cause = start_fails(&ls);
	assert_string_equal(cause, "no cgroup for you");
	free(cause);
	assert_int_equal(access(flag, F_OK), -1);
	assert_int_equal(waitpid(joined, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* The cgroup2 mount point from /proc/self/mountinfo, or -1. */
static int
cgroup2_mount(char *buf, size_t len)
{
	char	 line[4096], mnt[4096];
	FILE	*f;
	int	 rc = -1;

	if ((f = fopen("/proc/self/mountinfo", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, " - cgroup2 ") == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

static int	 join_calls;
static char	 test_cg[4200];

/* t_cgroup's cgroup goes also when the test failed (its child exited). */
static int
cgroup_teardown(void **state)
{
	if (test_cg[0] != '\0')
		(void)rmdir(test_cg);
	test_cg[0] = '\0';
	return 0;
}

static int
join_counted(pid_t pid, void *arg, char **cause)
{
	(void)pid;
	(void)arg;
	join_calls++;
	return cause_set(cause, "join was called");
}

static int
join_counted_ok(pid_t pid, void *arg, char **cause)
{
	(void)pid;
	(void)arg;
	(void)cause;
	join_calls++;
	return 0;
}

/*
 * spec->cgroup (root, cgroup2): the child starts in that cgroup and
 * join is not asked; a directory that is no cgroup falls back to join.
 */
static void
t_cgroup(void **state)
{
	struct launch_spec	 ls;
	char			 mnt[4096], want[4300], *out = NULL;
	char			*cg = test_cg;

	if (getuid() != 0 || cgroup2_mount(mnt, sizeof(mnt)) == -1)
		skip();
	snprintf(test_cg, sizeof(test_cg), "%s/berth-test-launch-%ld", mnt,
	    (long)getpid());
	if (mkdir(cg, 0755) == -1) {
		test_cg[0] = '\0';
		skip();		/* a cgroup2 we may not write */
	}
	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "grep '^0::' /proc/self/cgroup");
	ls.join = join_counted;
	ls.cgroup = cg;
	join_calls = 0;
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(join_calls, 0);
	snprintf(want, sizeof(want), "0::%s\n", cg + strlen(mnt));
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
	out = NULL;
	assert_int_equal(rmdir(cg), 0);	/* the child is gone: empty */
	test_cg[0] = '\0';

	/* not a cgroup: the fork, then join */
	ls.join = join_counted_ok;
	ls.cgroup = tmpdir;
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(join_calls, 1);
	free(out);
}

static void
t_exec_failures(void **state)
{
	struct launch_spec	 ls;
	char			 path[PATH_MAX], *cause;
	int			 fd;

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("berth-no-such-command");
	cause = start_fails(&ls);
	assert_string_equal(cause, "berth-no-such-command: command not found");
	free(cause);

	ls.argv = ARGV("/nonexistent/cmd");
	cause = start_fails(&ls);
	assert_string_equal(cause, "cannot execute /nonexistent/cmd: "
	    "No such file or directory");
	free(cause);

	snprintf(path, sizeof(path), "%s/not-executable", tmpdir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0644)) != -1);
	close(fd);
	ls.argv = (char *[]){ path, NULL };
	cause = start_fails(&ls);
	assert_non_null(strstr(cause, "Permission denied"));
	assert_non_null(strstr(cause, path));
	free(cause);

	ls.argv = ARGV("true");
	ls.workdir = "/nonexistent-dir";
	cause = start_fails(&ls);
	assert_string_equal(cause, "working directory /nonexistent-dir: "
	    "No such file or directory");
	free(cause);

	ls.workdir = NULL;
	ls.shim = "/nonexistent/libberth-shim.so";
	cause = start_fails(&ls);
	assert_non_null(strstr(cause, "/nonexistent/libberth-shim.so"));
	free(cause);

	ls.shim = NULL;
	ls.argv = ARGV("");
	free(start_fails(&ls));
	ls.argv = ARGV("true");
	ls.log = "/nonexistent-dir/log";
	cause = start_fails(&ls);
	assert_non_null(strstr(cause, "/nonexistent-dir/log"));
	free(cause);
}

static void
t_env(void **state)
{
	struct launch_spec	 ls;
	char			*out;

	setenv("BERTH_SOCKET", "/somewhere/netd.sock", 1);
	setenv("BERTH_TEST_KEEP", "no", 1);
	setenv("LD_PRELOAD", "", 1);
	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "echo \"$FOO|$BERTH_ADDR|$BERTH_CONTAINER"
	    "|$BERTH_SOCKET|$BERTH_DNS|$LD_PRELOAD|$PATH|$BERTH_TEST_KEEP\"");
	ls.env = ARGV("FOO=bar baz", "PATH=/usr/bin:/bin",
	    "BERTH_TEST_KEEP=yes");
	ls.addr = "127.0.0.2";
	ls.name = "web";
	ls.shim = shim;
	assert_int_equal(run(&ls, &out), 0);
	assert_non_null(out);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "bar baz|127.0.0.2|web|||%s|"
	    "/usr/bin:/bin|yes\n", shim);
	assert_string_equal(out, want);
	free(out);

	/* an existing preload keeps its place, the shim comes after */
	setenv("LD_PRELOAD", "/lib/x86_64-linux-gnu/libc.so.6", 1);
	ls.dns = "127.0.0.4";
	ls.argv = ARGV("sh", "-c", "echo \"$LD_PRELOAD|$BERTH_DNS\"");
	ls.env = NULL;
	assert_int_equal(run(&ls, &out), 0);
	snprintf(want, sizeof(want), "/lib/x86_64-linux-gnu/libc.so.6:%s|"
	    "127.0.0.4\n", shim);
	assert_string_equal(out, want);
	free(out);
	unsetenv("LD_PRELOAD");
	unsetenv("BERTH_SOCKET");
	unsetenv("BERTH_TEST_KEEP");
}

static void
t_cwd_stdio_group(void **state)
{
	struct launch_spec	 ls;
	char			*out, want[64];

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "pwd; cat; echo \"$$ $(ps -o pgid= -p $$)\""
	    "; echo err >&2");
	ls.workdir = "/tmp";
	assert_int_equal(run(&ls, &out), 0);
	assert_non_null(out);
	/* stdin was /dev/null: cat returned at once */
	assert_int_equal(strncmp(out, "/tmp\n", 5), 0);
	/* detached: its own process group */
	int pid, pgid;
	assert_int_equal(sscanf(out + 5, "%d %d", &pid, &pgid), 2);
	assert_int_equal(pid, pgid);
	snprintf(want, sizeof(want), "\nerr\n");
	assert_non_null(strstr(out, want));
	free(out);
}

/* Send sig to our own process after ms, from a separate process. */
static pid_t
kill_later(pid_t who, int sig, int ms)
{
	pid_t	 k;

	if ((k = fork()) == 0) {
		usleep((useconds_t)ms * 1000);
		kill(who, sig);
		_exit(0);
	}
	return k;
}

static void
t_signals(void **state)
{
	struct launch_spec	 ls;
	struct sigaction	 sa;
	char			 log[PATH_MAX], *cause = NULL, *text;
	pid_t			 pid, k;
	int			 code, i, sigs[] = { SIGTERM, SIGINT, SIGHUP };

	snprintf(log, sizeof(log), "%s/sig.log", tmpdir);
	for (i = 0; i < 3; i++) {
		memset(&ls, 0, sizeof(ls));
		ls.argv = ARGV("sh", "-c", "trap 'exit 9' TERM INT HUP; "
		    "echo ready; while :; do sleep 0.02; done");
		/* foreground (our process group) and detached both forward */
		ls.log = i == 1 ? NULL : log;
		unlink(log);
		assert_int_equal(launch_start(&ls, &pid, &cause), 0);
		if (ls.log != NULL) {
			for (int t = 0; t < 500; t++) {
				text = util_read_file(log, 4096, NULL);
				int ok = text != NULL && strstr(text, "ready");
				free(text);
				if (ok)
					break;
				usleep(10000);
			}
		} else
			usleep(300000);
		k = kill_later(getpid(), sigs[i], 50);
		assert_int_equal(launch_wait(pid, &code), 0);
		assert_int_equal(code, 9);
		waitpid(k, NULL, 0);
	}
	/* afterwards our own handling is back */
	assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
}

/*
 * launch_exited: the status of a process that has exited, left unreaped
 * for launch_wait; a stop and a continue on the way are not an exit.
 */
static void
t_exited(void **state)
{
	struct launch_spec	 ls;
	char			*cause = NULL;
	pid_t			 pid, k;
	int			 code = -1, st;

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "kill -STOP $$; sleep 0.2; exit 7");
	ls.log = "/dev/null";
	assert_int_equal(launch_start(&ls, &pid, &cause), 0);
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	k = kill_later(pid, SIGCONT, 100);
	assert_int_equal(launch_exited(pid, &code), 0);
	assert_int_equal(code, 7);
	assert_int_equal(launch_exited(pid, &code), 0);
	assert_int_equal(launch_wait(pid, &code), 0);
	assert_int_equal(code, 7);
	waitpid(k, NULL, 0);

	ls.argv = ARGV("sh", "-c", "kill -KILL $$");
	assert_int_equal(launch_start(&ls, &pid, &cause), 0);
	assert_int_equal(launch_exited(pid, &code), 0);
	assert_int_equal(code, 128 + SIGKILL);
	assert_int_equal(launch_wait(pid, &code), 0);
	assert_int_equal(code, 128 + SIGKILL);
	/* reaped now: nothing left to report on */
	assert_int_equal(launch_exited(pid, &code), -1);
}

static void
t_pid_start(void **state)
{
	struct launch_spec	 ls;
	char			*cause = NULL;
	unsigned long long	 a, b;
	pid_t			 pid;
	int			 code;

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sleep", "0.3");
	ls.log = "/dev/null";
	assert_int_equal(launch_start(&ls, &pid, &cause), 0);
	a = proc_start(pid);
	b = proc_start(pid);
	assert_true(a > 0);
	assert_true(a == b);
	assert_true(proc_start(getpid()) <= a);
	assert_int_equal(launch_wait(pid, &code), 0);
	assert_int_equal(proc_start(pid), 0);
}

static void
t_user(void **state)
{
	struct launch_spec	 ls;
	struct launch_cred	 c;
	char			*out, *cause = NULL, bad[PATH_MAX];

	if (getuid() != 0) {
		/* not root: only ourselves */
		assert_int_equal(launch_user(NULL, &c, &cause), 0);
		assert_int_equal(c.change, 0);
		launch_cred_free(&c);
		assert_int_equal(launch_user("0", &c, &cause), -1);
		free(cause);
		skip();
	}
	assert_int_equal(launch_user("nosuchuser-berth", &c, &cause), -1);
	assert_non_null(strstr(cause, "nosuchuser-berth"));
	free(cause);
	cause = NULL;
	assert_int_equal(launch_user("nobody:nosuchgroup-berth", &c, &cause),
	    -1);
	free(cause);
	cause = NULL;
	assert_int_equal(launch_user("", &c, &cause), -1);
	free(cause);
	cause = NULL;

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "echo $(id -u) $(id -g) $(id -G) $USER "
	    "$HOME");
	ls.user = "nobody";
	assert_int_equal(run(&ls, &out), 0);
	assert_string_equal(out, "65534 65534 65534 nobody /nonexistent\n");
	free(out);
	ls.user = "12345:54321";
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(strncmp(out, "12345 54321 54321 ", 18), 0);
	free(out);
	ls.user = "0";
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(strncmp(out, "0 0 ", 4), 0);
	free(out);

	/* under sudo, the default is the user who ran sudo */
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	ls.user = NULL;
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(strncmp(out, "65534 65534 ", 12), 0);
	free(out);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	/* root without sudo stays root */
	assert_int_equal(run(&ls, &out), 0);
	assert_int_equal(strncmp(out, "0 0 ", 4), 0);
	free(out);

	/* an interposer the user cannot read is an error, not a bypass */
	snprintf(bad, sizeof(bad), "%s/private-shim.so", tmpdir);
	assert_int_equal(util_write_file_atomic(bad, "x", 1, 0600), 0);
	ls.user = "nobody";
	ls.shim = bad;
	ls.log = NULL;
	cause = start_fails(&ls);
	assert_non_null(strstr(cause, "not readable by uid 65534"));
	free(cause);
}

static void
t_rootfs(void **state)
{
	struct launch_spec	 ls;
	struct stat		 st;
	char			 dir[PATH_MAX], path[PATH_MAX + 64], *out;
	char			*cause = NULL, *bins[] = { "sh", "cat", "id" };

	if (getuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/rootfs", tmpdir);
	if (rootfs_build(dir, bins, 3, &cause) == -1)
		fail_msg("rootfs_build: %s", cause);
	/* twice: an update of an existing tree */
	if (rootfs_build(dir, bins, 3, &cause) == -1)
		fail_msg("rootfs_build again: %s", cause);
	snprintf(path, sizeof(path), "%s/dev/null", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	snprintf(path, sizeof(path), "%s/tmp", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);

	memset(&ls, 0, sizeof(ls));
	ls.argv = ARGV("sh", "-c", "[ -e /work ] || [ -e /home ] || "
	    "echo chrooted; pwd; id -u; cat /etc/hosts /etc/resolv.conf; "
	    "echo \"$LD_PRELOAD\"; [ -r \"$LD_PRELOAD\" ] && echo readable; "
	    "echo hi > /tmp/x && cat /tmp/x < /dev/null");
	ls.rootfs = dir;
	ls.user = "nobody";
	ls.addr = "10.250.0.7";
	ls.name = "db";
	ls.gateway = "10.250.0.1";
	ls.dns = "10.250.0.1";
	ls.hosts = "10.250.0.8\tweb\n";
	ls.shim = shim;
	assert_int_equal(run(&ls, &out), 0);
	assert_non_null(out);
	if (strstr(out, "chrooted\n/\n65534\n") == NULL ||
	    strstr(out, "10.250.0.7\tdb db.berth\n") == NULL ||
	    strstr(out, "10.250.0.1\thost.berth\n") == NULL ||
	    strstr(out, "10.250.0.8\tweb\n") == NULL ||
	    strstr(out, "nameserver 10.250.0.1\n") == NULL ||
	    strstr(out, "/.berth/libberth-shim.so\nreadable\nhi\n") == NULL)
		fail_msg("unexpected output:\n%s", out);
	free(out);

	/* the interposer copy is left alone when unchanged */
	snprintf(path, sizeof(path), "%s/.berth/libberth-shim.so", dir);
	assert_int_equal(stat(path, &st), 0);
	ino_t ino = st.st_ino;
	ls.argv = ARGV("sh", "-c", ":");
	assert_int_equal(run(&ls, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino == ino);

	/* a symlinked etc is refused, and its target left alone */
	char evil[PATH_MAX + 32], target[PATH_MAX + 32];
	snprintf(target, sizeof(target), "%s/host-etc", tmpdir);
	assert_int_equal(mkdir(target, 0755), 0);
	snprintf(evil, sizeof(evil), "%s/evil", tmpdir);
	assert_int_equal(mkdir(evil, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc", evil);
	assert_int_equal(symlink(target, path), 0);
	ls.rootfs = evil;
	cause = start_fails(&ls);
	assert_non_null(strstr(cause, "symlink"));
	free(cause);
	snprintf(path, sizeof(path), "%s/hosts", target);
	assert_int_equal(access(path, F_OK), -1);
}

/* A symlink in the tree that leads out: the build refuses, writes nothing. */
static void
t_rootfs_symlink_out(void **state)
{
	char	 dir[PATH_MAX], out[PATH_MAX], link[PATH_MAX + 8], *cause = NULL;
	char	 f[PATH_MAX + 16], *bins[] = { "sh" };

	if (getuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/build-evil", tmpdir);
	snprintf(out, sizeof(out), "%s/build-outside", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(out, 0755), 0);
	snprintf(link, sizeof(link), "%s/etc", dir);
	assert_int_equal(symlink(out, link), 0);
	assert_int_equal(rootfs_build(dir, bins, 1, &cause), -1);
	assert_non_null(strstr(cause, "leads out"));
	snprintf(f, sizeof(f), "%s/passwd", out);
	assert_int_equal(access(f, F_OK), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_exit_codes),
		cmocka_unit_test(t_exec_failures),
		cmocka_unit_test(t_join),
		cmocka_unit_test_teardown(t_cgroup, cgroup_teardown),
		cmocka_unit_test(t_env),
		cmocka_unit_test(t_cwd_stdio_group),
		cmocka_unit_test(t_signals),
		cmocka_unit_test(t_exited),
		cmocka_unit_test(t_pid_start),
		cmocka_unit_test(t_user),
		cmocka_unit_test(t_rootfs),
		cmocka_unit_test(t_rootfs_symlink_out),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
