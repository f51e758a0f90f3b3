/* SPDX-License-Identifier: ISC */
/*
 * host.c - the registry of running berth-netd instances and of the
 * host settings they changed.
 *
 * DOC: why a registry
 * The datapath needs host-wide changes: sysctls (ip_forward,
 * tcp_early_demux, ...; os_settings) and the "lookup local" rule moved
 * from preference 0. Several netd may run at once (tests run their own
 * next to the user's), so the first one records the original values and
 * the last one restores them. The record is HOST_DIR/host.json, changed
 * under an flock, written atomically:
 *
 *	{ "instances": [ { "pid", "start", "prefix", "pool", "table" } ],
 *	  "saved": { "net.ipv4.ip_forward": "0", ... },
 *	  "local_moved": true }
 *
 * An instance is alive when its pid exists with the same start time
 * (proc_start(), the same test the CLI makes for containers).
 * A crashed instance stays listed until the next netd or a --cleanup
 * prunes it; its saved values stay, so nothing is lost: a netd that
 * starts after a crash re-applies the settings and keeps the originals.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "host.h"
#include "log.h"
#include "os.h"
#include "route.h"
#include "util.h"
#include "xmalloc.h"

#define HOST_FILE_MAX	(1024 * 1024)

struct host_ctx {
	char	*file;
	int	 lock;
	json_t	*j;
};

static int
host_open(const struct host_self *self, struct host_ctx *h, char **cause)
{
	char		*lockpath, *buf, *slash;
	json_error_t	 err;

	h->j = NULL;
	h->file = xstrdup(self->file != NULL ? self->file :
	    HOST_DIR "/host.json");
	buf = xstrdup(h->file);
	if ((slash = strrchr(buf, '/')) != NULL && slash != buf) {
		*slash = '\0';
		(void)util_mkdir_p(buf, 0755);
	}
	free(buf);
	xasprintf(&lockpath, "%s.lock", h->file);
	h->lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (h->lock == -1 || flock(h->lock, LOCK_EX) == -1) {
		cause_set(cause, "%s: %s", lockpath, strerror(errno));
		free(lockpath);
		if (h->lock != -1)
			close(h->lock);
		free(h->file);
		return -1;
	}
	free(lockpath);
	if ((buf = util_read_file(h->file, HOST_FILE_MAX, NULL)) != NULL) {
		h->j = json_loads(buf, 0, &err);
		if (h->j == NULL || !json_is_object(h->j)) {
			log_warnx("%s: %s: not a JSON object; starting anew",
			    __func__, h->file);
			json_decref(h->j);
			h->j = NULL;
		}
		free(buf);
	}
	if (h->j == NULL)
		h->j = json_object();
	if (!json_is_array(json_object_get(h->j, "instances")))
		json_object_set_new(h->j, "instances", json_array());
	if (!json_is_object(json_object_get(h->j, "saved")))
		json_object_set_new(h->j, "saved", json_object());
	return 0;
}

static int
host_close(struct host_ctx *h, int write, char **cause)
{
	char	*s;
	int	 ret = 0;

	if (write) {
		s = json_dumps(h->j, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (util_write_file_atomic(h->file, s, strlen(s), 0644) ==
		    -1)
			ret = cause_set(cause, "%s: %s", h->file,
			    strerror(errno));
		free(s);
	}
	json_decref(h->j);
	close(h->lock);
	free(h->file);
	return ret;
}

static int
host_alive(json_t *inst)
{
	json_int_t	 pid = json_integer_value(json_object_get(inst, "pid"));
	const char	*start = json_string_value(json_object_get(inst,
			    "start"));
	char		 buf[32];

	if (pid <= 0 || start == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%llu", proc_start((pid_t)pid));
	/* A killed netd its parent has not reaped yet is dead too. */
	return strcmp(buf, start) == 0 &&
	    proc_running((pid_t)pid, proc_start((pid_t)pid));
}

/* Drop dead instances and our own entry. */
static void
host_prune(struct host_ctx *h)
{
	json_t	*insts = json_object_get(h->j, "instances"), *i;
	size_t	 k = 0;

	while (k < json_array_size(insts)) {
		i = json_array_get(insts, k);
		if (!host_alive(i) || json_integer_value(json_object_get(i,
		    "pid")) == (json_int_t)getpid()) {
			json_array_remove(insts, k);
			continue;
		}
		k++;
	}
}

static int
host_conflict(struct host_ctx *h, const struct host_self *self,
    char **cause)
{
	json_t		*i;
	size_t		 k;
	struct cidr	 pool;
	const char	*s;
	char		 buf[CIDR_STRLEN];
	json_int_t	 pid;

	json_array_foreach(json_object_get(h->j, "instances"), k, i) {
		pid = json_integer_value(json_object_get(i, "pid"));
		if (json_integer_value(json_object_get(i, "table")) ==
		    (json_int_t)self->table)
			return cause_set(cause, "berth-netd pid %lld already "
			    "uses routing table %u", (long long)pid,
			    self->table);
		s = json_string_value(json_object_get(i, "prefix"));
		if (s != NULL && strcmp(s, self->prefix) == 0)
			return cause_set(cause, "berth-netd pid %lld already "
			    "uses the prefix \"%s\"", (long long)pid,
			    self->prefix);
		s = json_string_value(json_object_get(i, "pool"));
		if (s != NULL && cidr_parse(s, &pool, NULL) == 0 &&
		    cidr_overlap(&pool, &self->pool))
			return cause_set(cause, "berth-netd pid %lld already "
			    "uses the pool %s, which overlaps %s",
			    (long long)pid, s, cidr_fmt(&self->pool, buf));
	}
	return 0;
}

static void
host_apply(struct host_ctx *h)
{
	json_t		*saved = json_object_get(h->j, "saved");
	const char	*want;
	char		 cur[64];
	size_t		 i;

	for (i = 0; i < os_nsettings; i++) {
		if (os_sysctl_get(os_settings[i].name, cur, sizeof(cur)) ==
		    -1) {
			log_warn("%s: %s", __func__, os_settings[i].name);
			continue;
		}
		if ((want = os_settings[i].want(cur)) == NULL)
			continue;
		if (json_object_get(saved, os_settings[i].name) == NULL)
			json_object_set_new(saved, os_settings[i].name,
			    json_string(cur));
		if (os_sysctl_set(os_settings[i].name, want) == -1)
			log_warn("%s: %s=%s", __func__, os_settings[i].name,
			    want);
		else
			log_debug("%s: %s=%s (was %s): %s", __func__,
			    os_settings[i].name, want, cur,
			    os_settings[i].why);
	}
}

int
host_enter(const struct host_self *self, char **cause)
{
	struct host_ctx	 h;
	json_t		*inst;
	char		 buf[CIDR_STRLEN], start[32];

	if (host_open(self, &h, cause) == -1)
		return -1;
	host_prune(&h);
	if (host_conflict(&h, self, cause) == -1) {
		host_close(&h, 1, NULL);
		return -1;
	}
	host_apply(&h);
	if (route_local_move(cause) == -1) {
		host_close(&h, 1, NULL);
		return -1;
	}
	json_object_set_new(h.j, "local_moved", json_true());
	snprintf(start, sizeof(start), "%llu", proc_start(getpid()));
	inst = json_pack("{s:I, s:s, s:s, s:s, s:I}", "pid",
	    (json_int_t)getpid(), "start", start, "prefix", self->prefix,
	    "pool", cidr_fmt(&self->pool, buf), "table",
	    (json_int_t)self->table);
	json_array_append_new(json_object_get(h.j, "instances"), inst);
	return host_close(&h, 1, cause);
}

/*
 * Another live instance's pool holds addr: a tun named for it may be
 * that instance's (reconcile.c asks before removing a stored entry's
 * tun outside its own pool). 1 yes, 0 no; -1 (unreadable): assume yes.
 */
int
host_pool_user(const struct host_self *self, uint32_t addr)
{
	struct host_ctx	 h;
	struct cidr	 pool;
	json_t		*i;
	const char	*s;
	size_t		 k;
	int		 ret = 0;

	if (host_open(self, &h, NULL) == -1)
		return -1;
	json_array_foreach(json_object_get(h.j, "instances"), k, i) {
		if (json_integer_value(json_object_get(i, "pid")) ==
		    (json_int_t)getpid() || !host_alive(i))
			continue;
		s = json_string_value(json_object_get(i, "pool"));
		if (s == NULL || (cidr_parse(s, &pool, NULL) == 0 &&
		    cidr_contains(&pool, addr)))
			ret = 1;
	}
	host_close(&h, 0, NULL);
	return ret;
}

int
host_leave(const struct host_self *self, char **cause)
{
	struct host_ctx	 h;
	json_t		*v;
	const char	*name;
	int		 ret = 0;

	(void)self;
	if (host_open(self, &h, cause) == -1)
		return -1;
	host_prune(&h);
	if (json_array_size(json_object_get(h.j, "instances")) > 0)
		return host_close(&h, 1, cause);

	/* The last one out: put the host back as it was. */
	json_object_foreach(json_object_get(h.j, "saved"), name, v) {
		if (!json_is_string(v))
			continue;
		if (os_sysctl_set(name, json_string_value(v)) == -1) {
			log_warn("%s: restoring %s", __func__, name);
			ret = -1;
		}
	}
	if (json_is_true(json_object_get(h.j, "local_moved")) &&
	    route_local_restore(cause) == -1) {
		host_close(&h, 1, NULL);
		return -1;
	}
	if (unlink(h.file) == -1 && errno != ENOENT)
		log_warn("%s: %s", __func__, h.file);
	host_close(&h, 0, NULL);
	if (ret == -1)
		cause_set(cause, "some host settings could not be restored");
	return ret;
}
