/* SPDX-License-Identifier: ISC */
/*
 * container.c - a container's life as the CLI drives it.
 *
 * DOC: who owns a container's process
 * netd owns the address, the tun and the rules; it does not own
 * processes, so a restart of netd never touches a running server. The
 * CLI starts the process through the runtime launcher and waits for it:
 * in the foreground itself, with -d in a small monitor process it forks
 * (setsid, stdio to the container's log). Whoever waits reports
 * "started" (pid and the process's start time) and "exited" (the status)
 * to netd, and removes the container when it was run with --rm. stop
 * signals the recorded pid only when its start time still matches, so a
 * reused pid is never hit.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "cli.h"
#include "launch.h"
#include "log.h"
#include "name.h"
#include "util.h"
#include "xmalloc.h"

/*
 * May this CLI use what netd stored for the container (meta: command,
 * env, user, workdir, rootfs)? Only when netd recorded its creator and
 * the creator is the caller or root: anything else is what another
 * socket-group member chose, and running it would lend them our uid
 * (docs/security.md).
 */
int
container_trusted(const struct ctrview *v)
{
	return v->info.uid == 0 || (v->info.uid > 0 &&
	    v->info.uid == (long long)getuid());
}

/*
 * May the recorded process be signalled? It must be alive with its
 * recorded start time, and be its creator's (real uid), unless root
 * created it (root's containers may run as any --user).
 */
int
container_signal_ok(const struct ctrview *v, char **cause)
{
	long long	 pid = v->info.pid;
	uid_t		 u;

	if (!ctrview_alive(v))
		return cause_set(cause, "process %lld is gone", pid);
	if (v->info.uid == 0)
		return 0;
	if (v->info.uid < 0 || proc_uid((pid_t)pid, &u) == -1 ||
	    (long long)u != v->info.uid)
		return cause_set(cause, "process %lld is not the container's "
		    "creator's: not signalled", pid);
	return 0;
}

static json_t *
container_meta(const struct run_opts *o, const char *log)
{
	json_t	*m, *cmd;
	size_t	 i;

	cmd = json_array();
	for (i = 0; o->argv[i] != NULL; i++)
		json_array_append_new(cmd, json_string(o->argv[i]));
	m = json_pack("{s:o, s:b, s:b}", "command", cmd, "rm", o->rm,
	    "detach", o->detach);
	if (o->rootfs != NULL)
		json_object_set_new(m, "rootfs", json_string(o->rootfs));
	if (o->user != NULL)
		json_object_set_new(m, "user", json_string(o->user));
	if (o->workdir != NULL)
		json_object_set_new(m, "workdir", json_string(o->workdir));
	if (o->env != NULL)
		json_object_set(m, "env", o->env);
	if (o->labels != NULL && json_object_size(o->labels) > 0)
		json_object_set(m, "labels", o->labels);
	if (log != NULL)
		json_object_set_new(m, "log", json_string(log));
	if (o->volumes != NULL && json_array_size(o->volumes) > 0)
		json_object_set(m, "volumes", o->volumes);
	if (o->hostname != NULL)
		json_object_set_new(m, "hostname", json_string(o->hostname));
	if (o->restart != NULL)
		json_object_set_new(m, "restart", json_string(o->restart));
	if (o->config != NULL)
		json_object_set_new(m, "config", json_string(o->config));
	return m;
}

/* A JSON array of strings as a NULL-terminated vector (borrowed). */
char **
container_envv(json_t *env)
{
	char	**v;
	json_t	 *e;
	size_t	  i, n = 0;

	v = xcalloc(json_array_size(env) + 1, sizeof(char *));
	json_array_foreach(env, i, e) {
		if (json_is_string(e))
			v[n++] = (char *)json_string_value(e);
	}
	return v;
}

/* The launcher's hook: netd moves the waiting child into the cgroup. */
static int
container_join(pid_t pid, void *arg, char **cause)
{
	return client_do("join", json_pack("{s:s, s:I}", "name",
	    (const char *)arg, "pid", (json_int_t)pid), cause);
}

/* The container's cgroup directory, for the one launch at a time. */
static char	 container_cg[4096];

/* Fill a launch spec from a container (run and exec share it). */
static void
container_spec(const struct ctrview *v, const struct ctrview_meta *m,
    struct launch_spec *ls, const struct netd_hello *h,
    char gw[ADDR_STRLEN])
{
	memset(ls, 0, sizeof(*ls));
	ls->addr = v->ip;
	ls->name = v->name;
	ls->rootfs = m->rootfs;
	ls->user = m->user;
	ls->workdir = m->workdir;
	ls->gateway = h->gateway != 0 ? addr_fmt(h->gateway, gw) : NULL;
	ls->stack = v->info.spec.stack;
	ls->hostname = m->hostname;
	if (json_array_size(m->volumes) > 0)
		ls->volumes = container_envv(m->volumes);
	/* netd's DNS answers on the gateway, unless hello says it is off */
	if (h->dns)
		ls->dns = ls->gateway;
	/* the kernel holds the process to its address (cgroup BPF) */
	if (ls->name != NULL && h->enforce != NULL &&
	    strcmp(h->enforce, "cgroup-bpf") == 0) {
		ls->kernel = 1;
		ls->join = container_join;
		ls->join_arg = (void *)ls->name;
		/*
		 * Root starts the child in the cgroup itself, sparing netd's
		 * move (launch.c); join stays for when that cannot be done.
		 */
		if (h->cgroup != NULL && geteuid() == 0 &&
		    (size_t)snprintf(container_cg, sizeof(container_cg),
		    "%s/%s", h->cgroup, ls->name) < sizeof(container_cg))
			ls->cgroup = container_cg;
	}
}

/* A foreground run, between pump.c's callbacks and container_run. */
struct container_fg {
	const char	*name;
	pid_t		 pid;
	int		 rm;
	int		 started_due;	/* its reply not read yet */
	int		 finished;	/* exited (and delete) answered */
	int		 rc;		/* then: container_finish's result */
};

static json_t *
container_started_args(const char *name, pid_t pid)
{
	return json_pack("{s:s, s:I, s:I}", "name", name, "pid",
	    (json_int_t)pid, "pid_start", (json_int_t)proc_start(pid));
}

static int
container_started(const char *name, pid_t pid, char **cause)
{
	return client_do("started", container_started_args(name, pid), cause);
}

static char *container_marker(const char *);

/* A removed container's files: its log, the log's stamps, the mark. */
static void
container_forget(const char *name)
{
	char	*p, *q;

	p = client_log_path(name);
	unlink(p);
	xasprintf(&q, "%s.ts", p);
	unlink(q);
	free(q);
	free(p);
	p = container_marker(name);
	unlink(p);
	free(p);
}

/*
 * A --rm container whose netd was down when its process exited: if the
 * state file still holds it, the restart would bring back a container
 * nobody waits for, its name taken for good. So netd is started again
 * (root only, as any auto-start) to remove it. 0 when it is gone.
 */
static int
container_rm_late(const char *name, int autostart, char **cause)
{
	struct ctrviews	 vs;
	json_t		*st;
	size_t		 i;
	int		 found = 0;

	if (!autostart || (st = client_state(NULL)) == NULL)
		return -1;
	if (ctrviews_decode(json_object_get(st, "containers"), &vs,
	    NULL) == -1) {
		json_decref(st);
		return -1;
	}
	for (i = 0; i < vs.n; i++)
		if (strcmp(vs.v[i].name, name) == 0)
			found = 1;
	ctrviews_clear(&vs);
	json_decref(st);
	if (!found)
		return 0;
	unsetenv("BERTH_NO_AUTOSTART");
	client_reset();
	return client_do("delete", json_pack("{s:s}", "name", name), cause);
}

/* exited and delete (--rm), sent together: one round trip for both. */
struct container_fin {
	char	*cause;
	int	 autostart;
	int	 sent;		/* requests queued: 0, 1 or 2 */
};

static void
container_finish_send(const char *name, int code, int rm,
    struct container_fin *f)
{
	const char	*e = getenv("BERTH_NO_AUTOSTART");

	f->cause = NULL;
	f->autostart = e == NULL || *e == '\0';
	f->sent = 1;
	/* A netd that died meanwhile is not restarted just to hear this. */
	setenv("BERTH_NO_AUTOSTART", "1", 1);
	if (client_send("exited", json_pack("{s:s, s:i}", "name", name,
	    "exit_code", code), &f->cause) == -1)
		f->sent = 0;
	else if (rm && client_send("delete", json_pack("{s:s}", "name",
	    name), NULL) == 0)
		f->sent = 2;
}

static int
container_finish_recv(const char *name, int rm, struct container_fin *f)
{
	json_t		*data;
	enum proto_code	 pcode;
	int		 rc = 0;

	if (f->sent > 0 && client_recv(&data, NULL, &f->cause) == 0)
		json_decref(data);
	else
		log_warnx("%s: %s", name, f->cause);
	if (rm) {
		if (f->sent == 2 && client_recv(&data, &pcode, &f->cause) == 0)
			json_decref(data);
		else if (f->sent < 2 && client_call_code("delete", json_pack(
		    "{s:s}", "name", name), &data, &pcode, &f->cause) == 0)
			json_decref(data);
		else if (pcode != PROTO_E_NOT_FOUND &&
		    container_rm_late(name, f->autostart, &f->cause) == -1) {
			log_warnx("--rm: %s was not removed: %s", name,
			    f->cause);
			rc = -1;
		}
		container_forget(name);
	}
	free(f->cause);
	f->cause = NULL;
	return rc;
}

static int
container_finish(const char *name, int code, int rm)
{
	struct container_fin	 f;

	container_finish_send(name, code, rm, &f);
	return container_finish_recv(name, rm, &f);
}

static void
container_undo(const char *name)
{
	char	*cause = NULL;

	if (client_do("delete", json_pack("{s:s}", "name", name),
	    &cause) == -1)
		log_warnx("removing %s after a failed start: %s", name, cause);
	free(cause);
}

static char *
container_marker(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/logs/%s.stopped", cli_cfg.state_dir, name);
	return p;
}

/*
 * stop, kill and rm leave a mark that the container's monitor reads
 * before it restarts the process: a container stopped by hand stays
 * stopped, whatever its restart policy says (docker's rule too).
 */
void
container_mark_stopped(const char *name)
{
	char	*p = container_marker(name);
	int	 fd;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) != -1)
		close(fd);
	free(p);
}

static int
container_stopped_by_hand(const char *name)
{
	char	*p = container_marker(name);
	int	 rc = access(p, F_OK) == 0;

	free(p);
	return rc;
}

/* --restart: no, always, unless-stopped, on-failure[:N]. */
int
container_restart_ok(const char *policy, char **cause)
{
	unsigned long	 n;

	if (policy == NULL || strcmp(policy, "no") == 0 ||
	    strcmp(policy, "always") == 0 ||
	    strcmp(policy, "unless-stopped") == 0 ||
	    strcmp(policy, "on-failure") == 0)
		return 0;
	if (strncmp(policy, "on-failure:", 11) == 0 &&
	    util_parse_uint(policy + 11, 1000000, &n) == 0)
		return 0;
	return cause_set(cause, "--restart %.40s: expected no, always, "
	    "unless-stopped or on-failure[:MAX]", policy);
}

/* Should a process that exited with code (the n-th restart next) run again? */
static int
container_restart_wanted(const char *policy, int code, unsigned long n)
{
	unsigned long	 max = 0;

	if (policy == NULL || strcmp(policy, "no") == 0)
		return 0;
	if (strncmp(policy, "on-failure", 10) == 0) {
		if (code == 0)
			return 0;
		if (policy[10] == ':' &&
		    util_parse_uint(policy + 11, 1000000, &max) == 0 &&
		    max > 0 && n >= max)
			return 0;
	}
	return 1;
}

struct monitor_arg {
	const char	*name;
	int		 sync;		/* -1 after the first start */
	int		 failed;
};

/* The process runs: tell netd, and the waiting parent the first time. */
static void
container_monitor_started(pid_t pid, void *arg)
{
	struct monitor_arg	*m = arg;
	char			*cause = NULL;

	if (container_started(m->name, pid, &cause) == -1) {
		/* The parent removes the container: take the process too. */
		kill(-pid, SIGKILL);
		m->failed = 1;
		if (m->sync != -1)
			(void)!write(m->sync, cause, strlen(cause));
	} else if (m->sync != -1)
		(void)!write(m->sync, "ok", 2);
	if (m->sync != -1) {
		close(m->sync);
		m->sync = -1;
	}
	free(cause);
	/* Hold no connection while waiting: netd serves a bounded number. */
	client_reset();
}

/*
 * The monitor of a detached container: its own session, stdio on
 * /dev/null; it copies the process's output into the log (pump.c) and
 * waits. It tells the waiting parent through fd "sync" either "ok" or
 * the reason the start failed. With a restart policy it starts the
 * process again, after docker's back-off: doubling from 100 ms, reset
 * by a run of 10 s or more; never after stop, kill or rm.
 */
static void __attribute__((__noreturn__))
container_monitor(struct launch_spec *ls, const char *name, int rm,
    const char *policy, int sync)
{
	struct monitor_arg	 m = { name, sync, 0 };
	char			*cause = NULL;
	int			 code = 1;
	unsigned long		 n;
	unsigned int		 delay_ms = 100;
	long long		 began;

	setsid();
	util_stdio_null(UTIL_STDIN | UTIL_STDOUT | UTIL_STDERR);
	client_reset();		/* never share the parent's connection */
	ls->io_group = 1;
	for (n = 0;; n++) {
		began = util_now_ms();
		if (pump_run(ls, 0, 0, ls->log, container_monitor_started,
		    NULL, &m, &code, &cause) == -1) {
			if (m.sync != -1) {
				(void)!write(m.sync, cause, strlen(cause));
				_exit(1);
			}
			break;
		}
		if (m.failed)
			_exit(1);
		if (!container_restart_wanted(policy, code, n) ||
		    container_stopped_by_hand(name))
			break;
		if (util_now_ms() - began >= 10000)
			delay_ms = 100;
		setenv("BERTH_NO_AUTOSTART", "1", 1);
		(void)client_do("exited", json_pack("{s:s, s:i}", "name",
		    name, "exit_code", code), NULL);
		client_reset();
		usleep(delay_ms * 1000);
		if (delay_ms < 10000)
			delay_ms *= 2;
		if (container_stopped_by_hand(name))
			break;
		free(cause);
		cause = NULL;
	}
	(void)container_finish(name, code, rm);
	_exit(0);
}

/*
 * A foreground run's "started" goes out without waiting for its reply:
 * the process runs meanwhile, and its reply is read (a failure is still
 * reported) once its output has ended but before it is reaped: netd
 * checks that the pid is the process it was told of, and a reaped pid
 * is gone. The connection stays open while the process runs; netd
 * closes it after CTL_IDLE_MS of silence, the reply stays readable.
 */
static void
container_fg_started(pid_t pid, void *arg)
{
	struct container_fg	*fg = arg;
	char			*cause = NULL;

	fg->pid = pid;
	if (client_send("started", container_started_args(fg->name, pid),
	    &cause) == 0 && client_flush(&cause) == 0)
		fg->started_due = 1;
	else {
		log_warnx("%s: %s", fg->name, cause);
		client_reset();
	}
	free(cause);
}

/*
 * hello and create pipelined: one round trip instead of two. Both
 * replies are read; a create that netd refused fails the run with netd's
 * reason, and one that succeeded while hello failed is undone.
 */
static int
container_hello_create(json_t *args, struct netd_hello *h, json_t **ctr,
    char **cause)
{
	json_t		*data;
	char		*hcause = NULL;
	const char	*name;
	int		 hrc;

	*ctr = NULL;
	if (client_send("hello", NULL, cause) == -1) {
		json_decref(args);
		return -1;
	}
	if (client_send("create", args, cause) == -1)
		return -1;
	if ((hrc = client_recv(&data, NULL, &hcause)) == 0)
		hrc = client_hello_decode(data, h, &hcause);
	if (client_recv(ctr, NULL, cause) == -1) {
		free(hcause);
		return -1;
	}
	if (hrc == -1) {
		name = json_string_value(json_object_get(*ctr, "name"));
		if (name != NULL)
			container_undo(name);
		json_decref(*ctr);
		*ctr = NULL;
		cause_set(cause, "%s", hcause);
		free(hcause);
		return -1;
	}
	return 0;
}

/*
 * Its output has ended, it is not reaped yet. Once it has exited (the
 * status read without reaping it), exited and delete go out behind
 * started, and the three replies are read in one round trip: started's
 * first (still before the reap), then the others (container_finish).
 * Where started is not due, or the status cannot be had so, started's
 * reply alone, and container_run finishes after the reap: also after
 * a run long enough that netd may have closed the connection for
 * silence (client_stale), where started's reply is still there to read
 * but nothing more may be written.
 */
static void
container_fg_ended(void *arg)
{
	struct container_fg	*fg = arg;
	struct container_fin	 f;
	char			*cause = NULL;
	json_t			*data;
	enum proto_code		 pcode;
	int			 code, fin;

	if (!fg->started_due)
		return;
	fg->started_due = 0;
	memset(&f, 0, sizeof(f));
	/* not on a connection netd may have closed while it ran */
	fin = launch_exited(fg->pid, &code) == 0 && !client_stale();
	if (fin)
		container_finish_send(fg->name, code, fg->rm, &f);
	if (client_recv(&data, &pcode, &cause) == 0)
		json_decref(data);
	else {
		log_warnx("%s: %s", fg->name, cause);
		if (pcode == PROTO_E_LOCAL && fin) {
			/* the connection failed: exited and delete anew,
			 * after the reap, as container_finish_send found
			 * them */
			client_reset();
			if (f.autostart)
				unsetenv("BERTH_NO_AUTOSTART");
			free(f.cause);
			fin = 0;
		} else if (pcode == PROTO_E_LOCAL)
			client_reset();
	}
	free(cause);
	if (fin) {
		fg->rc = container_finish_recv(fg->name, fg->rm, &f);
		fg->finished = 1;
	}
}

int
container_run(const struct run_opts *o, struct ctrview *out, char **cause)
{
	struct launch_spec	 ls;
	struct ctrview		 cv;
	struct ctrview_meta	 cm;
	struct netd_hello	 hello;
	struct container_fg	 fg;
	json_t			*args, *ctr = NULL, *meta = NULL;
	char			*log = NULL, *logdir = NULL, **envv = NULL;
	char			 buf[1024], gw[ADDR_STRLEN];
	char			 namebuf[NAME_MAX_LEN + 1];
	const char		*name;
	pid_t			 pid;
	int			 p[2] = { -1, -1 }, rc = -1, code;
	ssize_t			 n;

	memset(out, 0, sizeof(*out));
	memset(&cv, 0, sizeof(cv));
	memset(&cm, 0, sizeof(cm));
	memset(&ls, 0, sizeof(ls));
	memset(&hello, 0, sizeof(hello));
	memset(&fg, 0, sizeof(fg));
	if (container_restart_ok(o->restart, cause) == -1)
		return -1;
	args = json_object();
	if (o->name != NULL)
		json_object_set_new(args, "name", json_string(o->name));
	if (o->ip != NULL)
		json_object_set_new(args, "ip", json_string(o->ip));
	if (o->ports != NULL)
		json_object_set(args, "ports", o->ports);
	if (o->networks != NULL && json_array_size(o->networks) > 0)
		json_object_set(args, "networks", o->networks);
	if (o->stack != NULL)
		json_object_set_new(args, "stack", json_string(o->stack));
	if (o->service != NULL)
		json_object_set_new(args, "service", json_string(o->service));
	if (o->detach && o->name != NULL)
		log = client_log_path(o->name);
	meta = container_meta(o, log);
	free(log);
	log = NULL;
	json_object_set(args, "meta", meta);
	if (container_hello_create(args, &hello, &ctr, cause) == -1)
		goto out;
	if (ctrview_decode(ctr, &cv, cause) == -1) {
		if (o->name != NULL)
			container_undo(o->name);
		goto out;
	}
	name = namebuf;
	snprintf(namebuf, sizeof(namebuf), "%s", cv.name);
	log = container_marker(name);	/* a fresh start: no mark */
	unlink(log);
	free(log);
	log = NULL;
	if (o->detach)
		log = client_log_path(name);
	/* What we asked for, not netd's echo of it. */
	ctrview_meta_from(meta, &cm);
	container_spec(&cv, &cm, &ls, &hello, gw);
	ls.argv = o->argv;
	envv = container_envv(o->env);
	ls.env = envv;
	ls.shim = launch_shim_path(client_exe_dir());

	if (log == NULL)
		log = client_log_path(name);
	xasprintf(&logdir, "%s/logs", cli_cfg.state_dir);
	if (util_mkdir_p(logdir, 0750) == -1) {
		cause_set(cause, "cannot create %s: %s", logdir,
		    strerror(errno));
		container_undo(name);
		goto out;
	}
	if (!o->detach) {
		/* through pump.c: the terminal and the log */
		fg.name = name;
		fg.rm = o->rm;
		if (pump_run(&ls, o->tty, o->interactive, log,
		    container_fg_started, container_fg_ended, &fg,
		    &code, cause) == -1) {
			container_undo(name);
			goto out;
		}
		rc = code;
		if (!fg.finished)
			fg.rc = container_finish(name, code, o->rm);
		/* A --rm left behind is a failure, whatever the status. */
		if (fg.rc == -1 && rc == 0)
			rc = 1;
		goto done;
	}
	ls.log = log;
	if (pipe(p) == -1 || util_set_cloexec(p[0]) == -1 ||
	    util_set_cloexec(p[1]) == -1 || (pid = fork()) == -1) {
		cause_set(cause, "cannot start a monitor: %s",
		    strerror(errno));
		container_undo(name);
		goto out;
	}
	if (pid == 0) {
		close(p[0]);
		container_monitor(&ls, name, o->rm, o->restart, p[1]);
	}
	close(p[1]);
	p[1] = -1;
	n = read(p[0], buf, sizeof(buf) - 1);
	if (n != 2 || memcmp(buf, "ok", 2) != 0) {
		buf[n > 0 ? n : 0] = '\0';
		cause_set(cause, "%s", n > 0 ? buf :
		    "the monitor process died");
		container_undo(name);
		goto out;
	}
	/* Refresh: netd now has the pid. */
	ctrview_clear(&cv);
	if (client_inspect(name, &cv, cause) == -1)
		goto out;
done:
	*out = cv;
	memset(&cv, 0, sizeof(cv));
	if (rc == -1)
		rc = 0;
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	ctrview_clear(&cv);
	json_decref(ctr);
	netd_hello_clear(&hello);
	json_decref(meta);
	free(cm.command);
	free(envv);
	free(ls.volumes);
	free(log);
	free(logdir);
	return rc;
}

static int
container_wait_gone(const struct ctrview *v, int ms)
{
	int	 i;

	for (i = 0; i < ms / 10; i++) {
		if (!ctrview_alive(v))
			return 0;
		usleep(10000);
	}
	return -1;
}

int
container_stop(struct ctrview *v, int timeout_s, int sig, char **cause)
{
	pid_t		 pid;
	const char	*name = v->name;

	if (!ctrview_alive(v))
		return 0;
	if (container_signal_ok(v, cause) == -1)
		return -1;
	container_mark_stopped(name);
	pid = (pid_t)v->info.pid;
	/* The launcher makes the process a group leader: signal the group. */
	if (kill(-pid, sig) == -1)
		kill(pid, sig);
	if (sig != SIGKILL && container_wait_gone(v, timeout_s * 1000) == 0)
		goto done;
	if (ctrview_alive(v)) {
		if (kill(-pid, SIGKILL) == -1)
			kill(pid, SIGKILL);
	}
	if (container_wait_gone(v, 5000) == -1)
		return cause_set(cause, "%s: process %d does not die", name,
		    (int)pid);
done:
	/* Give the monitor a moment to report the real status. */
	usleep(20000);
	return 0;
}

int
container_remove(const char *name, int force, char **cause)
{
	struct ctrview	 v;
	json_t		*data;
	enum proto_code	 code;
	int		 rc = -1;

	if (client_inspect(name, &v, cause) == -1)
		return -1;
	/* a service name resolves to its container: use the real name */
	name = v.name;
	if (ctrview_alive(&v)) {
		if (!force) {
			cause_set(cause, "container \"%s\" is running; stop "
			    "it first or use rm -f", name);
			goto out;
		}
		if (container_stop(&v, 0, SIGKILL, cause) == -1)
			goto out;
	}
	if (client_call_code("delete", json_pack("{s:s}", "name", name),
	    &data, &code, cause) == -1) {
		/* --rm may have removed it meanwhile */
		if (code != PROTO_E_NOT_FOUND)
			goto out;
	} else
		json_decref(data);
	container_forget(name);
	rc = 0;
out:
	ctrview_clear(&v);
	return rc;
}

int
container_exec(const char *name, char **argv, const char *user,
    const char *workdir, json_t *env, int tty, int interactive,
    char **cause)
{
	struct launch_spec	 ls;
	struct ctrview		 v;
	struct netd_hello	 hello;
	json_t			*allenv;
	char			**envv = NULL, gw[ADDR_STRLEN];
	pid_t			 pid;
	int			 code = -1;

	memset(&ls, 0, sizeof(ls));
	memset(&v, 0, sizeof(v));
	memset(&hello, 0, sizeof(hello));
	if (client_inspect(name, &v, cause) == -1 ||
	    client_hello(&hello, cause) == -1)
		goto out;
	if (!container_trusted(&v)) {
		cause_set(cause, "container \"%s\" was not created by uid %ld "
		    "or root: its stored env, user, workdir and rootfs are "
		    "not run (run exec as its creator)", name, (long)getuid());
		goto out;
	}
	if (!ctrview_alive(&v)) {
		cause_set(cause, "container \"%s\" is not running (berth "
		    "start %s)", name, name);
		goto out;
	}
	container_spec(&v, &v.meta, &ls, &hello, gw);
	allenv = json_array();
	if (v.meta.env != NULL)
		json_array_extend(allenv, v.meta.env);
	json_array_extend(allenv, env);
	envv = container_envv(allenv);
	ls.argv = argv;
	ls.env = envv;
	ls.shim = launch_shim_path(client_exe_dir());
	if (user != NULL)
		ls.user = user;
	if (workdir != NULL)
		ls.workdir = workdir;
	if (tty) {
		if (pump_run(&ls, 1, interactive, NULL, NULL, NULL, NULL, &code,
		    cause) == -1)
			code = -1;
	} else if (launch_start(&ls, &pid, cause) == 0)
		launch_wait(pid, &code);
	free(envv);
	free(ls.volumes);
	json_decref(allenv);
out:
	ctrview_clear(&v);
	netd_hello_clear(&hello);
	return code;
}
