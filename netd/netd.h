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
 *	bounds.c	caps that bound the state file as a whole
 *	reconcile.c	a damaged state file: adopt the tuns from the kernel
 *	trust.c		who may change which container (docs/security.md)
 *	teardown.c	removing tuns on a thread, off the router's path
 *	ctl.c		the control socket: clients, framing, access
 *	router.c	the userspace router between the tuns
 *	enforce.c	network policy: the router hook, flow cache, ops
 *	link.c linkops.c	link emulation: delay, loss, rate, partitions
 *	timer.c		the heap behind the loop's timers (ev.c)
 *	capture.c	berth capture: router hook, libpcap filters
 *	packet.c	IPv4 checks, ICMP errors (libnet)
 *	ipam.c		addresses out of the pool
 *	fw.c		running nft / pfctl (back ends fw_nft.c, fw_pf.c)
 *	host.c		host-wide settings shared by all instances
 *	dns.c dns_wire.c  the berth zone, answers, the wire format
 *	dnssrv.c dnssrv_up.c  the DNS server and forwarder, its upstreams
 *	hostdns_*.c	the host's resolver: resolved, /etc/hosts, macOS
 *	proxy.c		the userspace port proxy (proxy_linux.c: splice)
 *	kaddr.c		kernel address enforcement (kern_linux.c: cgroup BPF)
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
#include "model.h"
#include "proto.h"
#include "name.h"
#include "port.h"
#include "router.h"
#include "tun.h"

#define NETD_MTU	65520
#define NETD_SPIN_US	20		/* poll after traffic (netd_run) */
#define NETD_LOCK_WAIT_MS 10000		/* a killed netd still exiting */
#define NETD_EXIT_MAX	CTR_EXIT_MAX
/* The state file's caps (bounds.c): the sum stays under NETD_STATE_MAX. */
#define NETD_MAX_CTRS	8192
#define NETD_CTR_NHASH	2048	/* buckets of the name and address indexes */
#define NETD_CTR_JSON_MAX (8 * 1024)	/* a container without its meta */
#define NETD_META_MAX	CTR_META_MAX	/* one container's meta */
#define NETD_META_TOTAL	(32 * 1024 * 1024)	/* all of them */
#define NETD_MAX_NETWORKS 1024
#define NETD_NET_JSON_MAX 128
#define NETD_STATE_MAX	(100 * 1024 * 1024)

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
	long long	 uid;		/* creator (peer), -1 unknown */
	json_t		*meta;
	size_t		 meta_len;	/* encoded (bounds.c) */
	struct rport	 port;		/* fd -1 when not open */
	struct ctr	*name_next;	/* in d->by_name, d->by_addr */
	struct ctr	*addr_next;
	/* The sets of the direct path the last rendering that wrote them
	 * put it in (NETD_IN_DIRECT, NETD_IN_PEERS; ruleset.c). */
	int		 in_sets;
	/* Its state file entry, encoded when enc_key last matched;
	 * journaled: that text is in the snapshot or the journal;
	 * changed: on d->journal.changed (state_ctr_changed). */
	char		*enc;
	int		 journaled;
	int		 changed;
	size_t		 enc_len;
	struct ctr_enc_key {
		enum ctr_state	 state;
		long long	 pid, pid_start, exit_code, uid;
		int		 has_exit;
		uint32_t	 addr;
		char		 tun[TUN_NAMESIZ];
	}		 enc_key;
};

/*
 * The kernel calls behind containers: their tuns, addresses and host
 * port probes. netd_kernel_os is the OS's; tests put a fake in
 * d->kern to run create, delete, reconcile and port conflicts without
 * root (tests/unit/test_netd.c).
 */
struct netd_kernel {
	int	(*tun_open)(const char *want, char ifname[TUN_NAMESIZ],
		    char **cause);
	void	(*tun_destroy)(int fd, const char *ifname);
	int	(*iface_setup)(const char *ifname, uint32_t addr,
		    uint32_t src, int mtu, int gw, const char *label,
		    char **cause);
	int	(*iface_delete)(const char *ifname);
	/* bind() probe of a host port: 0 free, -1 with errno. */
	int	(*port_probe)(uint8_t proto, uint32_t addr, uint16_t port);
};
extern const struct netd_kernel netd_kernel_os;

struct proxy;
struct enforce;
struct capture_set;
struct dns_zone;
struct dnssrv;
struct hostdns;
struct link_table;
struct kern;

struct netd {
	struct netd_config	 cfg;
	const struct netd_kernel *kern;
	struct ev		*ev;
	struct router		*router;
	struct ipam		*ipam;
	struct fw		*fw;
	struct ctl		*ctl;
	struct rport		 gw;
	struct ctr		**ctrs;
	size_t			 nctrs;
	size_t			 meta_total;	/* sum of ctrs' meta_len:
						   netd_ctr_append/unlink */
	struct ctr		*by_name[NETD_CTR_NHASH];
	struct ctr		*by_addr[NETD_CTR_NHASH];
	uint32_t		*port_use;	/* ports.c: [udp][port] */
	struct network		*nets;
	size_t			 nnets;
	char			 pf_token[64];	/* loaded from state */
	struct proxy		*proxy;		/* ",proxy" ports */
	struct enforce		*enforce;	/* policy (enforce.c) */
	struct capture_set	*captures;	/* berth capture */
	struct dns_zone		*zone;		/* names of the containers */
	struct dnssrv		*dns;		/* on the gateway, port 53 */
	struct hostdns		*hdns;		/* the host's view of *.berth */
	struct link_table	*links;		/* link emulation (link.c) */
	struct kern		*kaddr;		/* NULL: the interposer alone */
	struct teardown		*teardown;	/* tuns going (teardown.c) */
	struct ev_defer		 flush_ev;	/* state file, hosts block */
	struct ev_timer		 names_retry;	/* hosts block: sync again */
	int			 dirty;		/* state file to write */
	struct state_journal {
		int		 fd;	/* -1: the next save is a snapshot */
		unsigned long long gen;	/* of the last snapshot */
		size_t		 len;	/* of the journal */
		size_t		 bound;	/* a snapshot past this */
		char		*rest;	/* all but the containers, saved */
		char		**dels;	/* containers unlinked since */
		size_t		 ndels;
		/* Containers whose entry may have moved since the last
		 * save, each once, in the order marked: what the next
		 * journal lines look at (state_ctr_changed). */
		struct ctr	**changed;
		size_t		 nchanged, changed_cap;
		unsigned long long snapshots, appends;	/* for tests */
		/* A snapshot found an entry moved that nobody marked:
		 * a change the journal would have lost. */
		unsigned long long missed;
	}			 journal;	/* state.c */
	int			 names_dirty;	/* hosts block to write */
	int			 lockfd;
	char			*degraded;	/* why, when the state was lost */
	size_t			 state_dropped;	/* damaged entries at load */
	int			 quit;
	int			 stopped;
	int			 direct;	/* enum netd_direct */
	/* the hooks the sets were last synced with (ruleset.c) */
	unsigned long		 direct_capgen, direct_linkgen;
	uint64_t		 direct_polgen;
	/* while direct_rec, renderings record each container's sets
	 * (in_sets), counting those that moved and those that left one */
	int			 direct_rec;
	unsigned long		 direct_moves, direct_leaves;
	int			 direct_off;	/* BERTH_NETD_DIRECT=0 */
	int			 nfnetlink_off;	/* BERTH_NETD_NFNETLINK=0:
						   changes go to nft -i */
};

/* netd.c */
int		 netd_config_check(struct netd_config *, char **cause);
struct netd	*netd_new(const struct netd_config *);
void		 netd_free(struct netd *);
int		 netd_start(struct netd *, char **cause);
void		 netd_stop(struct netd *);
int		 netd_cleanup(const struct netd_config *, char **cause);
void		 netd_run(struct netd *);
void		 netd_reconcile_ctrs(struct netd *);
int		 netd_save(struct netd *);
struct host_self;
void		 netd_host_self(const struct netd_config *, struct host_self *);

/* endpoint.c: the gateway tun and the containers' tuns */
int		 netd_ctr_ifname(const char *name, uint32_t *addr);
int		 netd_gw_open(struct netd *, char **cause);
void		 netd_gw_close(struct netd *, int destroy);
int		 netd_port_open(struct netd *, struct ctr *, char **cause);
void		 netd_port_close(struct netd *, struct ctr *, int destroy);
void		 netd_port_detach(struct netd *, struct ctr *);
void		 netd_port_release(struct netd *, struct ctr *, int destroy);
void		 netd_port_broken(void *, struct rport *);
struct teardown	*netd_teardown(struct netd *);
void		 netd_teardown_start(struct netd *);
void		 netd_tun_remove(struct netd *, int fd, const char *ifname,
		    uint32_t addr, struct ctr *);

/* ctr.c: containers and networks */
/* The first container of that name, or at that address, or NULL. */
struct ctr	*netd_ctr_find(struct netd *, const char *name);
struct ctr	*netd_ctr_by_addr(struct netd *, uint32_t addr);
extern unsigned long long netd_ctr_probes;	/* for tests */
/* Apply a checked spec (moved into the container on success). */
struct ctr	*netd_ctr_create(struct netd *, struct ctr_spec *,
		    enum proto_code *, char **cause);
void		 netd_ctr_delete(struct netd *, struct ctr *);
void		 netd_ctr_unlink(struct netd *, size_t);
/* Add c to the table (its meta counted in meta_total). */
void		 netd_ctr_append(struct netd *, struct ctr *);
void		 netd_ctr_remove_at(struct netd *, size_t);
/* Free every container and empty the table. */
void		 netd_ctr_clear(struct netd *);
struct network	*netd_net_find(struct netd *, const char *name);
/* Every network of c is internal: no egress, no NAT, no host. */
int		 netd_ctr_nonat(struct netd *, const struct ctr *);
/* What skips netd's router (ruleset.c, "the direct path"). */
enum netd_direct {
	NETD_DIRECT_NONE,	/* nothing: both sets empty */
	NETD_DIRECT_HOST,	/* @direct: the host, published ports */
	NETD_DIRECT_PEERS	/* @peers too: container to container */
};
enum {
	NETD_IN_DIRECT = 0x1,
	NETD_IN_PEERS = 0x2
};
int		 netd_direct_want(struct netd *);
void		 netd_direct_sync(struct netd *);
void		 netd_direct_loaded(struct netd *);
int		 netd_net_create(struct netd *, const char *name,
		    int internal, enum proto_code *, char **cause);
int		 netd_net_delete(struct netd *, const char *name,
		    enum proto_code *, char **cause);

/* ports.c: published ports */
int		 netd_probe(uint8_t proto, uint32_t addr, uint16_t port);
size_t		 netd_host_addrs(struct netd *, uint32_t **);
/* Count c's published host ports in or out (delta 1 or -1). */
void		 netd_ports_count(struct netd *, const struct ctr *, int delta);
int		 netd_ctr_ports_free(struct netd *, const struct ctr_spec *,
		    char **cause);
int		 netd_proxy_ctr(struct netd *, const struct ctr *, int add,
		    char **cause);

/* ruleset.c: the firewall ruleset */
struct pfr_ruleset;
struct fw;
struct pfr_ruleset *netd_ruleset(struct netd *);
/* The same, for a load that writes the direct path's sets (in_sets). */
struct pfr_ruleset *netd_ruleset_sets(struct netd *);
void		 netd_ruleset_head(const struct netd_config *,
		    struct pfr_ruleset *);
void		 netd_fw_unload(struct netd *, int *failed);
int		 netd_fw_ctr(struct netd *, struct ctr *, int add,
		    char **cause);
void		 netd_fw_reload(void *);
int		 netd_rules_print(const struct netd_config *,
		    const char *format, char **cause);

/* kaddr.c */
void		 kaddr_start(struct netd *);
void		 kaddr_stop(struct netd *);
void		 kaddr_cleanup(const struct netd_config *);
void		 kaddr_ctr(struct netd *, struct ctr *, int add);
const char	*kaddr_mechanism(const struct netd *);
/* The containers' cgroups' directory, or NULL (hello's "cgroup"). */
const char	*kaddr_cgroup_dir(const struct netd *);
json_t		*kaddr_counts_json(struct netd *, const struct ctr *);
int		 kaddr_join(struct netd *, const struct ctr *, pid_t pid,
		    pid_t parent, char **cause);

/* ops.c */
json_t		*ops_handle(void *netd, const char *op, json_t *args,
		    int *close);

/* bounds.c */
size_t		 bounds_meta_len(json_t *);
int		 bounds_ctr_admit(const struct netd *, size_t meta_len,
		    char **cause);
int		 bounds_net_admit(const struct netd *, char **cause);

/* reconcile.c: a container's tun is labelled "berth:NAME" */
#define RECONCILE_LABEL		"berth:"
#define RECONCILE_LABEL_SIZE	(sizeof(RECONCILE_LABEL) + NAME_MAX_LEN)
const char	*reconcile_label(const struct ctr *, char *buf, size_t len);
void		 reconcile_dropped(struct netd *, const struct ctr *);
int		 reconcile_adopt(struct netd *);
int		 reconcile_damaged(struct netd *, const char *path,
		    const char *why, char **cause);

/* trust.c */
long long	 trust_creator(struct netd *);
json_t		*trust_owner(struct netd *, const struct ctr *,
		    const char *verb);
json_t		*trust_shutdown(struct netd *);
int		 trust_pid(struct netd *, long long pid, long long start,
		    char **cause);

/* state.c */
void		 ctr_free(struct ctr *);
struct ctr	*ctr_from_spec(struct ctr_spec *);
void		 ctr_view(const struct ctr *, struct ctr_info *);
json_t		*state_ctr_json(const struct ctr *);
json_t		*state_counters_json(const struct router_counters *);
struct ctr	*state_ctr_parse(json_t *, char **cause);
json_t		*state_json(const struct netd *);
/* The state file's text: what json_dumps gives for state_json(). */
char		*state_text(struct netd *, size_t *len);
extern unsigned long long state_ctr_encodes;	/* for tests */
extern unsigned long long state_ctr_visits;	/* for tests */
int		 state_parse(struct netd *, json_t *, char **cause);
char		*state_path(const struct netd_config *);
int		 state_save(struct netd *);
/* A snapshot and no journal: a clean stop. */
int		 state_compact(struct netd *);
/* A container's entry may have moved: its put for the next save. */
void		 state_ctr_changed(struct netd *, struct ctr *);
/* A container left the table: its delete for the journal. */
void		 state_ctr_gone(struct netd *, struct ctr *);
void		 state_journal_close(struct netd *);
int		 state_print(const struct netd_config *, char **cause);
int		 state_load(struct netd *, char **cause);

#endif
