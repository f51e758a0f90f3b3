/* SPDX-License-Identifier: ISC */
/*
 * policy.c - the network policy model and its evaluator.
 *
 * DOC: Theory of Operation
 * A flow (source, destination, protocol, destination port) is decided
 * in three layers, the first that says something wins:
 *
 *  1. Networks. Two containers that share no network cannot reach each
 *     other. A container whose networks are all internal reaches only
 *     its networks' members and netd's DNS (the gateway, port 53): not
 *     the host's other ports and addresses, not the outside; nothing
 *     from outside reaches it. The host reaches every container.
 *  2. Rules, in order, first match wins: from/to selectors (a name,
 *     net:NAME, label:KEY=VALUE, a CIDR, host, outside, *), ports
 *     (tcp/N, udp/N-M, icmp; none = all), and allow, reject or drop.
 *  3. Kubernetes NetworkPolicy, exactly as a cluster does it: a
 *     container is isolated for ingress (egress) once any policy of its
 *     stack selects it with that policy type; then a flow needs an
 *     ingress rule of one of those policies admitting the source (and,
 *     if the source is isolated for egress, an egress rule admitting
 *     the destination). What the policies allow is their union. The
 *     stack is the namespace, with the labels name=STACK and
 *     kubernetes.io/metadata.name=STACK; containers of no stack are in
 *     "default". What they deny is rejected. As in a cluster, traffic
 *     to and from the node (here: the host) is always allowed.
 *
 * Nothing said no: allow. The evaluator is pure (the caller says who
 * the ends are), so netd's router, `berth policy explain` and the nft
 * renderer decide alike. Statefulness (replies pass) and the flow cache
 * are the router's (netd/enforce.c).
 *
 * Every input is checked field by field; a message names the field by
 * its path, e.g. policy[2].spec.ingress[0].ports[1].endPort.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "name.h"
#include "policy.h"
#include "util.h"
#include "xmalloc.h"

#define POLICY_LABEL_MAX	63
#define POLICY_LKEY_MAX		253

void
policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->next_id = 1;
}

static void
policy_sel_free(struct policy_sel *s)
{
	free(s->name);
	free(s->value);
	memset(s, 0, sizeof(*s));
}

static void
policy_rule_free(struct policy_rule *r)
{
	policy_sel_free(&r->from);
	policy_sel_free(&r->to);
	free(r->ports);
	free(r->stack);
}

static void
policy_lsel_free(struct policy_lsel *l)
{
	size_t	 i, j;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].key);
		for (j = 0; j < l->e[i].nvalues; j++)
			free(l->e[i].values[j]);
		free(l->e[i].values);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static void
policy_krules_free(struct policy_krule *k, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k[i].npeers; j++) {
			policy_lsel_free(&k[i].peers[j].pod);
			policy_lsel_free(&k[i].peers[j].ns);
			free(k[i].peers[j].except);
		}
		free(k[i].peers);
		free(k[i].ports);
	}
	free(k);
}

static void
policy_knp_free(struct policy_knp *k)
{
	free(k->name);
	free(k->ns);
	policy_lsel_free(&k->pod);
	policy_krules_free(k->in, k->nin);
	policy_krules_free(k->out, k->nout);
	json_decref(k->src);
	memset(k, 0, sizeof(*k));
}

void
policy_clear(struct policy *p)
{
	size_t	 i;

	for (i = 0; i < p->nrules; i++)
		policy_rule_free(&p->rules[i]);
	free(p->rules);
	for (i = 0; i < p->nknps; i++)
		policy_knp_free(&p->knps[i]);
	free(p->knps);
	policy_init(p);
}

int
policy_has_rules(const struct policy *p)
{
	return p->nrules > 0 || p->nknps > 0;
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ALLOW:
		return "allow";
	case POLICY_REJECT:
		return "reject";
	case POLICY_DROP:
		return "drop";
	}
	return "?";
}

/* ------------------------------------------------------------ parsing */

/* Kubernetes label values: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]. */
static int
policy_label_word(const char *s, size_t len, size_t max)
{
	size_t	 i;
	char	 c;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if ((c == '-' || c == '_' || c == '.') && i > 0 &&
		    i < len - 1)
			continue;
		return 0;
	}
	return 1;
}

int
policy_label_check(const char *key, const char *value, const char *path,
    char **cause)
{
	const char	*slash, *k = key;
	char		 q[96];
	size_t		 i;

	if (key == NULL || strlen(key) > POLICY_LKEY_MAX + 1 +
	    POLICY_LABEL_MAX)
		return cause_set(cause, "%s: label key is too long", path);
	if ((slash = strchr(key, '/')) != NULL) {
		/* A DNS subdomain prefix: lower case words and dots. */
		if (slash == key || (size_t)(slash - key) > POLICY_LKEY_MAX)
			goto badkey;
		for (i = 0; key + i < slash; i++)
			if (!((key[i] >= 'a' && key[i] <= 'z') ||
			    (key[i] >= '0' && key[i] <= '9') ||
			    key[i] == '-' || key[i] == '.'))
				goto badkey;
		k = slash + 1;
	}
	if (!policy_label_word(k, strlen(k), POLICY_LABEL_MAX))
		goto badkey;
	if (value == NULL)
		return 0;
	if (*value != '\0' && !policy_label_word(value, strlen(value),
	    POLICY_LABEL_MAX))
		return cause_set(cause, "%s: label value \"%s\" is not like "
		    "\"web\" (letters, digits, - _ . inside, at most %d)", path,
		    name_quote(value, q, 70), POLICY_LABEL_MAX);
	return 0;
badkey:
	return cause_set(cause, "%s: label key \"%s\" is not like \"app\" or "
	    "\"example.com/tier\"", path, name_quote(key, q, 70));
}

int
policy_sel_parse(const char *s, struct policy_sel *out, const char *path,
    char **cause)
{
	char	 q[96], *eq, *key;
	uint32_t a;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return cause_set(cause, "%s: must be a string", path);
	if (strcmp(s, "*") == 0 || strcmp(s, "all") == 0) {
		out->kind = POLICY_SEL_ANY;
		return 0;
	}
	if (strcmp(s, "host") == 0) {
		out->kind = POLICY_SEL_HOST;
		return 0;
	}
	if (strcmp(s, "outside") == 0) {
		out->kind = POLICY_SEL_OUTSIDE;
		return 0;
	}
	if (strncmp(s, "net:", 4) == 0) {
		if (name_check(s + 4, "network name", cause) == -1)
			return cause_prefix(cause, "%s: ", path), -1;
		out->kind = POLICY_SEL_NET;
		out->name = xstrdup(s + 4);
		return 0;
	}
	if (strncmp(s, "label:", 6) == 0) {
		if ((eq = strchr(s + 6, '=')) == NULL)
			return cause_set(cause, "%s: \"%s\" is not like "
			    "label:KEY=VALUE", path, name_quote(s, q, 70));
		key = xstrndup(s + 6, (size_t)(eq - (s + 6)));
		if (policy_label_check(key, eq + 1, path, cause) == -1) {
			free(key);
			return -1;
		}
		out->kind = POLICY_SEL_LABEL;
		out->name = key;
		out->value = xstrdup(eq + 1);
		return 0;
	}
	if (*s >= '0' && *s <= '9') {
		out->kind = POLICY_SEL_CIDR;
		if (strchr(s, '/') != NULL) {
			if (cidr_parse(s, &out->cidr, NULL) == -1)
				goto badaddr;
			return 0;
		}
		if (addr_parse(s, &a) == -1)
			goto badaddr;
		out->cidr.net = a;
		out->cidr.plen = 32;
		return 0;
	}
	if (name_check(s, "name", NULL) == -1)
		return cause_set(cause, "%s: \"%s\" is not a selector (a name, "
		    "net:NAME, label:KEY=VALUE, a CIDR, host, outside or *)",
		    path, name_quote(s, q, 70));
	out->kind = POLICY_SEL_NAME;
	out->name = xstrdup(s);
	return 0;
badaddr:
	return cause_set(cause, "%s: \"%s\" is not an address or CIDR like "
	    "10.213.0.0/24", path, name_quote(s, q, 70));
}

int
policy_port_parse(const char *s, struct policy_port *out, const char *path,
    char **cause)
{
	char		 q[64], *dash, *lo = NULL;
	unsigned long	 a, b;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return cause_set(cause, "%s: must be a string", path);
	if (strcmp(s, "icmp") == 0) {
		out->proto = IPPROTO_ICMP;
		return 0;
	}
	if (strncmp(s, "tcp", 3) == 0)
		out->proto = IPPROTO_TCP;
	else if (strncmp(s, "udp", 3) == 0)
		out->proto = IPPROTO_UDP;
	else
		goto bad;
	if (s[3] == '\0') {
		out->lo = 0;
		out->hi = 65535;
		return 0;
	}
	if (s[3] != '/')
		goto bad;
	lo = xstrdup(s + 4);
	if ((dash = strchr(lo, '-')) != NULL)
		*dash++ = '\0';
	if (util_parse_uint(lo, 65535, &a) == -1 || a == 0)
		goto bad;
	b = a;
	if (dash != NULL && (util_parse_uint(dash, 65535, &b) == -1 || b < a))
		goto bad;
	out->lo = (uint16_t)a;
	out->hi = (uint16_t)b;
	rc = 0;
bad:
	free(lo);
	if (rc == -1)
		cause_set(cause, "%s: \"%s\" is not like tcp/6379, udp/53, "
		    "tcp/8000-8010, tcp or icmp", path, name_quote(s, q, 40));
	return rc;
}

/* Refuse keys other than those listed: a typo must not pass silently. */
static int
policy_keys(json_t *o, const char *path, const char *const *keys,
    char **cause)
{
	const char	*k;
	json_t		*v;
	char		 q[96];
	size_t		 i;

	if (!json_is_object(o))
		return cause_set(cause, "%s: must be an object", path);
	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL)
			return cause_set(cause, "%s: unknown key \"%s\"", path,
			    name_quote(k, q, 40));
	}
	return 0;
}

static int
policy_array(json_t *v, const char *path, char **cause)
{
	if (!json_is_array(v))
		return cause_set(cause, "%s: must be an array", path);
	if (json_array_size(v) > POLICY_MAX_ITEMS)
		return cause_set(cause, "%s: at most %d entries", path,
		    POLICY_MAX_ITEMS);
	return 0;
}

static char *
policy_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
policy_path(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("%s: vasprintf", __func__);
	va_end(ap);
	return s;
}

static int
policy_parse_rule(json_t *e, const char *path, const char *stack,
    struct policy_rule *r, char **cause)
{
	static const char *const keys[] = { "from", "to", "ports", "action",
	    "id", "stack", NULL };
	const char	*a;
	json_t		*v;
	char		*p = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	if (policy_keys(e, path, keys, cause) == -1)
		return -1;
	p = policy_path("%s.from", path);
	if ((v = json_object_get(e, "from")) == NULL) {
		cause_set(cause, "%s: missing", p);
		goto out;
	}
	if (policy_sel_parse(json_string_value(v), &r->from, p, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.to", path);
	if ((v = json_object_get(e, "to")) == NULL) {
		cause_set(cause, "%s: missing", p);
		goto out;
	}
	if (policy_sel_parse(json_string_value(v), &r->to, p, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.action", path);
	a = json_string_value(json_object_get(e, "action"));
	if (a == NULL) {
		cause_set(cause, "%s: missing (allow, reject or drop)", p);
		goto out;
	}
	if (strcmp(a, "allow") == 0)
		r->action = POLICY_ALLOW;
	else if (strcmp(a, "reject") == 0 || strcmp(a, "deny") == 0)
		r->action = POLICY_REJECT;
	else if (strcmp(a, "drop") == 0)
		r->action = POLICY_DROP;
	else {
		cause_set(cause, "%s: must be allow, reject or drop", p);
		goto out;
	}
	free(p);
	p = policy_path("%s.ports", path);
	if ((v = json_object_get(e, "ports")) != NULL) {
		if (policy_array(v, p, cause) == -1)
			goto out;
		r->ports = xcalloc(json_array_size(v) + 1, sizeof(*r->ports));
		for (i = 0; i < json_array_size(v); i++) {
			free(p);
			p = policy_path("%s.ports[%zu]", path, i);
			if (policy_port_parse(json_string_value(
			    json_array_get(v, i)), &r->ports[i], p,
			    cause) == -1)
				goto out;
			r->nports++;
		}
	}
	if (stack != NULL)
		r->stack = xstrdup(stack);
	rc = 0;
out:
	free(p);
	if (rc == -1)
		policy_rule_free(r);
	return rc;
}

/* A label selector: matchLabels and matchExpressions. */
static int
policy_parse_lsel(json_t *o, const char *path, struct policy_lsel *l,
    char **cause)
{
	static const char *const keys[] = { "matchLabels",
	    "matchExpressions", NULL };
	static const char *const ekeys[] = { "key", "operator", "values",
	    NULL };
	static const char *const ops[] = { "In", "NotIn", "Exists",
	    "DoesNotExist" };
	struct policy_lexpr	*x;
	json_t			*ml, *me, *e, *vals, *v;
	const char		*k, *op;
	char			*p = NULL;
	size_t			 i, j, n;
	int			 rc = -1;

	memset(l, 0, sizeof(*l));
	if (policy_keys(o, path, keys, cause) == -1)
		return -1;
	ml = json_object_get(o, "matchLabels");
	me = json_object_get(o, "matchExpressions");
	p = policy_path("%s.matchLabels", path);
	if (ml != NULL && (!json_is_object(ml) || json_object_size(ml) >
	    POLICY_MAX_ITEMS)) {
		cause_set(cause, "%s: must be an object of at most %d labels",
		    p, POLICY_MAX_ITEMS);
		goto out;
	}
	free(p);
	p = policy_path("%s.matchExpressions", path);
	if (me != NULL && policy_array(me, p, cause) == -1)
		goto out;
	n = json_object_size(ml) + json_array_size(me);
	l->e = xcalloc(n + 1, sizeof(*l->e));
	json_object_foreach(ml, k, v) {
		free(p);
		p = policy_path("%s.matchLabels.%.64s", path, k);
		if (!json_is_string(v)) {
			cause_set(cause, "%s: must be a string", p);
			goto out;
		}
		if (policy_label_check(k, json_string_value(v), p,
		    cause) == -1)
			goto out;
		x = &l->e[l->n++];
		x->key = xstrdup(k);
		x->op = POLICY_IN;
		x->values = xcalloc(1, sizeof(char *));
		x->values[x->nvalues++] = xstrdup(json_string_value(v));
	}
	json_array_foreach(me, i, e) {
		free(p);
		p = policy_path("%s.matchExpressions[%zu]", path, i);
		if (policy_keys(e, p, ekeys, cause) == -1)
			goto out;
		k = json_string_value(json_object_get(e, "key"));
		op = json_string_value(json_object_get(e, "operator"));
		if (k == NULL) {
			cause_set(cause, "%s.key: missing", p);
			goto out;
		}
		if (policy_label_check(k, NULL, p, cause) == -1)
			goto out;
		for (j = 0; j < nitems(ops); j++)
			if (op != NULL && strcmp(op, ops[j]) == 0)
				break;
		if (j == nitems(ops)) {
			cause_set(cause, "%s.operator: must be In, NotIn, "
			    "Exists or DoesNotExist", p);
			goto out;
		}
		vals = json_object_get(e, "values");
		x = &l->e[l->n++];
		x->key = xstrdup(k);
		x->op = (enum policy_lop)j;
		if (x->op == POLICY_IN || x->op == POLICY_NOTIN) {
			if (!json_is_array(vals) || json_array_size(vals) == 0 ||
			    json_array_size(vals) > POLICY_MAX_ITEMS) {
				cause_set(cause, "%s.values: %s needs 1 to %d "
				    "values", p, op, POLICY_MAX_ITEMS);
				goto out;
			}
		} else if (vals != NULL && (!json_is_array(vals) ||
		    json_array_size(vals) != 0)) {
			cause_set(cause, "%s.values: %s takes no values", p,
			    op);
			goto out;
		}
		x->values = xcalloc(json_array_size(vals) + 1,
		    sizeof(char *));
		json_array_foreach(vals, j, v) {
			if (!json_is_string(v) || policy_label_check(k,
			    json_string_value(v), p, cause) == -1) {
				if (!json_is_string(v))
					cause_set(cause, "%s.values[%zu]: must be "
					    "a string", p, j);
				goto out;
			}
			x->values[x->nvalues++] = xstrdup(json_string_value(v));
		}
	}
	rc = 0;
out:
	free(p);
	if (rc == -1)
		policy_lsel_free(l);
	return rc;
}

static int
policy_parse_kport(json_t *o, const char *path, struct policy_port *pp,
    char **cause)
{
	static const char *const keys[] = { "protocol", "port", "endPort",
	    NULL };
	json_t		*port, *end;
	const char	*proto;
	json_int_t	 lo, hi;

	memset(pp, 0, sizeof(*pp));
	if (policy_keys(o, path, keys, cause) == -1)
		return -1;
	proto = json_string_value(json_object_get(o, "protocol"));
	if (json_object_get(o, "protocol") != NULL && proto == NULL)
		return cause_set(cause, "%s.protocol: must be TCP or UDP", path);
	if (proto == NULL || strcmp(proto, "TCP") == 0)
		pp->proto = IPPROTO_TCP;
	else if (strcmp(proto, "UDP") == 0)
		pp->proto = IPPROTO_UDP;
	else if (strcmp(proto, "SCTP") == 0)
		return cause_set(cause, "%s.protocol: SCTP is not supported "
		    "(berth routes TCP, UDP and ICMP)", path);
	else
		return cause_set(cause, "%s.protocol: must be TCP or UDP", path);
	port = json_object_get(o, "port");
	end = json_object_get(o, "endPort");
	if (port == NULL) {
		if (end != NULL)
			return cause_set(cause, "%s.endPort: needs a numeric "
			    "port", path);
		pp->lo = 0;
		pp->hi = 65535;
		return 0;
	}
	if (json_is_string(port))
		return cause_set(cause, "%s.port: named ports (\"%.32s\") are "
		    "not supported: give the number", path,
		    json_string_value(port));
	if (!json_is_integer(port) || (lo = json_integer_value(port)) < 1 ||
	    lo > 65535)
		return cause_set(cause, "%s.port: must be a number 1..65535",
		    path);
	hi = lo;
	if (end != NULL && (!json_is_integer(end) ||
	    (hi = json_integer_value(end)) < lo || hi > 65535))
		return cause_set(cause, "%s.endPort: must be a number from "
		    "port to 65535", path);
	pp->lo = (uint16_t)lo;
	pp->hi = (uint16_t)hi;
	return 0;
}

static int
policy_parse_kpeer(json_t *o, const char *path, struct policy_kpeer *k,
    char **cause)
{
	static const char *const keys[] = { "podSelector",
	    "namespaceSelector", "ipBlock", NULL };
	static const char *const ikeys[] = { "cidr", "except", NULL };
	json_t		*ib, *ex, *v;
	char		*p = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(k, 0, sizeof(*k));
	if (policy_keys(o, path, keys, cause) == -1)
		return -1;
	ib = json_object_get(o, "ipBlock");
	if (ib != NULL && json_object_size(o) > 1)
		return cause_set(cause, "%s.ipBlock: cannot be combined with "
		    "podSelector or namespaceSelector", path);
	if (json_object_size(o) == 0)
		return cause_set(cause, "%s: needs podSelector, "
		    "namespaceSelector or ipBlock", path);
	if ((v = json_object_get(o, "podSelector")) != NULL) {
		p = policy_path("%s.podSelector", path);
		if (policy_parse_lsel(v, p, &k->pod, cause) == -1)
			goto out;
		k->has_pod = 1;
	}
	if ((v = json_object_get(o, "namespaceSelector")) != NULL) {
		free(p);
		p = policy_path("%s.namespaceSelector", path);
		if (policy_parse_lsel(v, p, &k->ns, cause) == -1)
			goto out;
		k->has_ns = 1;
	}
	if (ib != NULL) {
		free(p);
		p = policy_path("%s.ipBlock", path);
		if (policy_keys(ib, p, ikeys, cause) == -1)
			goto out;
		if (cidr_parse(json_string_value(json_object_get(ib, "cidr")),
		    &k->cidr, NULL) == -1) {
			cause_set(cause, "%s.cidr: must be a CIDR like "
			    "10.0.0.0/8", p);
			goto out;
		}
		k->has_ip = 1;
		if ((ex = json_object_get(ib, "except")) != NULL) {
			free(p);
			p = policy_path("%s.ipBlock.except", path);
			if (policy_array(ex, p, cause) == -1)
				goto out;
			k->except = xcalloc(json_array_size(ex) + 1,
			    sizeof(*k->except));
			json_array_foreach(ex, i, v) {
				if (cidr_parse(json_string_value(v),
				    &k->except[i], NULL) == -1 ||
				    !cidr_contains(&k->cidr, k->except[i].net) ||
				    k->except[i].plen < k->cidr.plen) {
					cause_set(cause, "%s[%zu]: must be a "
					    "CIDR inside %s.ipBlock.cidr", p, i,
					    path);
					goto out;
				}
				k->nexcept++;
			}
		}
	}
	rc = 0;
out:
	free(p);
	if (rc == -1) {
		policy_lsel_free(&k->pod);
		policy_lsel_free(&k->ns);
		free(k->except);
	}
	return rc;
}

/* spec.ingress or spec.egress; peers under "from" or "to". */
static int
policy_parse_krules(json_t *a, const char *path, const char *peerkey,
    struct policy_krule **out, size_t *nout, char **cause)
{
	const char *const keys[] = { peerkey, "ports", NULL };
	struct policy_krule	*k;
	json_t			*e, *peers, *ports, *v;
	char			*p = NULL, *q = NULL;
	size_t			 i, j;
	int			 rc = -1;

	if (policy_array(a, path, cause) == -1)
		return -1;
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	*nout = 0;
	json_array_foreach(a, i, e) {
		free(p);
		p = policy_path("%s[%zu]", path, i);
		if (policy_keys(e, p, keys, cause) == -1)
			goto out;
		k = &(*out)[(*nout)++];
		peers = json_object_get(e, peerkey);
		ports = json_object_get(e, "ports");
		free(q);
		q = policy_path("%s.%s", p, peerkey);
		if (peers != NULL && policy_array(peers, q, cause) == -1)
			goto out;
		k->peers = xcalloc(json_array_size(peers) + 1,
		    sizeof(*k->peers));
		json_array_foreach(peers, j, v) {
			free(q);
			q = policy_path("%s.%s[%zu]", p, peerkey, j);
			if (policy_parse_kpeer(v, q, &k->peers[j], cause) == -1)
				goto out;
			k->npeers++;
		}
		free(q);
		q = policy_path("%s.ports", p);
		if (ports != NULL && policy_array(ports, q, cause) == -1)
			goto out;
		k->ports = xcalloc(json_array_size(ports) + 1,
		    sizeof(*k->ports));
		json_array_foreach(ports, j, v) {
			free(q);
			q = policy_path("%s.ports[%zu]", p, j);
			if (policy_parse_kport(v, q, &k->ports[j], cause) == -1)
				goto out;
			k->nports++;
		}
	}
	rc = 0;
out:
	free(p);
	free(q);
	if (rc == -1) {
		policy_krules_free(*out, *nout);
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

static int
policy_parse_knp(json_t *e, const char *path, const char *stack,
    struct policy_knp *k, char **cause)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata",
	    "spec", NULL };
	static const char *const mkeys[] = { "name", "namespace", "labels",
	    "annotations", NULL };
	static const char *const skeys[] = { "podSelector", "policyTypes",
	    "ingress", "egress", NULL };
	json_t		*meta, *spec, *v, *t;
	const char	*s, *ns = stack != NULL ? stack : "default";
	char		*p = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(k, 0, sizeof(*k));
	if (policy_keys(e, path, keys, cause) == -1)
		return -1;
	s = json_string_value(json_object_get(e, "apiVersion"));
	if (s == NULL || strcmp(s, "networking.k8s.io/v1") != 0)
		return cause_set(cause, "%s.apiVersion: must be "
		    "\"networking.k8s.io/v1\"", path);
	s = json_string_value(json_object_get(e, "kind"));
	if (s == NULL || strcmp(s, "NetworkPolicy") != 0)
		return cause_set(cause, "%s.kind: must be \"NetworkPolicy\"",
		    path);
	p = policy_path("%s.metadata", path);
	meta = json_object_get(e, "metadata");
	if (meta == NULL) {
		cause_set(cause, "%s: missing", p);
		goto out;
	}
	if (policy_keys(meta, p, mkeys, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.metadata.name", path);
	if (name_check(json_string_value(json_object_get(meta, "name")),
	    "name", NULL) == -1) {
		cause_set(cause, "%s: must be a name like \"deny-all\"", p);
		goto out;
	}
	if ((v = json_object_get(meta, "namespace")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), ns) != 0)) {
		cause_set(cause, "%s.metadata.namespace: must be the stack's "
		    "name \"%s\" (the stack is the namespace)", path, ns);
		goto out;
	}
	k->name = xstrdup(json_string_value(json_object_get(meta, "name")));
	k->ns = xstrdup(ns);
	free(p);
	p = policy_path("%s.spec", path);
	spec = json_object_get(e, "spec");
	if (spec == NULL) {
		cause_set(cause, "%s: missing", p);
		goto out;
	}
	if (policy_keys(spec, p, skeys, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.spec.podSelector", path);
	if ((v = json_object_get(spec, "podSelector")) == NULL) {
		cause_set(cause, "%s: missing ({} selects every service)", p);
		goto out;
	}
	if (policy_parse_lsel(v, p, &k->pod, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.spec.policyTypes", path);
	if ((v = json_object_get(spec, "policyTypes")) != NULL) {
		if (policy_array(v, p, cause) == -1)
			goto out;
		json_array_foreach(v, i, t) {
			s = json_string_value(t);
			if (s != NULL && strcmp(s, "Ingress") == 0)
				k->ingress = 1;
			else if (s != NULL && strcmp(s, "Egress") == 0)
				k->egress = 1;
			else {
				cause_set(cause, "%s[%zu]: must be \"Ingress\" "
				    "or \"Egress\"", p, i);
				goto out;
			}
		}
	} else {
		k->ingress = 1;
		k->egress = json_object_get(spec, "egress") != NULL;
	}
	free(p);
	p = policy_path("%s.spec.ingress", path);
	if ((v = json_object_get(spec, "ingress")) != NULL &&
	    policy_parse_krules(v, p, "from", &k->in, &k->nin, cause) == -1)
		goto out;
	free(p);
	p = policy_path("%s.spec.egress", path);
	if ((v = json_object_get(spec, "egress")) != NULL &&
	    policy_parse_krules(v, p, "to", &k->out, &k->nout, cause) == -1)
		goto out;
	k->src = json_deep_copy(e);
	rc = 0;
out:
	free(p);
	if (rc == -1)
		policy_knp_free(k);
	return rc;
}

static int
policy_is_knp(json_t *e)
{
	return json_object_get(e, "apiVersion") != NULL ||
	    json_object_get(e, "kind") != NULL;
}

int
policy_parse_entry(struct policy *p, json_t *e, const char *path,
    const char *stack, char **cause)
{
	struct policy_rule	 r;
	struct policy_knp	 k;
	size_t			 i;

	if (!json_is_object(e))
		return cause_set(cause, "%s: must be an object", path);
	if (policy_is_knp(e)) {
		if (p->nknps >= POLICY_MAX_KNPS)
			return cause_set(cause, "%s: at most %d NetworkPolicy "
			    "objects", path, POLICY_MAX_KNPS);
		if (policy_parse_knp(e, path, stack, &k, cause) == -1)
			return -1;
		for (i = 0; i < p->nknps; i++) {
			if (strcmp(p->knps[i].ns, k.ns) == 0 &&
			    strcmp(p->knps[i].name, k.name) == 0) {
				cause_set(cause, "%s.metadata.name: \"%s\" is "
				    "already a NetworkPolicy of \"%s\"", path,
				    k.name, k.ns);
				policy_knp_free(&k);
				return -1;
			}
		}
		p->knps = xreallocarray(p->knps, p->nknps + 1,
		    sizeof(*p->knps));
		p->knps[p->nknps++] = k;
		p->gen++;
		return 0;
	}
	if (p->nrules >= POLICY_MAX_RULES)
		return cause_set(cause, "%s: at most %d rules", path,
		    POLICY_MAX_RULES);
	if (policy_parse_rule(e, path, stack, &r, cause) == -1)
		return -1;
	r.id = p->next_id++;
	p->rules = xreallocarray(p->rules, p->nrules + 1, sizeof(*p->rules));
	p->rules[p->nrules++] = r;
	p->gen++;
	return 0;
}

int
policy_check_entry(json_t *e, const char *path, char **cause)
{
	struct policy	 p;
	int		 rc;

	policy_init(&p);
	rc = policy_parse_entry(&p, e, path, NULL, cause);
	policy_clear(&p);
	return rc;
}

int
policy_remove(struct policy *p, unsigned id)
{
	size_t	 i;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].id == id) {
			policy_rule_free(&p->rules[i]);
			memmove(&p->rules[i], &p->rules[i + 1],
			    (p->nrules - i - 1) * sizeof(*p->rules));
			p->nrules--;
			p->gen++;
			return 0;
		}
	}
	return -1;
}

int
policy_remove_knp(struct policy *p, const char *ns, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->nknps; i++) {
		if (strcmp(p->knps[i].ns, ns) == 0 &&
		    strcmp(p->knps[i].name, name) == 0) {
			policy_knp_free(&p->knps[i]);
			memmove(&p->knps[i], &p->knps[i + 1],
			    (p->nknps - i - 1) * sizeof(*p->knps));
			p->nknps--;
			p->gen++;
			return 0;
		}
	}
	return -1;
}

size_t
policy_remove_stack(struct policy *p, const char *stack)
{
	size_t	 i, o, n = 0;

	for (i = o = 0; i < p->nrules; i++) {
		if (p->rules[i].stack != NULL &&
		    strcmp(p->rules[i].stack, stack) == 0) {
			policy_rule_free(&p->rules[i]);
			n++;
		} else
			p->rules[o++] = p->rules[i];
	}
	p->nrules = o;
	for (i = o = 0; i < p->nknps; i++) {
		if (strcmp(p->knps[i].ns, stack) == 0) {
			policy_knp_free(&p->knps[i]);
			n++;
		} else
			p->knps[o++] = p->knps[i];
	}
	p->nknps = o;
	if (n > 0)
		p->gen++;
	return n;
}

/* ----------------------------------------------------------- printing */

const char *
policy_sel_fmt(const struct policy_sel *s, char *buf, size_t len)
{
	char	 c[CIDR_STRLEN];

	switch (s->kind) {
	case POLICY_SEL_ANY:
		snprintf(buf, len, "*");
		break;
	case POLICY_SEL_NAME:
		snprintf(buf, len, "%s", s->name);
		break;
	case POLICY_SEL_NET:
		snprintf(buf, len, "net:%s", s->name);
		break;
	case POLICY_SEL_LABEL:
		snprintf(buf, len, "label:%s=%s", s->name, s->value);
		break;
	case POLICY_SEL_CIDR:
		snprintf(buf, len, "%s", cidr_fmt(&s->cidr, c));
		break;
	case POLICY_SEL_HOST:
		snprintf(buf, len, "host");
		break;
	case POLICY_SEL_OUTSIDE:
		snprintf(buf, len, "outside");
		break;
	}
	return buf;
}

static const char *
policy_port_fmt(const struct policy_port *p, char *buf, size_t len)
{
	const char	*n = p->proto == IPPROTO_TCP ? "tcp" : "udp";

	if (p->proto == IPPROTO_ICMP)
		snprintf(buf, len, "icmp");
	else if (p->lo == 0 && p->hi == 65535)
		snprintf(buf, len, "%s", n);
	else if (p->lo == p->hi)
		snprintf(buf, len, "%s/%u", n, p->lo);
	else
		snprintf(buf, len, "%s/%u-%u", n, p->lo, p->hi);
	return buf;
}

const char *
policy_ports_fmt(const struct policy_port *p, size_t n, char *buf,
    size_t len)
{
	char	 one[32];
	size_t	 i, o = 0;

	if (n == 0) {
		snprintf(buf, len, "*");
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		policy_port_fmt(&p[i], one, sizeof(one));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    one);
	}
	return buf;
}

json_t *
policy_rule_json(const struct policy_rule *r)
{
	json_t	*j, *ports;
	char	 from[128], to[128], one[32];
	size_t	 i;

	ports = json_array();
	for (i = 0; i < r->nports; i++)
		json_array_append_new(ports, json_string(policy_port_fmt(
		    &r->ports[i], one, sizeof(one))));
	j = json_pack("{s:I, s:s, s:s, s:o, s:s, s:I}", "id",
	    (json_int_t)r->id, "from", policy_sel_fmt(&r->from, from,
	    sizeof(from)), "to", policy_sel_fmt(&r->to, to, sizeof(to)),
	    "ports", ports, "action", policy_action_name(r->action), "hits",
	    (json_int_t)r->hits);
	json_object_set_new(j, "stack", r->stack != NULL ?
	    json_string(r->stack) : json_null());
	return j;
}

json_t *
policy_knp_json(const struct policy_knp *k)
{
	return json_pack("{s:s, s:s, s:b, s:b, s:I, s:O}", "name", k->name,
	    "stack", k->ns, "ingress", k->ingress, "egress", k->egress,
	    "hits", (json_int_t)k->hits, "object", k->src);
}

json_t *
policy_json(const struct policy *p)
{
	json_t	*rules = json_array(), *knps = json_array();
	size_t	 i;

	for (i = 0; i < p->nrules; i++)
		json_array_append_new(rules, policy_rule_json(&p->rules[i]));
	for (i = 0; i < p->nknps; i++)
		json_array_append_new(knps, policy_knp_json(&p->knps[i]));
	return json_pack("{s:o, s:o}", "rules", rules, "networkpolicies",
	    knps);
}

int
policy_load(struct policy *p, json_t *j, char **cause)
{
	struct policy	 n;
	json_t		*e, *o;
	json_int_t	 id;
	char		*path;
	size_t		 i;
	int		 rc = -1;

	policy_init(&n);
	json_array_foreach(json_object_get(j, "rules"), i, e) {
		o = json_deep_copy(e);
		json_object_del(o, "hits");
		json_object_del(o, "id");
		json_object_del(o, "stack");
		path = policy_path("rules[%zu]", i);
		rc = policy_parse_entry(&n, o, path, json_string_value(
		    json_object_get(e, "stack")), cause);
		free(path);
		json_decref(o);
		if (rc == -1)
			goto out;
		id = json_integer_value(json_object_get(e, "id"));
		if (id > 0 && id < (json_int_t)POLICY_MAX_RULES * 1000) {
			n.rules[n.nrules - 1].id = (unsigned)id;
			if ((unsigned)id >= n.next_id)
				n.next_id = (unsigned)id + 1;
		}
	}
	json_array_foreach(json_object_get(j, "networkpolicies"), i, e) {
		path = policy_path("networkpolicies[%zu]", i);
		rc = policy_parse_entry(&n, json_object_get(e, "object"), path,
		    json_string_value(json_object_get(e, "stack")), cause);
		free(path);
		if (rc == -1)
			goto out;
	}
	n.gen = p->gen + 1;
	policy_clear(p);
	*p = n;
	return 0;
out:
	policy_clear(&n);
	return -1;
}

/* ----------------------------------------------------------- deciding */

static const char *
policy_label_get(const struct policy_ep *e, const char *key)
{
	size_t	 i;

	for (i = 0; i < e->nlabels; i++)
		if (strcmp(e->labels[i].key, key) == 0)
			return e->labels[i].value;
	return NULL;
}

static int
policy_on_net(const struct policy_ep *e, const char *net)
{
	size_t	 i;

	for (i = 0; i < e->nnets; i++)
		if (strcmp(e->nets[i], net) == 0)
			return 1;
	return 0;
}

int
policy_sel_match(const struct policy_rule *r, const struct policy_sel *s,
    const struct policy_ep *e)
{
	const char	*v;

	switch (s->kind) {
	case POLICY_SEL_ANY:
		return 1;
	case POLICY_SEL_NAME:
		if (e->kind != POLICY_EP_CTR)
			return 0;
		if (strcmp(e->name, s->name) == 0)
			return 1;
		/* A stack's rule names its services. */
		return r->stack != NULL && e->stack != NULL &&
		    e->service != NULL && strcmp(r->stack, e->stack) == 0 &&
		    strcmp(e->service, s->name) == 0;
	case POLICY_SEL_NET:
		return e->kind == POLICY_EP_CTR && policy_on_net(e, s->name);
	case POLICY_SEL_LABEL:
		return e->kind == POLICY_EP_CTR && (v = policy_label_get(e,
		    s->name)) != NULL && strcmp(v, s->value) == 0;
	case POLICY_SEL_CIDR:
		return cidr_contains(&s->cidr, e->addr);
	case POLICY_SEL_HOST:
		return e->kind == POLICY_EP_HOST;
	case POLICY_SEL_OUTSIDE:
		return e->kind == POLICY_EP_OUTSIDE;
	}
	return 0;
}

static int
policy_port_match(const struct policy_port *p, size_t n, uint8_t proto,
    uint16_t port)
{
	size_t	 i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (p[i].proto != proto)
			continue;
		if (proto == IPPROTO_ICMP || (port >= p[i].lo &&
		    port <= p[i].hi))
			return 1;
	}
	return 0;
}

/* Does label list (get) satisfy a selector? */
static int
policy_lsel_match(const struct policy_lsel *l,
    const char *(*get)(const void *, const char *), const void *arg)
{
	const struct policy_lexpr	*x;
	const char			*v;
	size_t				 i, j;
	int				 in;

	for (i = 0; i < l->n; i++) {
		x = &l->e[i];
		v = get(arg, x->key);
		switch (x->op) {
		case POLICY_EXISTS:
			if (v == NULL)
				return 0;
			continue;
		case POLICY_NOTEXIST:
			if (v != NULL)
				return 0;
			continue;
		case POLICY_IN:
		case POLICY_NOTIN:
			in = 0;
			for (j = 0; v != NULL && j < x->nvalues; j++)
				if (strcmp(v, x->values[j]) == 0)
					in = 1;
			if (in != (x->op == POLICY_IN))
				return 0;
			continue;
		}
	}
	return 1;
}

static const char *
policy_pod_label(const void *arg, const char *key)
{
	return policy_label_get(arg, key);
}

static const char *
policy_ep_ns(const struct policy_ep *e)
{
	return e->stack != NULL ? e->stack : "default";
}

static const char *
policy_ns_label(const void *arg, const char *key)
{
	if (strcmp(key, "name") == 0 ||
	    strcmp(key, "kubernetes.io/metadata.name") == 0)
		return policy_ep_ns(arg);
	return NULL;
}

int
policy_knp_selects(const struct policy_knp *k, const struct policy_ep *e)
{
	return e->kind == POLICY_EP_CTR && strcmp(policy_ep_ns(e), k->ns) == 0 &&
	    policy_lsel_match(&k->pod, policy_pod_label, e);
}

/* A selector that matches containers only. */
static int
policy_sel_ctrs(const struct policy_sel *s)
{
	return s->kind == POLICY_SEL_NAME || s->kind == POLICY_SEL_NET ||
	    s->kind == POLICY_SEL_LABEL;
}

/*
 * A rule decides flows from what its from matches to what its to
 * matches. A to of host or outside never matches a container: no flow
 * it decides has one at its end. When to matches containers only, each
 * flow it decides with a container destination has one that to
 * matches: TOUCH_TO on them covers it. Otherwise, when from matches
 * containers only, the flows have a container source: TOUCH_PEER on
 * what from matches covers the ones between containers, and none comes
 * from the host or outside. Otherwise, TOUCH_TO on what to matches (a
 * container there: "*" or an address range). A NetworkPolicy decides the flows into the pods it
 * isolates for ingress and out of those it isolates for egress, never
 * the host's (policy_decide): TOUCH_TO, TOUCH_PEER. Ports and order
 * are not looked at: a rule another one shadows still counts.
 */
int
policy_touches(const struct policy *p, const struct policy_ep *e)
{
	const struct policy_rule	*r;
	const struct policy_knp		*k;
	size_t				 i;
	int				 t = 0;

	if (e->kind != POLICY_EP_CTR)
		return 0;
	for (i = 0; i < p->nrules && !(t & POLICY_TOUCH_TO); i++) {
		r = &p->rules[i];
		/* their flows never end at a container */
		if (r->to.kind == POLICY_SEL_HOST ||
		    r->to.kind == POLICY_SEL_OUTSIDE)
			continue;
		if (!policy_sel_ctrs(&r->to) && policy_sel_ctrs(&r->from)) {
			if (policy_sel_match(r, &r->from, e))
				t |= POLICY_TOUCH_PEER;
		} else if (policy_sel_match(r, &r->to, e))
			t |= POLICY_TOUCH_TO;
	}
	for (i = 0; i < p->nknps && !(t & POLICY_TOUCH_TO); i++) {
		k = &p->knps[i];
		if (!policy_knp_selects(k, e))
			continue;
		if (k->ingress)
			t |= POLICY_TOUCH_TO;
		if (k->egress)
			t |= POLICY_TOUCH_PEER;
	}
	return t;
}

static int
policy_kpeer_match(const struct policy_knp *k, const struct policy_kpeer *p,
    const struct policy_ep *e)
{
	size_t	 i;

	if (p->has_ip) {
		if (!cidr_contains(&p->cidr, e->addr))
			return 0;
		for (i = 0; i < p->nexcept; i++)
			if (cidr_contains(&p->except[i], e->addr))
				return 0;
		return 1;
	}
	if (e->kind != POLICY_EP_CTR)
		return 0;
	if (p->has_ns) {
		if (!policy_lsel_match(&p->ns, policy_ns_label, e))
			return 0;
	} else if (strcmp(policy_ep_ns(e), k->ns) != 0)
		return 0;
	return !p->has_pod || policy_lsel_match(&p->pod, policy_pod_label, e);
}

static int
policy_krule_match(const struct policy_knp *k, const struct policy_krule *r,
    const struct policy_ep *peer, uint8_t proto, uint16_t port)
{
	size_t	 i;

	if (r->nports > 0 && (proto == IPPROTO_ICMP ||
	    !policy_port_match(r->ports, r->nports, proto, port)))
		return 0;
	if (r->npeers == 0)
		return 1;
	for (i = 0; i < r->npeers; i++)
		if (policy_kpeer_match(k, &r->peers[i], peer))
			return 1;
	return 0;
}

/*
 * One direction of Kubernetes: is "self" isolated (some policy selects
 * it for this direction), and if so does one of those admit "peer"?
 * Returns 1 allowed by *by, 0 not isolated, -1 refused (*by isolates).
 */
static int
policy_k8s_dir(struct policy *p, const struct policy_ep *self,
    const struct policy_ep *peer, int egress, uint8_t proto, uint16_t port,
    struct policy_knp **by)
{
	struct policy_knp	*k, *iso = NULL;
	struct policy_krule	*rules;
	size_t			 i, j, n;

	*by = NULL;
	for (i = 0; i < p->nknps; i++) {
		k = &p->knps[i];
		if (!(egress ? k->egress : k->ingress) ||
		    !policy_knp_selects(k, self))
			continue;
		if (iso == NULL)
			iso = k;
		rules = egress ? k->out : k->in;
		n = egress ? k->nout : k->nin;
		for (j = 0; j < n; j++) {
			if (policy_krule_match(k, &rules[j], peer, proto,
			    port)) {
				*by = k;
				return 1;
			}
		}
	}
	*by = iso;
	return iso != NULL ? -1 : 0;
}

static void
policy_why(struct policy_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* vsnprintf: a long why is cut, which is fine. */
static void
policy_why(struct policy_verdict *v, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

static const char *
policy_ep_fmt(const struct policy_ep *e, char *buf, size_t len)
{
	char	 a[ADDR_STRLEN];

	switch (e->kind) {
	case POLICY_EP_CTR:
		snprintf(buf, len, "%s", e->name);
		break;
	case POLICY_EP_HOST:
		snprintf(buf, len, "host (%s)", addr_fmt(e->addr, a));
		break;
	case POLICY_EP_OUTSIDE:
		snprintf(buf, len, "outside (%s)", addr_fmt(e->addr, a));
		break;
	}
	return buf;
}

static void
policy_nets_fmt(const struct policy_ep *e, char *buf, size_t len)
{
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < e->nnets && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    e->nets[i]);
}

/*
 * Layer 1. Returns 1 when the networks refuse (v filled); v->why only
 * when why is set: formatting costs more than deciding.
 */
static int
policy_networks(const struct policy_ep *s, const struct policy_ep *d,
    uint8_t proto, uint16_t port, struct policy_verdict *v, int why)
{
	char	 sn[80], dn[80], sa[80], da[80];
	size_t	 i;

	if (why) {
		policy_ep_fmt(s, sa, sizeof(sa));
		policy_ep_fmt(d, da, sizeof(da));
	}
	v->action = POLICY_REJECT;
	v->by = POLICY_BY_NETWORK;
	if (s->kind == POLICY_EP_CTR && d->kind == POLICY_EP_CTR) {
		for (i = 0; i < s->nnets; i++)
			if (policy_on_net(d, s->nets[i])) {
				if (why)
					policy_why(v, "%s and %s share "
					    "network %s", sa, da, s->nets[i]);
				return 0;
			}
		if (why) {
			policy_nets_fmt(s, sn, sizeof(sn));
			policy_nets_fmt(d, dn, sizeof(dn));
			policy_why(v, "networks: %s (%s) and %s (%s) share no "
			    "network", sa, sn, da, dn);
		}
		return 1;
	}
	if (s->kind == POLICY_EP_CTR && s->internal) {
		if (d->kind == POLICY_EP_HOST && d->gateway && port == 53 &&
		    (proto == IPPROTO_UDP || proto == IPPROTO_TCP)) {
			if (why)
				policy_why(v, "%s is on internal networks "
				    "only, and reaches netd's DNS", sa);
			return 0;
		}
		if (why) {
			policy_nets_fmt(s, sn, sizeof(sn));
			policy_why(v, "networks: %s is on internal networks "
			    "only (%s): it reaches their members and netd's "
			    "DNS, not %s", sa, sn, da);
		}
		return 1;
	}
	if (d->kind == POLICY_EP_CTR && d->internal &&
	    s->kind == POLICY_EP_OUTSIDE) {
		if (why) {
			policy_nets_fmt(d, dn, sizeof(dn));
			policy_why(v, "networks: %s is on internal networks "
			    "only (%s): nothing outside reaches it", da, dn);
		}
		return 1;
	}
	if (why)
		policy_why(v, "%s reaches %s", sa, da);
	return 0;
}

/*
 * The rules that can decide flows from s to d: those whose from and to
 * match them, in order. A flow's first match among them is its first
 * match among all rules (the others never match s and d), so the index
 * changes nothing but the cost.
 */
void
policy_pair_build(const struct policy *p, const struct policy_ep *s,
    const struct policy_ep *d, struct policy_pair *pp)
{
	const struct policy_rule	*r;
	size_t				 i;

	pp->n = 0;
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!policy_sel_match(r, &r->from, s) ||
		    !policy_sel_match(r, &r->to, d))
			continue;
		if (pp->n == pp->cap) {
			pp->cap = pp->cap == 0 ? 8 : pp->cap * 2;
			pp->rules = xreallocarray(pp->rules, pp->cap,
			    sizeof(*pp->rules));
		}
		pp->rules[pp->n++] = (uint32_t)i;
	}
}

void
policy_pair_free(struct policy_pair *pp)
{
	free(pp->rules);
	memset(pp, 0, sizeof(*pp));
}

void
policy_decide(struct policy *p, const struct policy_ep *s,
    const struct policy_ep *d, uint8_t proto, uint16_t port, int count,
    struct policy_verdict *v)
{
	policy_decide_pair(p, s, d, proto, port, count, v, NULL, 1);
}

void
policy_decide_pair(struct policy *p, const struct policy_ep *s,
    const struct policy_ep *d, uint8_t proto, uint16_t port, int count,
    struct policy_verdict *v, const struct policy_pair *pp, int why)
{
	struct policy_rule	*r;
	struct policy_knp	*kin = NULL, *kout = NULL;
	char			 net[POLICY_WHY_MAX], from[128], to[128];
	char			 ports[128];
	size_t			 i, n;
	int			 in = 0, out = 0;

	memset(v, 0, sizeof(*v));
	if (policy_networks(s, d, proto, port, v, why))
		return;
	if (why)
		snprintf(net, sizeof(net), "%s", v->why);
	v->action = POLICY_ALLOW;
	v->by = POLICY_BY_DEFAULT;
	n = pp != NULL ? pp->n : p->nrules;
	for (i = 0; i < n; i++) {
		r = &p->rules[pp != NULL ? pp->rules[i] : i];
		if ((pp == NULL && (!policy_sel_match(r, &r->from, s) ||
		    !policy_sel_match(r, &r->to, d))) ||
		    !policy_port_match(r->ports, r->nports, proto, port))
			continue;
		if (count)
			r->hits++;
		v->action = r->action;
		v->by = POLICY_BY_RULE;
		v->rule = r;
		if (!why)
			return;
		policy_why(v, "%s; rule %u%s%s (%s -> %s "
		    "%s %s)", net, r->id, r->stack != NULL ? " of stack " : "",
		    r->stack != NULL ? r->stack : "", policy_sel_fmt(&r->from,
		    from, sizeof(from)), policy_sel_fmt(&r->to, to, sizeof(to)),
		    policy_ports_fmt(r->ports, r->nports, ports, sizeof(ports)),
		    policy_action_name(r->action));
		return;
	}
	/* As in Kubernetes: traffic to and from the node (the host) is
	 * always allowed, whatever selects the container. */
	if (p->nknps > 0 && s->kind != POLICY_EP_HOST &&
	    d->kind != POLICY_EP_HOST) {
		in = policy_k8s_dir(p, d, s, 0, proto, port, &kin);
		out = policy_k8s_dir(p, s, d, 1, proto, port, &kout);
	}
	if (in == -1 || out == -1) {
		v->action = POLICY_REJECT;
		v->by = POLICY_BY_K8S;
		v->knp = in == -1 ? kin : kout;
		if (count)
			v->knp->hits++;
		if (!why)
			return;
		policy_why(v, "%s; NetworkPolicy %s/%s "
		    "isolates %s for %s and no policy admits %s", net,
		    v->knp->ns, v->knp->name, in == -1 ? policy_ep_fmt(d, from,
		    sizeof(from)) : policy_ep_fmt(s, from, sizeof(from)),
		    in == -1 ? "ingress" : "egress", in == -1 ?
		    policy_ep_fmt(s, to, sizeof(to)) : policy_ep_fmt(d, to,
		    sizeof(to)));
		return;
	}
	if (in == 1 || out == 1) {
		v->by = POLICY_BY_K8S;
		v->knp = in == 1 ? kin : kout;
		if (count)
			v->knp->hits++;
		if (!why)
			return;
		policy_why(v, "%s; NetworkPolicy %s/%s "
		    "admits it%s%s%s", net, v->knp->ns, v->knp->name,
		    in == 1 && out == 1 ? " (ingress), " : "",
		    in == 1 && out == 1 ? kout->name : "",
		    in == 1 && out == 1 ? " (egress)" : "");
		return;
	}
	if (why)
		policy_why(v, "%s; no rule or NetworkPolicy applies", net);
}
