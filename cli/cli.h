/* SPDX-License-Identifier: ISC */
/*
 * cli.h - the berth command line: verbs and what they share.
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <sys/types.h>

#include <stdio.h>

#include <jansson.h>

#include "addr.h"
#include "model.h"
#include "proto.h"

/* Settings shared by every verb, from the environment and -s. */
struct cli_config {
	const char	*socket;	/* -s, BERTH_SOCKET */
	const char	*pool;		/* BERTH_POOL (netd auto-start) */
	const char	*prefix;	/* BERTH_PREFIX */
	const char	*state_dir;	/* BERTH_STATE_DIR */
	const char	*table;		/* BERTH_TABLE */
	const char	*file;		/* -f: the stack file */
};
extern struct cli_config cli_cfg;

struct cidr;
/* verbs.c: the instance's pool (BERTH_POOL or the default). */
int	 cli_pool(struct cidr *, char **cause);


/*
 * ctrview.c: a container as netd reported it (list, inspect, the state
 * file), decoded once into the typed model; verbs use the fields, and
 * print obj (--json, templates) as netd sent it.
 */
struct ctrview_meta {			/* what run stored in meta */
	const char	**command;	/* NULL-terminated */
	json_t		 *env;		/* array of "K=V", or NULL */
	json_t		 *volumes;	/* array of "HOSTDIR:DIR[:ro]" */
	const char	 *rootfs, *user, *workdir, *hostname;
	const char	 *restart, *config, *log;
	int		  rm;
};
struct ctrview {
	struct ctr_info	 info;
	struct ctrview_meta meta;	/* borrowed from info.spec.meta */
	char		 name[NAME_MAX_LEN + 1];	/* info.spec.name */
	char		 ip[ADDR_STRLEN];
	char		 status[32];	/* "running", "exited (N)"... */
	json_t		*obj;		/* the object netd sent */
};
struct ctrviews {
	struct ctrview	*v;
	size_t		 n;
};
int	 ctrview_decode(json_t *obj, struct ctrview *, char **cause);
void	 ctrview_clear(struct ctrview *);
void	 ctrview_meta_from(json_t *meta, struct ctrview_meta *);
int	 ctrview_alive(const struct ctrview *);
enum ctr_state ctrview_settle(struct ctrview *);
json_t	*ctrview_ports(const struct ctrview *);
json_t	*ctrview_networks(const struct ctrview *);
int	 ctrviews_decode(json_t *list, struct ctrviews *, char **cause);
int	 ctrviews_decode_brief(json_t *list, struct ctrviews *, char **cause);
int	 ctrviews_list(struct ctrviews *, char **cause);
int	 ctrviews_list_brief(struct ctrviews *, char **cause);
void	 ctrviews_clear(struct ctrviews *);
void	 ctrviews_add(struct ctrviews *, struct ctrview *);
struct ctrview *ctrviews_find(struct ctrviews *, const char *stack,
	    const char *service, const char **other);

/* client.c: talking to netd, starting it when it is not running. */
int	 client_connect(char **cause);
void	 client_reset(void);
int	 client_do(const char *op, json_t *args, char **cause);
int	 client_inspect(const char *name, struct ctrview *, char **cause);
int	 client_hello(struct netd_hello *, char **cause);
int	 client_hello_decode(json_t *data, struct netd_hello *, char **cause);
int	 client_send(const char *op, json_t *args, char **cause);
int	 client_recv(json_t **data, enum proto_code *code, char **cause);
int	 client_flush(char **cause);
int	 client_stale(void);
int	 client_call(const char *op, json_t *args, json_t **data,
	    char **cause);
int	 client_call_code(const char *op, json_t *args, json_t **data,
	    enum proto_code *code, char **cause);
const char *client_exe_dir(void);
char	*client_netd_path(void);
char	*client_log_path(const char *name);
#define CLIENT_STATE_MAX	(64 * 1024 * 1024)
json_t	*client_state(char **cause);

/* Verbs: argv[0] is the verb; return the exit status. */
int	 cli_main(int, char **);
int	 cmd_run(int, char **);
int	 cmd_exec(int, char **);
int	 cmd_ps(int, char **);
int	 cmd_inspect(int, char **);
int	 cmd_port(int, char **);
int	 cmd_logs(int, char **);
int	 cmd_stop(int, char **);
int	 cmd_rm(int, char **);
int	 cmd_net(int, char **);
int	 cmd_up(int, char **);
int	 cmd_down(int, char **);
int	 cmd_rules(int, char **);
int	 cmd_rootfs(int, char **);
int	 cmd_doctor(int, char **);
int	 cmd_policy(int, char **);
int	 cmd_matrix(int, char **);
/* cmd_policy.c: "TO[:PORT[/PROTO]]" into a query's to, port, proto. */
int	 policy_target(const char *, json_t *q, char **cause);
int	 cmd_capture(int, char **);
int	 cmd_start(int, char **);
int	 cmd_kill(int, char **);
int	 cmd_top(int, char **);
int	 cmd_stats(int, char **);
int	 cmd_config(int, char **);
int	 cmd_link(int, char **);
int	 cmd_partition(int, char **);
int	 cmd_heal(int, char **);

/* cmd_capture.c: berth up's recording of a stack. */
struct stack_capture;
int	 capture_spawn(const char *stack, const struct stack_capture *,
	    pid_t *, char **cause);

/* Helpers shared by verbs. */
void	 cli_error(const char *verb, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));
int	 cli_usage(const char *verb);	/* prints usage, returns 1 */
/* A verb's subcommands ("net create ..."): run the one argv[1] names. */
struct cli_sub {
	const char	*name;
	int		(*fn)(int, char **);
};
int	 cli_subcommand(const char *verb, const struct cli_sub *, int argc,
	    char **argv);

/* pump.c: a foreground process's stdio through the CLI (and its log). */
struct launch_spec;
int	 pump_run(struct launch_spec *, int tty, int interactive,
	    const char *log, void (*started)(pid_t, void *),
	    void (*ended)(void *), void *arg, int *code, char **cause);

/* logview.c: reading a log with --tail, -t, --since. */
struct logs_stamp {
	long long	 off, ms;
};
struct logs_view {
	int		 stamps;	/* -t */
	long long	 since_ms;	/* --since; 0: all */
	FILE		*tsf;
	struct logs_stamp *ts;
	size_t		 nts, cap, its;
	long long	 off;
	int		 bol, skip;
};
int	 logs_parse_since(const char *, long long *ms, char **cause);
int	 logs_view_open(struct logs_view *, const char *path, int fd,
	    long tail);
int	 logs_view_put(struct logs_view *, const char *, size_t);
void	 logs_view_close(struct logs_view *);
void	 logs_stamp(FILE *tsf, int *bol, long long off, const char *buf,
	    size_t n);

/* resolve.c: service names of the current stack. */
const char *resolve_stack_file(void);
int	 resolve_service(const char *name, struct ctrview *, char **cause);

/* format.c: {{.field}} templates (inspect -f, ps --format). */
int	 format_render(FILE *, const char *tmpl, json_t *obj, char **cause);
int	 format_check(const char *tmpl, char **cause);
void	 format_header(FILE *, const char *tmpl);

/* container.c: running, stopping and removing containers. */
struct run_opts {
	const char	*name;
	const char	*ip;
	const char	*rootfs;
	const char	*user;
	const char	*workdir;
	const char	*stack;
	const char	*service;
	json_t		*ports;		/* array of spec strings */
	json_t		*networks;	/* array of names */
	json_t		*env;		/* array of "K=V" */
	json_t		*labels;	/* object, or NULL */
	json_t		*volumes;	/* array of "HOSTDIR:DIR[:ro]" */
	const char	*hostname;
	const char	*restart;	/* no|on-failure[:N]|always|
					   unless-stopped; NULL: no */
	const char	*config;	/* up: the service's config hash */
	char		**argv;
	int		 detach;
	int		 rm;
	int		 tty;		/* -t: a pseudo-terminal */
	int		 interactive;	/* -i: stdin stays open */
};
int	 container_run(const struct run_opts *, struct ctrview *,
	    char **cause);
int	 container_stop(struct ctrview *, int timeout_s, int sig,
	    char **cause);
int	 container_remove(const char *name, int force, char **cause);
int	 container_exec(const char *name, char **argv, const char *user,
	    const char *workdir, json_t *env, int tty, int interactive,
	    char **cause);
int	 container_trusted(const struct ctrview *);
/* May the recorded process be signalled by us (alive, its creator's)? */
int	 container_signal_ok(const struct ctrview *, char **cause);
char	**container_envv(json_t *strings);
void	 container_mark_stopped(const char *name);
int	 container_restart_ok(const char *policy, char **cause);

/* cmd_start.c */
void	 container_opts_from(const struct ctrview *, struct run_opts *);
int	 container_start(struct ctrview *, char **cause);

#endif
