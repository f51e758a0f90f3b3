/* SPDX-License-Identifier: ISC */
/*
 * netd.h - berth-netd's state and the modules that share it.
 *
 * The module map (one file each; docs/netd.md has the picture):
 *	main.c		options, daemon, signals, the loop
 *	netd.c		start (reconcile), stop, cleanup, the loop
 *	endpoint.c	tun endpoints: gateway and containers
 *	ctr.c		containers and networks: create, delete
 *	ports.c		published ports: conflicts, the proxy's
 *	ruleset.c	the firewall ruleset from the container table
 *	ops.c		the control operations (docs/protocol.md)
 *	state.c		containers and networks as JSON, the state file
 *	ctl.c		the control socket: clients, framing, access
 *	router.c	the userspace router between the tuns
 *	link.c linkops.c	link emulation: delay, loss, rate, partitions
 *	timer.c		timers on the loop
 *	packet.c	IPv4 checks, ICMP errors (libnet)
 *	ipam.c		addresses out of the pool
 *	fw.c		running nft / pfctl (back ends fw_nft.c, fw_pf.c)
 *	host.c		host-wide settings shared by all instances
 *	dns.c dnssrv.c	the berth zone, the DNS server and forwarder
 *	hostdns_*.c	the host's resolver: resolved, /etc/hosts, macOS
 *	proxy.c		the userspace port proxy (proxy_linux.c: splice)
 *	ev_*.c tun_*.c route_*.c os_*.c	the OS layers
 */
#ifndef BERTH_NETD_H
#define BERTH_NETD_H

#include <sys/types.h>

#include <stdint.h>

#include <jansson.h>

#include "addr.h"
#include "ev.h"
#include "instance.h"
#include "name.h"
#include "port.h"
#include "router.h"
#include "tun.h"

#define NETD_MTU	65520
#define NETD_SPIN_US	20		/* poll after traffic (netd_run) */
#define NETD_META_MAX	(64 * 1024)
#define NETD_STATE_MAX	(64 * 1024 * 1024)
#define NETD_MAX_PORTS	64		/* port specs per container */
#define NETD_MAX_NETS	16		/* networks per container */

struct netd_config {
	const char	*socket;
	const char	*group;
	gid_t		 gid;		/* (gid_t)-1: none */
	struct cidr	 pool;
	uint32_t	 gateway;
	const char	*state_dir;
	char		 prefix[16];
	char		 gw_ifname[TUN_NAMESIZ];
	uint32_t	 table;		/* routing table and fwmark */
	char		**egress;
	size_t		 negress;
	int		 mtu;
	const char	*host_file;	/* NULL: host.c's default */
};

enum ctr_state {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_EXITED,
};

struct network {
	char		 name[NAME_MAX_LEN + 1];
	int		 internal;
};

struct ctr {
	char		 name[NAME_MAX_LEN + 1];
	uint32_t	 addr;
	char		 tun[TUN_NAMESIZ];
	char		**networks;
	size_t		 nnetworks;
	struct portspec	*ports;
	size_t		 nports;
	char		*stack;
	char		*service;
	enum ctr_state	 state;
	long long	 pid;
	long long	 pid_start;
	long long	 exit_code;
	int		 has_exit;
	long long	 created;
	json_t		*meta;
	struct rport	 port;		/* fd -1 when not open */
};

struct proxy;
struct dns_zone;
struct dnssrv;
struct hostdns;
struct timers;
struct link_table;

struct netd {
	struct netd_config	 cfg;
	struct ev		*ev;
	struct router		*router;
	struct ipam		*ipam;
	struct fw		*fw;
	struct ctl		*ctl;
	struct rport		 gw;
	struct ctr		**ctrs;
	size_t			 nctrs;
	struct network		*nets;
	size_t			 nnets;
	char			 pf_token[64];	/* loaded from state */
	struct proxy		*proxy;		/* ",proxy" ports */
	struct dns_zone		*zone;		/* names of the containers */
	struct dnssrv		*dns;		/* on the gateway, port 53 */
	struct hostdns		*hdns;		/* the host's view of *.berth */
	struct timers		*timers;	/* on the loop (timer.c) */
	struct link_table	*links;		/* link emulation (link.c) */
	struct ctr		**dying;	/* deleted, tun not yet gone */
	size_t			 ndying;
	struct ev_defer		 flush_ev;	/* state file, hosts block */
	struct ev_defer		 reap_ev;	/* tuns of deleted ctrs */
	int			 dirty;		/* state file to write */
	int			 names_dirty;	/* hosts block to write */
	int			 lockfd;
	int			 quit;
	int			 stopped;
};

/* netd.c */
int		 netd_config_check(struct netd_config *, char **cause);
struct netd	*netd_new(const struct netd_config *);
void		 netd_free(struct netd *);
int		 netd_start(struct netd *, char **cause);
void		 netd_stop(struct netd *);
int		 netd_cleanup(const struct netd_config *, char **cause);
void		 netd_run(struct netd *);
int		 netd_save(struct netd *);

/* endpoint.c: the gateway tun and the containers' tuns */
int		 netd_ctr_ifname(const char *name, uint32_t *addr);
int		 netd_gw_open(struct netd *, char **cause);
void		 netd_gw_close(struct netd *, int destroy);
int		 netd_port_open(struct netd *, struct ctr *, char **cause);
void		 netd_port_close(struct netd *, struct ctr *, int destroy);
void		 netd_port_detach(struct netd *, struct ctr *);
void		 netd_port_release(struct ctr *, int destroy);
void		 netd_port_broken(void *, struct rport *);

/* ctr.c: containers and networks */
struct ctr	*netd_ctr_find(struct netd *, const char *name);
struct ctr	*netd_ctr_create(struct netd *, json_t *args, char **cause);
void		 netd_ctr_delete(struct netd *, struct ctr *);
void		 netd_ctr_unlink(struct netd *, size_t);
void		 netd_ctr_remove_at(struct netd *, size_t);
void		 netd_reap(void *);
struct network	*netd_net_find(struct netd *, const char *name);
int		 netd_net_create(struct netd *, const char *name,
		    int internal, char **cause);
int		 netd_net_delete(struct netd *, const char *name,
		    char **cause);

/* ports.c: published ports */
size_t		 netd_host_addrs(struct netd *, uint32_t **);
int		 netd_ctr_ports(struct netd *, json_t *, struct ctr *,
		    char **cause);
int		 netd_proxy_ctr(struct netd *, const struct ctr *, int add,
		    char **cause);

/* ruleset.c: the firewall ruleset */
struct pfr_ruleset;
struct fw;
struct pfr_ruleset *netd_ruleset(struct netd *);
void		 netd_ruleset_head(const struct netd_config *,
		    struct pfr_ruleset *);
void		 netd_fw_unload(struct fw *, const struct netd_config *,
		    int *failed);
int		 netd_fw_ctr(struct netd *, const struct ctr *, int add,
		    char **cause);
void		 netd_fw_reload(void *);
int		 netd_rules_print(const struct netd_config *,
		    const char *format, char **cause);

/* ops.c */
json_t		*ops_handle(void *netd, const char *op, json_t *args,
		    int *close);

/* state.c */
void		 ctr_free(struct ctr *);
const char	*ctr_state_name(enum ctr_state);
json_t		*state_ctr_json(const struct ctr *);
json_t		*state_counters_json(const struct router_counters *);
struct ctr	*state_ctr_parse(json_t *, char **cause);
json_t		*state_json(const struct netd *);
int		 state_parse(struct netd *, json_t *, char **cause);
char		*state_path(const struct netd_config *);
int		 state_save(struct netd *);
int		 state_load(struct netd *, char **cause);

#endif
