/* SPDX-License-Identifier: ISC */
/*
 * ruleset.c - netd's firewall ruleset: the head from the configuration,
 * the body from the container table, through pfrules' one builder
 * (pfrules/build.c, shared with `berth rules --dry-run`), handed to
 * fw.c whole or one container at a time, with the policy filters for
 * what does not cross the router (enforce.c). `berth-netd -n` prints it.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture.h"
#include "enforce.h"
#include "fw.h"
#include "link.h"
#include "log.h"
#include "netd.h"
#include "os.h"
#include "pfrules.h"
#include "statefile.h"
#include "util.h"
#include "xmalloc.h"

/* The ruleset's head: names, pool, marks; no containers. */
void
netd_ruleset_head(const struct netd_config *cfg, struct pfr_ruleset *rs)
{
	pfr_head(rs, cfg->prefix, &cfg->pool, cfg->table, cfg->egress,
	    cfg->negress);
	/* macOS: the utun the gateway got. */
	if (cfg->gw_ifname[0] != '\0')
		snprintf(rs->gw_ifname, sizeof(rs->gw_ifname), "%s",
		    cfg->gw_ifname);
}

/*
 * Remove everything loaded into the firewall (pf: each container's
 * anchor too, so the ruleset has the containers); log what fails.
 */
void
netd_fw_unload(struct netd *d, int *failed)
{
	struct pfr_ruleset	*rs = netd_ruleset(d);
	char			*cause = NULL;

	if (fw_unload(d->fw, rs, &cause) == -1) {
		log_warnx("%s: removing the firewall rules: %s", __func__,
		    cause);
		free(cause);
		if (failed != NULL)
			*failed = 1;
	}
	pfr_ruleset_free(rs);
}

/* Internal: every network of c is internal (no egress, no NAT). */
int
netd_ctr_nonat(struct netd *d, const struct ctr *c)
{
	struct network	*n;
	size_t		 i;

	for (i = 0; i < c->nnetworks; i++) {
		n = netd_net_find(d, c->networks[i]);
		if (n == NULL || !n->internal)
			return 0;
	}
	return c->nnetworks > 0;
}

/*
 * The sets of the direct path c belongs in. A capture that takes it or
 * a link entry with it at an end has its packets, so they must cross
 * the router; so must every flow the policy may decide (enforce_touches):
 * flows to c (out of both sets), or between c and another container
 * (out of @peers).
 */
static int
netd_ctr_sets(struct netd *d, const struct ctr *c)
{
	int	 t;

	if (d->direct < NETD_DIRECT_HOST || netd_ctr_nonat(d, c) ||
	    capture_touches(d->captures, c) ||
	    (d->links != NULL && link_touches(d->links, c->addr)))
		return 0;
	t = enforce_touches(d->enforce, c);
	if (t & POLICY_TOUCH_TO)
		return 0;
	if (d->direct < NETD_DIRECT_PEERS || (t & POLICY_TOUCH_PEER))
		return NETD_IN_DIRECT;
	return NETD_IN_DIRECT | NETD_IN_PEERS;
}

/* Proxied ports get no rule: pfr_add leaves ",proxy" ones out, and where
 * the proxy serves every port (os_proxy_ports, macOS) there are none. */
static void
netd_ruleset_add(struct netd *d, struct pfr_ruleset *rs, struct ctr *c)
{
	int	 in = netd_ctr_sets(d, c);

	pfr_add(rs, c->name, c->addr, netd_ctr_nonat(d, c), c->ports,
	    os_proxy_ports ? 0 : c->nports);
	rs->ctrs[rs->nctrs - 1].direct = (in & NETD_IN_DIRECT) != 0;
	rs->ctrs[rs->nctrs - 1].peers = (in & NETD_IN_PEERS) != 0;
	/*
	 * A rendering that writes the sets (netd_ruleset_sets, a create)
	 * records what it puts c in: netd_direct_sync waits when one takes
	 * c out, and writes nothing when nothing moved.
	 */
	if (!d->direct_rec)
		return;
	if (c->in_sets != in)
		d->direct_moves++;
	if (c->in_sets & ~in)
		d->direct_leaves++;
	c->in_sets = in;
}

/*
 * DOC: the direct path (nft @direct, @peers)
 * Pool traffic normally crosses netd's router one way (docs/netd.md).
 * When the router would only forward it, it need not: steer_output
 * and steer_inbound leave it unmarked and `lookup local` delivers it
 * over lo. @direct holds the containers that a published port's client
 * (the host's or another host's), netd's proxy and the host itself (the
 * gateway address) reach that way; @peers those that reach each other
 * that way; the answers follow their flow. Traffic to the gateway
 * (netd's DNS) always crosses the router. Routing is per packet, so a
 * flow moves between the two paths at any moment without breaking.
 *
 * The router would only forward a flow nothing can refuse, hold or
 * count: every container that is not internal-only is in @direct
 * (networks refuse other hosts to those), except the ones a capture
 * takes (running or about to: its op is answered before its hook is
 * added), the ends of a link entry with an effect, and those a policy
 * rule or NetworkPolicy may decide a flow to (policy_touches: a rule's
 * to, or the pods a NetworkPolicy isolates for ingress). Those leave
 * both sets; the containers a rule's from names when its to is not
 * containers only (`web -> *`), and the pods isolated for egress, leave
 * @peers only (the host's flows to them are not the policy's). So a
 * capture, a link or a rule costs flows it does not touch nothing; a
 * flow with one end out crosses the router both ways. Between two
 * containers, networks decide as well: @peers holds the containers
 * only while networks refuse nothing (one network in use, none
 * internal; enforce_isolates). Per-network sets would keep two
 * networks' own traffic direct too; they would need a rule per
 * network, and the chains depend only on the ruleset's head.
 *
 * Leaving is synchronous, after every queued change: when the request
 * that started a capture, set a link, added a rule or a container of a
 * second network is answered, no packet that must be decided skips the
 * router any more. Coming back is queued like any change. A capture, a
 * link or a policy change rewrites both sets in one transaction (flush,
 * then the elements: nothing that stays ever leaves); netd waits for it
 * when the rendering took a container out of a set (in_sets,
 * direct_leaves), and not when containers only came back.
 * BERTH_NETD_DIRECT=0 keeps both sets empty.
 */
int
netd_direct_want(struct netd *d)
{
	if (fw_os->direct == NULL || d->direct_off)
		return NETD_DIRECT_NONE;
	return enforce_isolates(d->enforce) ? NETD_DIRECT_HOST :
	    NETD_DIRECT_PEERS;
}

static uint64_t
netd_polgen(struct netd *d)
{
	return d->enforce != NULL ? enforce_policy(d->enforce)->gen : 0;
}

/* A full load renders the sets from what is now: note it. */
void
netd_direct_loaded(struct netd *d)
{
	d->direct = netd_direct_want(d);
	d->direct_capgen = capture_gen(d->captures);
	d->direct_linkgen = d->links != NULL ? d->links->gen : 0;
	d->direct_polgen = netd_polgen(d);
}

void
netd_direct_sync(struct netd *d)
{
	static const char *const what[] = { "everything crosses",
	    "the host and published ports skip", "pool flows skip" };
	struct pfr_ruleset	*rs;
	char			*cause = NULL;
	unsigned long		 cg = capture_gen(d->captures);
	unsigned long		 lg = d->links != NULL ? d->links->gen : 0;
	unsigned long		 leaves = d->direct_leaves;
	unsigned long		 moves = d->direct_moves;
	uint64_t		 pg = netd_polgen(d);
	int			 want, was, on;

	if (d->stopped || d->fw == NULL)
		return;
	want = netd_direct_want(d);
	was = d->direct;
	if (want == was && cg == d->direct_capgen &&
	    lg == d->direct_linkgen && pg == d->direct_polgen)
		return;
	d->direct = want;
	d->direct_capgen = cg;
	d->direct_linkgen = lg;
	d->direct_polgen = pg;
	if (want == NETD_DIRECT_NONE && was == NETD_DIRECT_NONE)
		return;			/* both sets empty, and stay so */
	rs = netd_ruleset_sets(d);
	/* Only coming back (no container left a set) need not wait. */
	on = d->direct_leaves == leaves;
	if (d->direct_moves == moves || fw_direct(d->fw, rs, on, &cause) == 0)
		log_debug("%s: %s the router", __func__, what[want]);
	else {
		/* the rules (the elements they want now) come again in full */
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		netd_fw_reload(d);
		if (!on)
			fw_flush(d->fw);
	}
	pfr_ruleset_free(rs);
}

struct pfr_ruleset *
netd_ruleset(struct netd *d)
{
	struct pfr_ruleset	*rs;
	size_t			 i;

	rs = xcalloc(1, sizeof(*rs));
	netd_ruleset_head(&d->cfg, rs);
	for (i = 0; i < d->nctrs; i++)
		netd_ruleset_add(d, rs, d->ctrs[i]);
	pfr_sort(rs);
	/* the policy where packets do not cross the router */
	enforce_ruleset(d->enforce, rs);
	return rs;
}

/* The ruleset whose sets are about to be written: records them. */
struct pfr_ruleset *
netd_ruleset_sets(struct netd *d)
{
	struct pfr_ruleset	*rs;

	d->direct_rec = 1;
	rs = netd_ruleset(d);
	d->direct_rec = 0;
	return rs;
}

/* Apply (add) or remove one container's elements, asynchronously. */
int
netd_fw_ctr(struct netd *d, struct ctr *c, int add, char **cause)
{
	struct pfr_ruleset	 rs;
	int			 ret;

	netd_ruleset_head(&d->cfg, &rs);
	d->direct_rec = add;
	netd_ruleset_add(d, &rs, c);
	d->direct_rec = 0;
	ret = fw_change(d->fw, &rs, &rs.ctrs[0], rs.ports, rs.nports, add,
	    cause);
	pfr_ruleset_clear(&rs);
	return ret;
}

void
netd_fw_reload(void *arg)
{
	struct netd		*d = arg;
	struct pfr_ruleset	*rs = netd_ruleset(d);

	fw_reload(d->fw, rs);
	pfr_ruleset_free(rs);
}

/*
 * berth-netd -n: the rules the state file gives, printed by the path
 * that loads them, and nothing applied (pfctl -n). The state file is
 * only read: no lock, no kernel, no rename of a damaged file.
 */
int
netd_rules_print(const struct netd_config *cfg, const char *format,
    char **cause)
{
	struct netd		*d;
	struct pfr_ruleset	*rs;
	struct statefile	 sf;
	char			*path, *text = NULL;
	int			 ret = -1;

	d = netd_new(cfg);
	path = state_path(cfg);
	if (statefile_read(cfg->state_dir, NETD_STATE_MAX, &sf) == -1) {
		if (errno != ENOENT) {
			cause_set(cause, "%s: %s", path, sf.why);
			goto out;
		}
	} else {
		ret = state_parse(d, sf.state, cause);
		if (ret == -1)
			goto out;
		ret = -1;
	}
	d->enforce = enforce_open(d);
	d->direct = netd_direct_want(d);	/* as a start would load */
	rs = netd_ruleset(d);
	text = pfr_print(rs, format != NULL ? format : fw_os->format, cause);
	pfr_ruleset_free(rs);
	if (text == NULL)
		goto out;
	fputs(text, stdout);
	ret = 0;
out:
	free(text);
	statefile_clear(&sf);
	free(path);
	netd_free(d);
	return ret;
}
