/* SPDX-License-Identifier: ISC */
/*
 * launch.c - the runtime launcher (see launch.h).
 *
 * DOC: the child's steps
 * In order, each reported through the status pipe when it fails:
 * 1. stdio: the log file (opened as root, before anything is dropped)
 *    or the caller's terminal; detached children lead their own group;
 * 2. rootfs: write etc/hosts and etc/resolv.conf, copy the interposer to
 *    /.berth/ inside it, chroot;
 * 3. working directory;
 * 4. credentials: supplementary groups, gid, uid — in that order, and
 *    checked, so a failed drop never runs the command as root;
 * 5. environment and exec (PATH search).
 * The pipe is close-on-exec: EOF means exec succeeded.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "util.h"
#include "xmalloc.h"

extern char **environ;

struct launch_fail {
	int	 step;
	int	 err;
};

enum { STEP_STDIO = 1, STEP_ROOTFS, STEP_CHROOT, STEP_CWD, STEP_CREDS,
    STEP_EXEC };

int
launch_user(const char *user, uid_t *uid, gid_t *gid, char **name,
    char **cause)
{
	struct passwd	*pw;
	unsigned long	 u, g;
	const char	*s;
	char		*colon, buf[64];

	*name = NULL;
	if (user == NULL) {
		/* Under sudo: the user who ran sudo. */
		if ((s = getenv("SUDO_UID")) != NULL &&
		    util_parse_uint(s, 0x7fffffff, &u) == 0) {
			*uid = (uid_t)u;
			s = getenv("SUDO_GID");
			*gid = s != NULL && util_parse_uint(s, 0x7fffffff,
			    &g) == 0 ? (gid_t)g : (gid_t)u;
		} else {
			*uid = getuid();
			*gid = getgid();
		}
		if ((pw = getpwuid(*uid)) != NULL)
			*name = xstrdup(pw->pw_name);
		return 0;
	}
	if (strlen(user) >= sizeof(buf))
		return cause_set(cause, "--user: \"%.20s...\" is too long",
		    user);
	snprintf(buf, sizeof(buf), "%s", user);
	if ((colon = strchr(buf, ':')) != NULL)
		*colon++ = '\0';
	if (util_parse_uint(buf, 0x7fffffff, &u) == 0) {
		*uid = (uid_t)u;
		pw = getpwuid(*uid);
		*gid = pw != NULL ? pw->pw_gid : (gid_t)u;
	} else if ((pw = getpwnam(buf)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else
		return cause_set(cause, "--user: no user \"%.40s\"", buf);
	if (pw != NULL)
		*name = xstrdup(pw->pw_name);
	if (colon != NULL) {
		if (util_parse_uint(colon, 0x7fffffff, &g) == -1)
			return cause_set(cause, "--user: bad group \"%.20s\"",
			    colon);
		*gid = (gid_t)g;
	}
	return 0;
}

static void __attribute__((__noreturn__))
launch_die(int fd, int step, int err)
{
	struct launch_fail	 f = { step, err };

	if (write(fd, &f, sizeof(f)) != (ssize_t)sizeof(f))
		_exit(126);
	_exit(step == STEP_EXEC && err == ENOENT ? 127 : 126);
}

/* Write a small file inside the rootfs (as root, before the chroot). */
static int
launch_rootfs_file(const char *rootfs, const char *rel, const char *text)
{
	char	*path;
	int	 rc;

	xasprintf(&path, "%s/%s", rootfs, rel);
	rc = util_write_file_atomic(path, text, strlen(text), 0644);
	free(path);
	return rc;
}

static int
launch_copy(const char *from, const char *to)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((buf = util_read_file(from, 64 * 1024 * 1024, &len)) == NULL)
		return -1;
	rc = util_write_file_atomic(to, buf, len, 0755);
	free(buf);
	return rc;
}

/* Prepare the rootfs: /etc files and the interposer at /.berth/. */
static int
launch_rootfs(const struct launch_spec *ls, char **shim_in)
{
	char	*text, *dir, *dst;
	int	 rc;

	*shim_in = NULL;
	xasprintf(&dir, "%s/etc", ls->rootfs);
	rc = util_mkdir_p(dir, 0755);
	free(dir);
	if (rc == -1)
		return -1;
	xasprintf(&text, "127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s "
	    "%s.berth\n%s", ls->addr != NULL ? ls->addr : "127.0.0.1",
	    ls->name != NULL ? ls->name : "container",
	    ls->name != NULL ? ls->name : "container",
	    ls->hosts != NULL ? ls->hosts : "");
	rc = launch_rootfs_file(ls->rootfs, "etc/hosts", text);
	free(text);
	if (rc == -1)
		return -1;
	if (ls->gateway != NULL) {
		xasprintf(&text, "nameserver %s\nsearch berth\n", ls->gateway);
		rc = launch_rootfs_file(ls->rootfs, "etc/resolv.conf", text);
		free(text);
		if (rc == -1)
			return -1;
	}
	if (ls->shim == NULL)
		return 0;
	xasprintf(&dir, "%s/.berth", ls->rootfs);
	rc = util_mkdir_p(dir, 0755);
	free(dir);
	if (rc == -1)
		return -1;
	xasprintf(&dst, "%s/.berth/%s", ls->rootfs, strrchr(ls->shim, '/') !=
	    NULL ? strrchr(ls->shim, '/') + 1 : ls->shim);
	rc = launch_copy(ls->shim, dst);
	if (rc == 0)
		*shim_in = xstrdup(dst + strlen(ls->rootfs));
	free(dst);
	return rc;
}

/* The child's environment: ours, plus BERTH_*, the preload, additions. */
static char **
launch_envv(const struct launch_spec *ls, const char *shim)
{
	const char	*pv = launch_preload_var(), *old;
	char		**v, *s;
	size_t		 n = 0, i, cap;

	for (i = 0; environ[i] != NULL; i++)
		;
	cap = i + 8;
	for (i = 0; ls->env != NULL && ls->env[i] != NULL; i++)
		cap++;
	v = xcalloc(cap, sizeof(char *));
	for (i = 0; environ[i] != NULL; i++) {
		if (strncmp(environ[i], "BERTH_", 6) == 0 ||
		    (strncmp(environ[i], pv, strlen(pv)) == 0 &&
		    environ[i][strlen(pv)] == '='))
			continue;
		v[n++] = environ[i];
	}
	if (ls->addr != NULL) {
		xasprintf(&s, "BERTH_ADDR=%s", ls->addr);
		v[n++] = s;
	}
	if (ls->name != NULL) {
		xasprintf(&s, "BERTH_CONTAINER=%s", ls->name);
		v[n++] = s;
	}
	if (ls->gateway != NULL && ls->rootfs == NULL) {
		xasprintf(&s, "BERTH_DNS=%s", ls->gateway);
		v[n++] = s;
	}
	if ((old = getenv("BERTH_SHIM_DEBUG")) != NULL) {
		xasprintf(&s, "BERTH_SHIM_DEBUG=%s", old);
		v[n++] = s;
	}
	if (shim != NULL) {
		old = getenv(pv);
		if (old != NULL && *old != '\0' && ls->rootfs == NULL)
			xasprintf(&s, "%s=%s:%s", pv, shim, old);
		else
			xasprintf(&s, "%s=%s", pv, shim);
		v[n++] = s;
	}
	for (i = 0; ls->env != NULL && ls->env[i] != NULL; i++)
		v[n++] = ls->env[i];
	v[n] = NULL;
	return v;
}

static void __attribute__((__noreturn__))
launch_child(const struct launch_spec *ls, uid_t uid, gid_t gid,
    const char *uname, const char *shim, int fd)
{
	char	**envv;
	int	  lfd, nfd;

	if (ls->log != NULL) {
		if ((lfd = open(ls->log, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0640)) == -1)
			launch_die(fd, STEP_STDIO, errno);
		if ((nfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			launch_die(fd, STEP_STDIO, errno);
		if (dup2(nfd, STDIN_FILENO) == -1 ||
		    dup2(lfd, STDOUT_FILENO) == -1 ||
		    dup2(lfd, STDERR_FILENO) == -1)
			launch_die(fd, STEP_STDIO, errno);
		/* Its own process group: stop signals the whole group. */
		setpgid(0, 0);
	}
	signal(SIGPIPE, SIG_DFL);
	if (ls->rootfs != NULL) {
		if (chdir(ls->rootfs) == -1 || chroot(".") == -1)
			launch_die(fd, STEP_CHROOT, errno);
		if (chdir(ls->workdir != NULL ? ls->workdir : "/") == -1)
			launch_die(fd, STEP_CWD, errno);
	} else if (ls->workdir != NULL && chdir(ls->workdir) == -1)
		launch_die(fd, STEP_CWD, errno);
	if (getuid() == 0) {
		if ((uname != NULL ? initgroups(uname, gid) :
		    setgroups(0, NULL)) == -1)
			launch_die(fd, STEP_CREDS, errno);
		if (setgid(gid) == -1 || setuid(uid) == -1)
			launch_die(fd, STEP_CREDS, errno);
		if (uid != 0 && setuid(0) == 0)
			launch_die(fd, STEP_CREDS, EPERM);
	} else if (uid != getuid() || gid != getgid())
		launch_die(fd, STEP_CREDS, EPERM);
	envv = launch_envv(ls, shim);
	environ = envv;
	execvp(ls->argv[0], ls->argv);
	launch_die(fd, STEP_EXEC, errno);
}

int
launch_start(const struct launch_spec *ls, pid_t *pidp, char **cause)
{
	struct launch_fail	 f;
	uid_t			 uid;
	gid_t			 gid;
	char			*uname = NULL, *shim_in = NULL;
	const char		*shim = ls->shim;
	int			 p[2], status, rc = -1;
	ssize_t			 n;
	pid_t			 pid;

	if (ls->argv == NULL || ls->argv[0] == NULL)
		return cause_set(cause, "no command");
	if (launch_user(ls->user, &uid, &gid, &uname, cause) == -1)
		return -1;
	if (shim != NULL && access(shim, R_OK) == -1)
		shim = NULL;	/* no interposer built: run without */
	if (ls->rootfs != NULL) {
		if (launch_rootfs(ls, &shim_in) == -1) {
			cause_set(cause, "preparing rootfs %s: %s", ls->rootfs,
			    strerror(errno));
			goto out;
		}
		shim = shim_in;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		cause_set(cause, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		cause_set(cause, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0) {
		close(p[0]);
		launch_child(ls, uid, gid, uname, shim, p[1]);
	}
	close(p[1]);
	do
		n = read(p[0], &f, sizeof(f));
	while (n == -1 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(f)) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		switch (f.step) {
		case STEP_STDIO:
			cause_set(cause, "log %s: %s", ls->log,
			    strerror(f.err));
			break;
		case STEP_CHROOT:
			cause_set(cause, "chroot %s: %s", ls->rootfs,
			    strerror(f.err));
			break;
		case STEP_CWD:
			cause_set(cause, "working directory %s: %s",
			    ls->workdir != NULL ? ls->workdir : "/",
			    strerror(f.err));
			break;
		case STEP_CREDS:
			cause_set(cause, "cannot become uid %u gid %u: %s",
			    (unsigned int)uid, (unsigned int)gid,
			    strerror(f.err));
			break;
		default:
			cause_set(cause, "cannot execute %s: %s", ls->argv[0],
			    strerror(f.err));
			break;
		}
		goto out;
	}
	*pidp = pid;
	rc = 0;
out:
	free(uname);
	free(shim_in);
	return rc;
}

static volatile sig_atomic_t launch_target;

/*
 * Pass on signals sent to us with kill(2). A Ctrl-C from the terminal
 * (si_code SI_KERNEL) already reached the child, which shares our
 * process group in the foreground: passing it on would send it twice.
 */
static void
launch_forward(int sig, siginfo_t *si, void *ctx)
{
	if (launch_target > 0 && (si == NULL || si->si_code <= 0))
		kill((pid_t)launch_target, sig);
}

int
launch_wait(pid_t pid, int *code)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction	 sa, old[4];
	size_t			 i;
	int			 status = 0;
	pid_t			 r;

	launch_target = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = launch_forward;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	do
		r = waitpid(pid, &status, 0);
	while (r == -1 && errno == EINTR);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	launch_target = 0;
	if (r == -1) {
		*code = 1;
		return -1;
	}
	if (WIFEXITED(status))
		*code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*code = 128 + WTERMSIG(status);
	else
		*code = 1;
	return 0;
}
