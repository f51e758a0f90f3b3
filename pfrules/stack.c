/* SPDX-License-Identifier: ISC */
/*
 * stack.c - the ruleset a stack file would load (berth rules --dry-run).
 *
 * DOC: from services to containers
 * One container per service, in file order, named by its container_name
 * (stack.c defaults it to STACK-SERVICE). Addresses: a service's "ip"
 * when it has one; every other service, in file order, gets the lowest
 * usable address above the gateway that no service requested and no
 * earlier service got. The same file therefore always renders the same
 * rules (netd's IPAM, which also knows other stacks, may choose
 * differently for services without "ip"). A service whose networks are
 * all internal is nonat: no egress and no NAT. Ports marked ",proxy"
 * belong to the userspace proxy and get no kernel rule. The stack's
 * policy is compiled over its services as netd would see them
 * (pfr_add_policy). The head (name,
 * pool, marks) is the instance's, as netd's is: build.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "name.h"
#include "pfrules.h"
#include "policy.h"
#include "port.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"

static int
pfr_stack_internal(const struct stack *st, const struct stack_service *s)
{
	size_t	 i, j;

	if (s->nnetworks == 0)
		return 0;
	for (i = 0; i < s->nnetworks; i++) {
		for (j = 0; j < st->nnetworks; j++) {
			if (strcmp(st->networks[j].name, s->networks[i]) == 0)
				break;
		}
		if (j == st->nnetworks || !st->networks[j].internal)
			return 0;
	}
	return 1;
}

/* Is a one of the n addresses (0 = not yet assigned)? */
static int
pfr_stack_taken(const uint32_t *addrs, size_t n, uint32_t a)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (addrs[i] == a)
			return 1;
	}
	return 0;
}

static int
pfr_stack_addrs(const struct pfr_ruleset *rs, const struct stack *st,
    uint32_t *addrs, char **cause)
{
	char		 pb[CIDR_STRLEN];
	uint32_t	 next = rs->gateway + 1;
	size_t		 i;

	for (i = 0; i < st->nservices; i++)
		addrs[i] = st->services[i].ip;
	for (i = 0; i < st->nservices; i++) {
		if (addrs[i] != 0)
			continue;
		while (next < cidr_last(&rs->pool) &&
		    pfr_stack_taken(addrs, st->nservices, next))
			next++;
		if (next >= cidr_last(&rs->pool))
			return cause_set(cause, "services.%s: the pool %s is "
			    "full", st->services[i].name,
			    cidr_fmt(&rs->pool, pb));
		addrs[i] = next++;
	}
	return 0;
}

/*
 * The stack's policy, loaded as `berth up` loads it (net:NAME is the
 * stack's network), over its services as netd would see them: the
 * stack, the service, its networks as netd names them ("default" when
 * none), its labels.
 */
static int
pfr_stack_policy(struct pfr_ruleset *rs, const struct stack *st,
    const uint32_t *addrs, char **cause)
{
	const struct stack_service *svc;
	struct policy		 pol;
	struct policy_ep	*eps;
	struct policy_label	*labels;
	json_t			*entries, *e;
	char			*path, ***nets, *def = "default";
	size_t			 i, j;
	int			 rc = -1;

	policy_init(&pol);
	entries = stack_policy_entries(st);
	json_array_foreach(entries, i, e) {
		xasprintf(&path, "policy[%zu]", i);
		rc = policy_parse_entry(&pol, e, path, st->name, cause);
		free(path);
		if (rc == -1)
			goto out;
	}
	rc = -1;
	eps = xcalloc(st->nservices + 1, sizeof(*eps));
	nets = xcalloc(st->nservices + 1, sizeof(*nets));
	for (i = 0; i < st->nservices; i++) {
		svc = &st->services[i];
		eps[i].kind = POLICY_EP_CTR;
		eps[i].addr = addrs[i];
		eps[i].name = svc->container_name;
		eps[i].stack = st->name;
		eps[i].service = svc->name;
		eps[i].internal = pfr_stack_internal(st, svc);
		nets[i] = xcalloc(svc->nnetworks + 1, sizeof(**nets));
		for (j = 0; j < svc->nnetworks; j++) {
			nets[i][j] = xmalloc(NAME_MAX_LEN + 2);
			if (stack_net_name(st, svc->networks[j], nets[i][j],
			    NAME_MAX_LEN + 2, cause) == -1)
				goto fail;
		}
		eps[i].nets = svc->nnetworks > 0 ? nets[i] : &def;
		eps[i].nnets = svc->nnetworks > 0 ? svc->nnetworks : 1;
		labels = xcalloc(svc->nlabels + 1, sizeof(*labels));
		for (j = 0; j < svc->nlabels; j++) {
			labels[j].key = svc->labels[j].key;
			labels[j].value = svc->labels[j].value;
		}
		eps[i].labels = labels;
		eps[i].nlabels = svc->nlabels;
	}
	pfr_add_policy(rs, &pol, eps, st->nservices);
	rc = 0;
fail:
	for (i = 0; i < st->nservices; i++) {
		for (j = 0; nets[i] != NULL && nets[i][j] != NULL; j++)
			free(nets[i][j]);
		free(nets[i]);
		free((void *)eps[i].labels);
	}
	free(nets);
	free(eps);
out:
	json_decref(entries);
	policy_clear(&pol);
	return rc;
}

struct pfr_ruleset *
pfr_from_stack(const struct stack *st, const struct pfr_ruleset *head,
    char **cause)
{
	struct pfr_ruleset	*rs;
	const char		*cn;
	char			 a[CIDR_STRLEN], b[CIDR_STRLEN];
	uint32_t		*addrs;
	size_t			 i;

	if (st->pool_set && (st->pool.net != head->pool.net ||
	    st->pool.plen != head->pool.plen)) {
		cause_set(cause, "pool: the stack wants %s but the instance "
		    "has %s (set BERTH_POOL=%s, or drop \"pool\")",
		    cidr_fmt(&st->pool, a), cidr_fmt(&head->pool, b), a);
		return NULL;
	}
	rs = xcalloc(1, sizeof(*rs));
	pfr_head(rs, head->name, &head->pool, head->fwmark, head->egress,
	    head->negress);
	snprintf(rs->gw_ifname, sizeof(rs->gw_ifname), "%s", head->gw_ifname);
	for (i = 0; i < st->nservices; i++) {
		cn = st->services[i].container_name;
		if (cn == NULL || strlen(cn) > PFR_NAME_MAX) {
			cause_set(cause, "services.%s: container name missing "
			    "or too long", st->services[i].name);
			goto fail;
		}
	}
	addrs = xcalloc(st->nservices + 1, sizeof(*addrs));
	if (pfr_stack_addrs(rs, st, addrs, cause) == -1) {
		free(addrs);
		goto fail;
	}
	for (i = 0; i < st->nservices; i++)
		pfr_add(rs, st->services[i].container_name, addrs[i],
		    pfr_stack_internal(st, &st->services[i]),
		    st->services[i].ports, st->services[i].nports);
	if (pfr_stack_policy(rs, st, addrs, cause) == -1) {
		free(addrs);
		goto fail;
	}
	free(addrs);
	pfr_sort(rs);
	if (pfr_validate(rs, cause) == -1)
		goto fail;
	return rs;
fail:
	pfr_ruleset_free(rs);
	return NULL;
}
