/* SPDX-License-Identifier: ISC */
/*
 * launch.c - the runtime launcher (see launch.h).
 *
 * DOC: how a container's process starts
 * In the caller, before fork, everything that needs a lookup, memory or
 * a file outside the rootfs: the user, the groups and the home
 * directory come from the host's databases (never from a rootfs that
 * its owner may have filled with anything); the environment is built;
 * the rootfs gets etc/hosts, etc/resolv.conf and a copy of the
 * interposer at /.berth/ (a copy rather than a bind mount: it works the
 * same on macOS, needs no mount namespace and leaves nothing mounted;
 * it is rewritten only when it changed). Files inside the rootfs are
 * written through directory fds opened with O_NOFOLLOW, so a symlinked
 * etc/ cannot send root's writes to the host.
 *
 * The child then only makes system calls, each step reported through a
 * close-on-exec pipe when it fails (EOF means the exec happened):
 * 0. with spec->cgroup, the child is created in the container's cgroup
 *    (Linux, root: clone3 CLONE_INTO_CGROUP) and goes on at once;
 *    otherwise, or when the system refuses that, with spec->join: wait
 *    until the parent, having called join (netd moved the child into
 *    the container's cgroup), says go; EOF means join failed, and the
 *    child exits having run nothing;
 * 1. default signal handling, an empty signal mask; with a log, its own
 *    process group (stop signals the group), stdout and stderr to the
 *    log (opened as root, before anything is dropped), stdin from
 *    /dev/null; without one, the caller's terminal and process group,
 *    so Ctrl-C and job control work as for any command;
 * 2. chroot;
 * 3. credentials: supplementary groups, gid, uid, in that order, then a
 *    check that root cannot be regained, so a failed drop never runs
 *    the command as root;
 * 4. working directory;
 * 5. the interposer must be readable by the new user: the dynamic
 *    loader skips a preload it cannot open and runs the program on the
 *    host's addresses, which must not happen quietly;
 * 6. exec through PATH (the child's own PATH).
 */
#include <sys/ioctl.h>
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

/* launch_linux.c / launch_darwin.c */

struct launch_fail {
	int	 step;
	int	 err;
};

enum { STEP_STDIO = 1, STEP_CHROOT, STEP_CREDS, STEP_CWD, STEP_SHIM,
    STEP_EXEC, STEP_ISOLATE };

static const int launch_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Signal forwarding, armed from launch_start() to launch_wait(). */
static volatile sig_atomic_t	 launch_target;
static volatile sig_atomic_t	 launch_own_group;
static struct sigaction		 launch_old[4];
static int			 launch_armed;

/* ------------------------------------------------------------- user */

static int
launch_groups(struct launch_cred *c)
{
	int	 n = 32, m;

	if (c->name == NULL) {
		c->groups = xcalloc(1, sizeof(gid_t));
		c->groups[0] = c->gid;
		c->ngroups = 1;
		return 0;
	}
	for (;;) {
		c->groups = xreallocarray(c->groups, n, sizeof(gid_t));
		m = n;
		if (launch_os_grouplist(c->name, c->gid, c->groups, &m) !=
		    -1) {
			c->ngroups = m;
			return 0;
		}
		if (n >= 65536)
			return -1;
		n = m > n ? m : n * 2;
	}
}

static void
launch_pw(struct launch_cred *c, const struct passwd *pw)
{
	if (pw == NULL)
		return;
	c->name = xstrdup(pw->pw_name);
	c->home = xstrdup(pw->pw_dir);
}

int
launch_user(const char *user, struct launch_cred *c, char **cause)
{
	struct passwd	*pw = NULL;
	struct group	*gr;
	unsigned long	 u, g;
	const char	*s;
	char		*buf = NULL, *grp;
	int		 rc = -1;

	memset(c, 0, sizeof(*c));
	c->uid = getuid();
	c->gid = getgid();
	if (user == NULL) {
		/* Under sudo: the user who ran it. Otherwise: ourselves. */
		if (getuid() != 0 || (s = getenv("SUDO_UID")) == NULL)
			return 0;
		if (util_parse_uint(s, 0x7fffffff, &u) == -1)
			return cause_set(cause, "SUDO_UID=%.20s is not a uid",
			    s);
		c->uid = (uid_t)u;
		pw = getpwuid(c->uid);
		if ((s = getenv("SUDO_GID")) != NULL &&
		    util_parse_uint(s, 0x7fffffff, &g) == 0)
			c->gid = (gid_t)g;
		else
			c->gid = pw != NULL ? pw->pw_gid : (gid_t)u;
	} else {
		buf = xstrdup(user);
		if ((grp = strchr(buf, ':')) != NULL)
			*grp++ = '\0';
		if (*buf == '\0' || (grp != NULL && *grp == '\0')) {
			cause_set(cause, "--user \"%.40s\": expected "
			    "NAME|UID[:GROUP|GID]", user);
			goto out;
		}
		if (util_parse_uint(buf, 0x7fffffff, &u) == 0) {
			c->uid = (uid_t)u;
			pw = getpwuid(c->uid);
			/* no passwd entry: the group of the same number */
			c->gid = pw != NULL ? pw->pw_gid : (gid_t)u;
		} else if ((pw = getpwnam(buf)) != NULL) {
			c->uid = pw->pw_uid;
			c->gid = pw->pw_gid;
		} else {
			cause_set(cause, "--user: no user \"%.40s\" on this "
			    "host", buf);
			goto out;
		}
		if (grp != NULL) {
			if (util_parse_uint(grp, 0x7fffffff, &g) == 0)
				c->gid = (gid_t)g;
			else if ((gr = getgrnam(grp)) != NULL)
				c->gid = gr->gr_gid;
			else {
				cause_set(cause, "--user: no group \"%.40s\" "
				    "on this host", grp);
				goto out;
			}
		}
	}
	launch_pw(c, pw);
	if (getuid() != 0) {
		if (c->uid != getuid() || c->gid != getgid()) {
			cause_set(cause, "only root can run a process as "
			    "uid %u gid %u", (unsigned int)c->uid,
			    (unsigned int)c->gid);
			goto out;
		}
		rc = 0;		/* already who we should be */
		goto out;
	}
	if (launch_groups(c) == -1) {
		cause_set(cause, "cannot list the groups of %s", c->name);
		goto out;
	}
	c->change = 1;
	rc = 0;
out:
	free(buf);
	if (rc == -1)
		launch_cred_free(c);
	return rc;
}

void
launch_cred_free(struct launch_cred *c)
{
	free(c->groups);
	free(c->name);
	free(c->home);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ rootfs */

/* rootfd/name as a directory of its own (created), never a symlink. */
static int
launch_subdir(int rootfd, const char *name)
{
	if (mkdirat(rootfd, name, 0755) == -1 && errno != EEXIST)
		return -1;
	return openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

static char *
launch_hosts(const struct launch_spec *ls)
{
	char	*text, *self = NULL, *gw = NULL;

	if (ls->addr != NULL && ls->name != NULL)
		xasprintf(&self, "%s\t%s %s.berth\n", ls->addr, ls->name,
		    ls->name);
	if (ls->gateway != NULL)
		xasprintf(&gw, "%s\thost.berth\n", ls->gateway);
	xasprintf(&text, "127.0.0.1\tlocalhost\n"
	    "::1\tlocalhost ip6-localhost ip6-loopback\n%s%s%s",
	    self != NULL ? self : "", gw != NULL ? gw : "",
	    ls->hosts != NULL ? ls->hosts : "");
	free(self);
	free(gw);
	return text;
}

static char *
launch_resolv(const struct launch_spec *ls)
{
	char	*text;

	if (ls->resolv != NULL)
		return xstrdup(ls->resolv);
	/*
	 * glibc's own resolver inside a chroot sends from whatever source
	 * the kernel picks (the gateway, by the pool route), so netd cannot
	 * tell the asking container's stack: the search list names it.
	 */
	if (ls->dns != NULL) {
		xasprintf(&text, "nameserver %s\nsearch %s%s%sberth\n",
		    ls->dns, ls->stack != NULL ? ls->stack : "",
		    ls->stack != NULL ? ".berth" : "",
		    ls->stack != NULL ? " " : "");
		return text;
	}
	if ((text = util_read_file("/etc/resolv.conf", 65536, NULL)) != NULL)
		return text;
	return xstrdup("");
}

/* The interposer's copy at /.berth/NAME, rewritten only if it differs. */
static int
launch_shim_copy(int rootfd, const char *src, char **inside, char **cause)
{
	const char	*base;
	char		*want = NULL, *have = NULL;
	size_t		 wlen, hlen = 0;
	ssize_t		 n;
	int		 bfd = -1, fd, rc = -1;

	base = strrchr(src, '/') != NULL ? strrchr(src, '/') + 1 : src;
	if ((want = util_read_file(src, 64 << 20, &wlen)) == NULL) {
		cause_set(cause, "interposer %s: %s", src, strerror(errno));
		goto out;
	}
	if ((bfd = launch_subdir(rootfd, ".berth")) == -1) {
		cause_set(cause, "/.berth: %s", strerror(errno));
		goto out;
	}
	if ((fd = openat(bfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) !=
	    -1) {
		/* small (~100 KB): compare it all */
		have = xmalloc(wlen + 1);
		while (hlen <= wlen && (n = read(fd, have + hlen,
		    wlen + 1 - hlen)) > 0)
			hlen += (size_t)n;
		close(fd);
	}
	if (have == NULL || hlen != wlen || memcmp(have, want, wlen) != 0) {
		if (util_write_file_at(bfd, base, want, wlen, 0755, 0) == -1) {
			cause_set(cause, "/.berth/%s: %s", base,
			    strerror(errno));
			goto out;
		}
	}
	xasprintf(inside, "/.berth/%s", base);
	rc = 0;
out:
	if (bfd != -1)
		close(bfd);
	free(want);
	free(have);
	return rc;
}

static int
launch_rootfs(const struct launch_spec *ls, char **shim_in, char **cause)
{
	char	*hosts = NULL, *resolv = NULL;
	int	 rootfd, etcfd = -1, rc = -1;

	*shim_in = NULL;
	if ((rootfd = open(ls->rootfs, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return cause_set(cause, "rootfs %s: %s", ls->rootfs,
		    strerror(errno));
	if ((etcfd = launch_subdir(rootfd, "etc")) == -1) {
		cause_set(cause, "rootfs %s: etc: %s%s", ls->rootfs,
		    strerror(errno), errno == ENOTDIR || errno == ELOOP ?
		    " (a symlink: refused)" : "");
		goto out;
	}
	hosts = launch_hosts(ls);
	resolv = launch_resolv(ls);
	if (util_write_file_at(etcfd, "hosts", hosts, strlen(hosts), 0644, 0) ==
	    -1 || util_write_file_at(etcfd, "resolv.conf", resolv,
	    strlen(resolv), 0644, 0) == -1) {
		cause_set(cause, "rootfs %s: etc: %s", ls->rootfs,
		    strerror(errno));
		goto out;
	}
	if (ls->shim != NULL && launch_shim_copy(rootfd, ls->shim, shim_in,
	    cause) == -1) {
		cause_prefix(cause, "rootfs %s", ls->rootfs);
		goto out;
	}
	rc = 0;
out:
	if (etcfd != -1)
		close(etcfd);
	close(rootfd);
	free(hosts);
	free(resolv);
	return rc;
}

/* ------------------------------------------------------- environment */

static int
launch_env_is(const char *entry, const char *name)
{
	size_t	 n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Does an addition set the variable of entry? They win. */
static int
launch_env_added(char **add, const char *entry)
{
	const char	*eq = strchr(entry, '=');
	size_t		 i, n;

	if (add == NULL || eq == NULL)
		return 0;
	n = (size_t)(eq - entry);
	for (i = 0; add[i] != NULL; i++) {
		if (strncmp(add[i], entry, n) == 0 && add[i][n] == '=')
			return 1;
	}
	return 0;
}

static void
launch_env_put(char **v, size_t *n, char **add, char *entry)
{
	if (launch_env_added(add, entry))
		free(entry);
	else
		v[(*n)++] = entry;
}

/*
 * Ours, without the CLI's BERTH_* settings (BERTH_SHIM_DEBUG passes);
 * then BERTH_ADDR, BERTH_CONTAINER, BERTH_DNS, BERTH_STACK, the user's
 * USER, LOGNAME
 * and HOME when it changes, the preload variable (appended to an
 * existing value outside a rootfs, whose paths mean nothing inside
 * one); then the additions, which override all of it.
 */
static char **
launch_envv(const struct launch_spec *ls, const struct launch_cred *c,
    const char *shim)
{
	const char	*pv = launch_preload_var(), *old = getenv(pv);
	char		**v, *s, lo[32];
	size_t		 n = 0, i, cap = 16;

	for (i = 0; environ[i] != NULL; i++)
		cap++;
	for (i = 0; ls->env != NULL && ls->env[i] != NULL; i++)
		cap++;
	v = xcalloc(cap, sizeof(char *));
	for (i = 0; environ[i] != NULL; i++) {
		s = environ[i];
		if ((strncmp(s, "BERTH_", 6) == 0 &&
		    !launch_env_is(s, "BERTH_SHIM_DEBUG")) ||
		    launch_env_is(s, pv) || (c->change &&
		    (launch_env_is(s, "USER") || launch_env_is(s, "LOGNAME") ||
		    launch_env_is(s, "HOME"))))
			continue;
		launch_env_put(v, &n, ls->env, xstrdup(s));
	}
#define PUT(...) do { \
	xasprintf(&s, __VA_ARGS__); \
	launch_env_put(v, &n, ls->env, s); \
} while (0)
	if (ls->addr != NULL)
		PUT("BERTH_ADDR=%s", ls->addr);
	if (ls->addr != NULL && launch_os_loopback(ls->addr, lo,
	    sizeof(lo)) == 0)
		PUT("BERTH_LOOPBACK=%s", lo);
	if (ls->name != NULL)
		PUT("BERTH_CONTAINER=%s", ls->name);
	if (ls->dns != NULL)
		PUT("BERTH_DNS=%s", ls->dns);
	if (ls->stack != NULL)
		PUT("BERTH_STACK=%s", ls->stack);
	if (ls->kernel)
		PUT("BERTH_KERNEL=1");
	if (c->change && c->name != NULL) {
		PUT("USER=%s", c->name);
		PUT("LOGNAME=%s", c->name);
	}
	if (c->change)
		PUT("HOME=%s", c->home != NULL ? c->home : "/");
	if (shim != NULL) {
		if (old != NULL && *old != '\0' && ls->rootfs == NULL)
			PUT("%s=%s:%s", pv, old, shim);
		else
			PUT("%s=%s", pv, shim);
	}
#undef PUT
	for (i = 0; ls->env != NULL && ls->env[i] != NULL; i++)
		v[n++] = xstrdup(ls->env[i]);
	v[n] = NULL;
	return v;
}

static void
launch_envv_free(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------- child */

static void __attribute__((__noreturn__))
launch_die(int fd, int step, int err)
{
	struct launch_fail	 f = { step, err };

	(void)!write(fd, &f, sizeof(f));
	_exit(step == STEP_EXEC && err == ENOENT ? 127 : 126);
}

static void __attribute__((__noreturn__))
launch_child(const struct launch_spec *ls, const struct launch_cred *c,
    const char *shim, char **envv, int fd, int go)
{
	sigset_t	 none;
	size_t		 i;
	ssize_t		 n;
	char		 b;
	int		 lfd, nfd;

	/* Nothing before the parent says go (we are in the cgroup). */
	if (go != -1) {
		do
			n = read(go, &b, 1);
		while (n == -1 && errno == EINTR);
		if (n != 1)
			_exit(126);
		close(go);
	}

	for (i = 0; i < nitems(launch_sigs); i++)
		signal(launch_sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (ls->io_set) {
		if (ls->io_tty) {
			if (setsid() == -1 ||
			    ioctl(ls->io[0], TIOCSCTTY, 0) == -1)
				launch_die(fd, STEP_STDIO, errno);
		} else if (ls->io_group)
			setpgid(0, 0);
		if (dup2(ls->io[0], STDIN_FILENO) == -1 ||
		    dup2(ls->io[1], STDOUT_FILENO) == -1 ||
		    dup2(ls->io[2], STDERR_FILENO) == -1)
			launch_die(fd, STEP_STDIO, errno);
	} else if (ls->log != NULL) {
		setpgid(0, 0);
		if ((lfd = open(ls->log, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0640)) == -1 ||
		    (nfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			launch_die(fd, STEP_STDIO, errno);
		if (dup2(nfd, STDIN_FILENO) == -1 ||
		    dup2(lfd, STDOUT_FILENO) == -1 ||
		    dup2(lfd, STDERR_FILENO) == -1)
			launch_die(fd, STEP_STDIO, errno);
	}
	if ((ls->hostname != NULL || ls->volumes != NULL) &&
	    launch_os_isolate(ls) == -1)
		launch_die(fd, STEP_ISOLATE, errno);
	if (ls->rootfs != NULL &&
	    (chdir(ls->rootfs) == -1 || chroot(".") == -1))
		launch_die(fd, STEP_CHROOT, errno);
	if (c->change) {
		if (setgroups(c->ngroups, c->groups) == -1 ||
		    setgid(c->gid) == -1 || setuid(c->uid) == -1)
			launch_die(fd, STEP_CREDS, errno);
		if (c->uid != 0 && (setuid(0) == 0 || getuid() != c->uid ||
		    geteuid() != c->uid))
			launch_die(fd, STEP_CREDS, EPERM);
	}
	if (ls->workdir != NULL ? chdir(ls->workdir) == -1 :
	    ls->rootfs != NULL && chdir("/") == -1)
		launch_die(fd, STEP_CWD, errno);
	if (shim != NULL && access(shim, R_OK) == -1)
		launch_die(fd, STEP_SHIM, errno);
	/* execvp searches the PATH of environ: the child's own */
	environ = envv;
	execvp(ls->argv[0], ls->argv);
	launch_die(fd, STEP_EXEC, errno);
}

/* ------------------------------------------------------------ parent */

/*
 * Pass on signals sent to us with kill(2). When the child shares our
 * process group (foreground), a signal from the terminal (Ctrl-C) has
 * reached it already: passing it on would deliver it twice.
 */
static void
launch_forward(int sig, siginfo_t *si, void *ctx)
{
	int	 saved = errno;

	if (launch_target > 0 && (launch_own_group || si == NULL ||
	    si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill((pid_t)launch_target, sig);
	errno = saved;
}

static void
launch_arm(pid_t pid, int own_group)
{
	struct sigaction	 sa;
	size_t			 i;

	if (launch_armed)
		return;
	launch_target = pid;
	launch_own_group = own_group;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = launch_forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(launch_sigs); i++)
		sigaction(launch_sigs[i], &sa, &launch_old[i]);
	launch_armed = 1;
}

static void
launch_disarm(void)
{
	size_t	 i;

	if (!launch_armed)
		return;
	for (i = 0; i < nitems(launch_sigs); i++)
		sigaction(launch_sigs[i], &launch_old[i], NULL);
	launch_target = 0;
	launch_armed = 0;
}

static void
launch_failed(const struct launch_spec *ls, const struct launch_cred *c,
    const char *shim, const struct launch_fail *f, char **cause)
{
	const char	*cmd = ls->argv[0];

	switch (f->step) {
	case STEP_STDIO:
		cause_set(cause, "log %s: %s", ls->log, strerror(f->err));
		break;
	case STEP_CHROOT:
		cause_set(cause, "chroot %s: %s", ls->rootfs,
		    strerror(f->err));
		break;
	case STEP_ISOLATE:
		cause_set(cause, "%s%s%s: %s", ls->hostname != NULL ?
		    "--hostname" : "", ls->hostname != NULL &&
		    ls->volumes != NULL ? ", " : "", ls->volumes != NULL ?
		    "--volume" : "", strerror(f->err));
		break;
	case STEP_CREDS:
		cause_set(cause, "cannot become uid %u gid %u: %s",
		    (unsigned int)c->uid, (unsigned int)c->gid,
		    strerror(f->err));
		break;
	case STEP_CWD:
		cause_set(cause, "working directory %s: %s",
		    ls->workdir != NULL ? ls->workdir : "/", strerror(f->err));
		break;
	case STEP_SHIM:
		cause_set(cause, "the interposer %s is not readable by uid "
		    "%u: %s", shim, (unsigned int)c->uid, strerror(f->err));
		break;
	default:
		if (f->err == ENOENT && strchr(cmd, '/') == NULL)
			cause_set(cause, "%s: command not found", cmd);
		else
			cause_set(cause, "cannot execute %s: %s", cmd,
			    strerror(f->err));
		break;
	}
}

int
launch_start(const struct launch_spec *ls, pid_t *pidp, char **cause)
{
	struct launch_cred	 c;
	struct launch_fail	 f;
	sigset_t		 block, old;
	char			*shim_in = NULL, **envv = NULL;
	const char		*shim = ls->shim;
	int			 p[2] = { -1, -1 }, g[2] = { -1, -1 };
	int			 rc = -1, cgfd = -1, joined = 0;
	size_t			 i;
	ssize_t			 n;
	pid_t			 pid;

	if (ls->argv == NULL || ls->argv[0] == NULL || *ls->argv[0] == '\0')
		return cause_set(cause, "no command");
	if (launch_user(ls->user, &c, cause) == -1)
		return -1;
	if (ls->rootfs != NULL && getuid() != 0) {
		cause_set(cause, "--rootfs needs root (chroot)");
		goto out;
	}
	if ((ls->hostname != NULL || ls->volumes != NULL) &&
	    launch_os_isolate_ok(ls, cause) == -1)
		goto out;
	if (shim != NULL && access(shim, R_OK) == -1) {
		cause_set(cause, "the interposer %s: %s", shim,
		    strerror(errno));
		goto out;
	}
	if (ls->rootfs != NULL) {
		if (launch_rootfs(ls, &shim_in, cause) == -1)
			goto out;
		if (shim != NULL)
			shim = shim_in;
	}
	envv = launch_envv(ls, &c, shim);
	if (pipe(p) == -1 || util_set_cloexec(p[0]) == -1 ||
	    util_set_cloexec(p[1]) == -1 || (ls->join != NULL &&
	    (pipe(g) == -1 || util_set_cloexec(g[0]) == -1 ||
	    util_set_cloexec(g[1]) == -1))) {
		cause_set(cause, "pipe: %s", strerror(errno));
		goto out;
	}
	/* no signal between fork and the forwarding: hold them */
	sigemptyset(&block);
	for (i = 0; i < nitems(launch_sigs); i++)
		sigaddset(&block, launch_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = -1;
	if (ls->cgroup != NULL && (cgfd = open(ls->cgroup, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1 &&
	    (pid = launch_os_fork_into(cgfd)) != -1)
		joined = 1;	/* the child starts in its cgroup */
	if (pid == -1 && (pid = fork()) == -1) {
		cause_set(cause, "fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	if (pid == 0) {
		close(p[0]);
		if (g[1] != -1)
			close(g[1]);
		launch_child(ls, &c, shim, envv, p[1], joined ? -1 : g[0]);
	}
	if ((ls->log != NULL && !ls->io_set) || ls->io_group)
		setpgid(pid, pid);	/* whoever is first; the child too */
	launch_arm(pid, ls->log != NULL || ls->io_group || ls->io_tty);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	p[1] = -1;
	if (ls->join != NULL && !joined) {
		close(g[0]);
		g[0] = -1;
		if (ls->join(pid, ls->join_arg, cause) == -1 ||
		    write(g[1], "g", 1) != 1) {
			/* the child reads EOF and exits: nothing ran */
			close(g[1]);
			g[1] = -1;
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			launch_disarm();
			if (*cause == NULL)
				cause_set(cause, "cannot start: %s",
				    strerror(errno));
			goto out;
		}
		close(g[1]);
		g[1] = -1;
	}
	do
		n = read(p[0], &f, sizeof(f));
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(f)) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		launch_disarm();
		launch_failed(ls, &c, shim, &f, cause);
		goto out;
	}
	*pidp = pid;
	rc = 0;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (g[0] != -1)
		close(g[0]);
	if (g[1] != -1)
		close(g[1]);
	if (cgfd != -1)
		close(cgfd);
	launch_envv_free(envv);
	launch_cred_free(&c);
	free(shim_in);
	return rc;
}

int
launch_wait(pid_t pid, int *code)
{
	int	 status = 0;
	pid_t	 r;

	if (!launch_armed || launch_target != pid) {
		launch_disarm();
		launch_arm(pid, getpgid(pid) == pid);
	}
	do
		r = waitpid(pid, &status, 0);
	while (r == -1 && errno == EINTR);
	launch_disarm();
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

/*
 * The status without reaping (WNOWAIT): the pid still names the process,
 * for whoever checks it before launch_wait() reaps it. Forwarding stays
 * as launch_start() armed it.
 */
int
launch_exited(pid_t pid, int *code)
{
	siginfo_t	 si;
	int		 r;

	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	if (si.si_code == CLD_EXITED)
		*code = si.si_status;
	else if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
		*code = 128 + si.si_status;
	else
		*code = 1;
	return 0;
}

/* The interposer: $BERTH_SHIM, else DIR/../lib (build/bin -> build/lib,
 * PREFIX/bin -> PREFIX/lib). */
const char *
launch_shim_path(const char *exe_dir)
{
	static char	 path[4096];
	const char	*env = getenv("BERTH_SHIM");

	if (env != NULL && *env != '\0')
		return env;
	snprintf(path, sizeof(path), "%s/../lib/%s", exe_dir,
	    launch_shim_name());
	return path;
}
