/* SPDX-License-Identifier: ISC */
/*
 * client.c - reaching berth-netd, and starting it when it is not running.
 *
 * DOC: auto-start
 * The first command finds no daemon: connect() fails with ENOENT or
 * ECONNREFUSED. It then takes an exclusive flock on SOCKET.lock, tries
 * once more (another CLI may have won the race), and otherwise starts
 * berth-netd with the pool, prefix, state directory and table from the
 * environment, and waits until the socket answers "hello". Holding the
 * lock across the start means two CLIs never start two daemons.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proc.h"
#include "proto.h"
#include "run.h"
#include "statefile.h"
#include "util.h"
#include "xmalloc.h"

static int	 client_fd = -1;
static long long client_used_ms;	/* last request on client_fd */
static int	 client_pending;	/* replies not read yet */
static uint8_t	*client_out;		/* requests not written yet */
static size_t	 client_outlen;

/* netd closes connections idle for CTL_IDLE_MS (60 s), or for
 * BERTH_NETD_IDLE_MS (tests): never reuse one that has been quiet for
 * half of that. */
#define CLIENT_STALE_MS	30000

/* The directory of the running berth binary (for berth-netd, the shim). */
const char *
client_exe_dir(void)
{
	static char	 dir[PATH_MAX];
	const char	*exe;
	char		 path[PATH_MAX];

	if (dir[0] != '\0')
		return dir;
	if ((exe = proc_self_exe()) == NULL)
		return ".";
	snprintf(path, sizeof(path), "%s", exe);
	snprintf(dir, sizeof(dir), "%s", dirname(path));
	return dir;
}

char *
client_log_path(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/logs/%s.log", cli_cfg.state_dir, name);
	return p;
}

char *
client_netd_path(void)
{
	const char	*env = getenv("BERTH_NETD");
	char		*p;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	xasprintf(&p, "%s/berth-netd", client_exe_dir());
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	xasprintf(&p, "%s/../sbin/berth-netd", client_exe_dir());
	return p;
}

static int
client_start_netd(char **cause)
{
	char		*netd, *argv[16];
	struct run_spec	 sp = { .argv = argv, .search = RUN_AS_GIVEN,
			    .fd = { RUN_DEVNULL, RUN_DEVNULL, RUN_INHERIT },
			    .errtag = "berth" };
	int		 argc = 0, status;
	pid_t		 pid;

	if (geteuid() != 0)
		return cause_set(cause, "netd is not running at %s, and "
		    "starting it needs root (try sudo)", cli_cfg.socket);
	netd = client_netd_path();
	argv[argc++] = netd;
	argv[argc++] = (char *)"-s";
	argv[argc++] = (char *)cli_cfg.socket;
	argv[argc++] = (char *)"--state-dir";
	argv[argc++] = (char *)cli_cfg.state_dir;
	if (cli_cfg.pool != NULL) {
		argv[argc++] = (char *)"--pool";
		argv[argc++] = (char *)cli_cfg.pool;
	}
	if (cli_cfg.prefix != NULL) {
		argv[argc++] = (char *)"--prefix";
		argv[argc++] = (char *)cli_cfg.prefix;
	}
	if (cli_cfg.table != NULL) {
		argv[argc++] = (char *)"--table";
		argv[argc++] = (char *)cli_cfg.table;
	}
	argv[argc] = NULL;
	/* berth-netd daemonizes: the parent exits once it is serving. */
	if ((pid = run_start(&sp, NULL, NULL, cause)) == -1) {
		free(netd);
		return -1;
	}
	if (run_wait(pid, &status) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		cause_set(cause, "starting netd (%s) failed", netd);
		free(netd);
		return -1;
	}
	free(netd);
	return 0;
}

int
client_connect(char **cause)
{
	char		*lockpath = NULL, *dir;
	int		 fd, lock = -1, i;

	if (client_fd != -1)
		return client_fd;
	if ((fd = proto_connect(cli_cfg.socket, cause)) != -1)
		return client_fd = fd;
	if (errno != ENOENT && errno != ECONNREFUSED)
		return -1;
	if (getenv("BERTH_NO_AUTOSTART") != NULL &&
	    *getenv("BERTH_NO_AUTOSTART") != '\0')
		return cause_prefix(cause, "BERTH_NO_AUTOSTART is set");

	dir = xstrdup(cli_cfg.socket);
	if (util_mkdir_p(dirname(dir), 0755) == -1 && geteuid() == 0) {
		cause_set(cause, "cannot create the directory of %s: %s",
		    cli_cfg.socket, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	xasprintf(&lockpath, "%s.lock", cli_cfg.socket);
	if ((lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
	    -1 || flock(lock, LOCK_EX) == -1) {
		if (geteuid() != 0)
			cause_set(cause, "netd is not running at %s, and "
			    "starting it needs root (try sudo)",
			    cli_cfg.socket);
		else
			cause_set(cause, "%s: %s", lockpath, strerror(errno));
		fd = -1;
		goto out;
	}
	if ((fd = proto_connect(cli_cfg.socket, cause)) != -1)
		goto out;
	if (client_start_netd(cause) == -1)
		goto out;
	for (i = 0; i < 250; i++) {
		if ((fd = proto_connect(cli_cfg.socket, cause)) != -1)
			goto out;
		usleep(20000);
	}
	cause_prefix(cause, "netd was started but does not answer");
out:
	if (lock != -1)
		close(lock);
	free(lockpath);
	if (fd != -1)
		client_fd = fd;
	return fd;
}

/*
 * The connection has been quiet long enough that netd may have closed
 * it: nothing more is written to it (a reply it holds stays readable).
 */
int
client_stale(void)
{
	const char	*e = getenv("BERTH_NETD_IDLE_MS");
	unsigned long	 ul;
	long long	 stale = CLIENT_STALE_MS;

	if (e != NULL && util_parse_uint(e, 86400000, &ul) == 0 && ul > 0)
		stale = (long long)ul / 2;
	return client_fd != -1 && util_now_ms() - client_used_ms > stale;
}

/* Forget the connection (a forked child must open its own). */
void
client_reset(void)
{
	if (client_fd != -1)
		close(client_fd);
	client_fd = -1;
	client_pending = 0;
	free(client_out);
	client_out = NULL;
	client_outlen = 0;
}

int
client_call(const char *op, json_t *args, json_t **data, char **cause)
{
	return client_call_code(op, args, data, NULL, cause);
}

/* The same; *code (may be NULL) is netd's error code, or PROTO_E_LOCAL. */
int
client_call_code(const char *op, json_t *args, json_t **data,
    enum proto_code *code, char **cause)
{
	*data = NULL;
	if (code != NULL)
		*code = PROTO_E_LOCAL;
	if (client_send(op, args, cause) == -1)
		return -1;
	return client_recv(data, code, cause);
}

/*
 * Pipelining: client_send() requests one after another, then
 * client_recv() their replies in the same order. Steals args. The
 * requests are queued and go out in one write at the next client_recv()
 * or client_flush(): netd reads them together, answers them in one
 * round and commits the state once for all of them.
 */
int
client_send(const char *op, json_t *args, char **cause)
{
	json_t	*req;
	uint8_t	*buf;
	size_t	 len;

	if (client_pending == 0 && client_stale())
		client_reset();
	if (client_connect(cause) == -1) {
		json_decref(args);
		return -1;
	}
	client_used_ms = util_now_ms();
	req = proto_request(op, args);
	buf = proto_encode(req, &len, cause);
	json_decref(req);
	if (buf == NULL)
		return -1;
	client_out = xreallocarray(client_out, client_outlen + len, 1);
	memcpy(client_out + client_outlen, buf, len);
	client_outlen += len;
	free(buf);
	client_pending++;
	return 0;
}

/* Write the queued requests; a connection that fails is forgotten. */
int
client_flush(char **cause)
{
	if (client_fd != -1 && client_outlen > 0 &&
	    proto_write_all(client_fd, client_out, client_outlen) == -1) {
		cause_set(cause, "cannot send to netd: %s", strerror(errno));
		client_reset();
		return -1;
	}
	free(client_out);
	client_out = NULL;
	client_outlen = 0;
	return 0;
}

int
client_recv(json_t **data, enum proto_code *code, char **cause)
{
	*data = NULL;
	if (code != NULL)
		*code = PROTO_E_LOCAL;
	if (client_fd == -1 || client_pending == 0)
		return cause_set(cause, "no reply is due from netd");
	if (client_flush(cause) == -1)
		return -1;
	/* client_used_ms stays: reading a reply netd sent long ago is not
	 * activity netd sees, and its idle time goes on */
	client_pending--;
	return proto_recv_reply(client_fd, data, code, cause);
}

/* A call whose reply data does not matter. */
int
client_do(const char *op, json_t *args, char **cause)
{
	json_t	*data;

	if (client_call(op, args, &data, cause) == -1)
		return -1;
	json_decref(data);
	return 0;
}

/* The container name (or a service of the current stack), decoded. */
int
client_inspect(const char *name, struct ctrview *v, char **cause)
{
	enum proto_code	 code;
	json_t		*obj;
	int		 rc;

	memset(v, 0, sizeof(*v));
	if (client_call_code("inspect", json_pack("{s:s}", "name", name),
	    &obj, &code, cause) == 0) {
		rc = ctrview_decode(obj, v, cause);
		json_decref(obj);
		return rc;
	}
	/* compose's habit: a service name of the current stack */
	if (code == PROTO_E_NOT_FOUND)
		return resolve_service(name, v, cause);
	return -1;
}

/* netd's hello, decoded. */
int
client_hello(struct netd_hello *h, char **cause)
{
	json_t	*data;

	memset(h, 0, sizeof(*h));
	if (client_call("hello", NULL, &data, cause) == -1)
		return -1;
	return client_hello_decode(data, h, cause);
}

/* A hello reply's data (stolen), decoded. */
int
client_hello_decode(json_t *data, struct netd_hello *h, char **cause)
{
	int	 rc;

	memset(h, 0, sizeof(*h));
	rc = netd_hello_parse(data, h, cause);
	json_decref(data);
	return rc;
}

/*
 * The state file of this instance (root only: it is 0600), for when
 * netd is down: the object netd wrote, or NULL with *cause (errno
 * ENOENT when there is none, EINVAL when it is not what netd writes).
 */
json_t *
client_state(char **cause)
{
	struct statefile	 sf;
	json_t			*j = NULL;
	char			*path;

	xasprintf(&path, "%s/" STATEFILE_SNAPSHOT, cli_cfg.state_dir);
	if (statefile_read(cli_cfg.state_dir, CLIENT_STATE_MAX, &sf) == -1) {
		if (errno == EINVAL)
			cause_set(cause, "%s is damaged: %s", path, sf.why);
		else
			cause_set(cause, "%s: %s", path, sf.why != NULL ?
			    sf.why : strerror(errno));
		goto out;
	}
	if (!json_is_array(json_object_get(sf.state, "containers"))) {
		cause_set(cause, "%s is damaged: no list of containers", path);
		errno = EINVAL;
		goto out;
	}
	j = json_incref(sf.state);
out:
	statefile_clear(&sf);
	free(path);
	return j;
}
