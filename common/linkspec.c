/* SPDX-License-Identifier: ISC */
/*
 * linkspec.c - parsing, checking and printing a link's impairments.
 *
 * DOC: units
 * Durations need a unit (us, ms, s), rates one of bit, kbit, mbit,
 * gbit (decimal, like tc: 10mbit is 10,000,000 bit/s), probabilities
 * are a percentage ("1%") or a fraction ("0.01"). The JSON form (the
 * control protocol's) is in plain numbers: delay_us, jitter_us, rate in
 * bit/s, probabilities as fractions; a key left out is "none".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkspec.h"
#include "util.h"

void
linkspec_init(struct link_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->queue = LINKSPEC_QUEUE_DEF;
}

int
linkspec_active(const struct link_profile *p)
{
	return p->delay_us != 0 || p->jitter_us != 0 || p->loss > 0 ||
	    p->duplicate > 0 || p->corrupt > 0 || p->rate != 0 ||
	    p->mtu != 0 || p->down != LINKSPEC_UP;
}

struct linkspec_unit {
	const char	*name;
	double		 mul;
};

/* A decimal number and the unit after it. */
static int
linkspec_number(const char *s, double *v, const char **unit)
{
	char	*end;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' ||
	    strchr(s, ' ') != NULL)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(*v) || *v < 0)
		return -1;
	*unit = end;
	return 0;
}

/* A number with one of the units: 0 and *v scaled, or -1. */
static int
linkspec_scaled(const char *s, const struct linkspec_unit *units,
    size_t nunits, double *v)
{
	const char	*u;
	size_t		 i;

	if (linkspec_number(s, v, &u) == -1)
		return -1;
	for (i = 0; i < nunits; i++) {
		if (strcmp(u, units[i].name) == 0) {
			*v *= units[i].mul;
			return 0;
		}
	}
	return -1;
}

int
linkspec_duration(const char *s, uint64_t *us, char **cause)
{
	static const struct linkspec_unit units[] = {
		{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
	};
	double	 v;

	if (s != NULL && strcmp(s, "0") == 0) {
		*us = 0;
		return 0;
	}
	if (linkspec_scaled(s, units, nitems(units), &v) == -1)
		return cause_set(cause, "\"%.20s\" is not a duration like "
		    "50ms (us, ms, s)", s != NULL ? s : "");
	if (v > (double)LINKSPEC_DELAY_MAX)
		return cause_set(cause, "\"%.20s\" is longer than 60s", s);
	*us = (uint64_t)(v + 0.5);
	return 0;
}

int
linkspec_rate(const char *s, uint64_t *bps, char **cause)
{
	static const struct linkspec_unit units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 },
		{ "gbit", 1e9 },
	};
	double	 v;

	if (linkspec_scaled(s, units, nitems(units), &v) == -1)
		return cause_set(cause, "\"%.20s\" is not a rate like 10mbit "
		    "(bit, kbit, mbit, gbit)", s != NULL ? s : "");
	if (v < 8 || v > (double)LINKSPEC_RATE_MAX)
		return cause_set(cause, "\"%.20s\": a rate is 8bit to "
		    "100gbit", s);
	*bps = (uint64_t)(v + 0.5);
	return 0;
}

int
linkspec_prob(const char *s, double *p, char **cause)
{
	const char	*u;
	double		 v;

	if (linkspec_number(s, &v, &u) == 0) {
		if (strcmp(u, "%") == 0)
			v /= 100;
		else if (*u != '\0')
			v = -1;
		if (v >= 0 && v <= 1) {
			*p = v;
			return 0;
		}
	}
	return cause_set(cause, "\"%.20s\" is not a probability like 1%% "
	    "or 0.01", s != NULL ? s : "");
}

int
linkspec_check(const struct link_profile *p, char **cause)
{
	const struct { const char *name; double v; } probs[] = {
		{ "loss", p->loss }, { "loss correlation", p->loss_corr },
		{ "duplicate", p->duplicate }, { "corrupt", p->corrupt },
	};
	size_t	 i;

	for (i = 0; i < nitems(probs); i++)
		if (!(probs[i].v >= 0 && probs[i].v <= 1))
			return cause_set(cause, "%s must be 0..1 (0%%..100%%)",
			    probs[i].name);
	if (p->delay_us > LINKSPEC_DELAY_MAX ||
	    p->jitter_us > LINKSPEC_DELAY_MAX)
		return cause_set(cause, "delay and jitter are at most 60s");
	if (p->rate != 0 && (p->rate < 8 || p->rate > LINKSPEC_RATE_MAX))
		return cause_set(cause, "a rate is 8bit to 100gbit");
	if (p->queue < 1 || p->queue > LINKSPEC_QUEUE_MAX)
		return cause_set(cause, "queue must be 1..%d packets",
		    LINKSPEC_QUEUE_MAX);
	if (p->mtu != 0 && (p->mtu < LINKSPEC_MTU_MIN ||
	    p->mtu > LINKSPEC_MTU_MAX))
		return cause_set(cause, "mtu must be %d..%d", LINKSPEC_MTU_MIN,
		    LINKSPEC_MTU_MAX);
	if (p->loss_corr > 0) {
		/* Gilbert: p(good->bad) = loss * (1 - corr) / (1 - loss). */
		if (p->loss >= 1 || p->loss == 0)
			return cause_set(cause, "loss correlation needs a "
			    "loss between 0%% and 100%%");
		if (p->loss_corr >= 1 || p->loss * (1 - p->loss_corr) >
		    1 - p->loss)
			return cause_set(cause, "loss correlation %g cannot "
			    "give a loss of %g", p->loss_corr, p->loss);
	}
	return 0;
}

json_t *
linkspec_json(const struct link_profile *p)
{
	json_t	*j = json_object();

	if (p->delay_us != 0)
		json_object_set_new(j, "delay_us", json_integer((json_int_t)
		    p->delay_us));
	if (p->jitter_us != 0)
		json_object_set_new(j, "jitter_us", json_integer((json_int_t)
		    p->jitter_us));
	if (p->loss > 0)
		json_object_set_new(j, "loss", json_real(p->loss));
	if (p->loss_corr > 0)
		json_object_set_new(j, "loss_corr", json_real(p->loss_corr));
	if (p->duplicate > 0)
		json_object_set_new(j, "duplicate", json_real(p->duplicate));
	if (p->corrupt > 0)
		json_object_set_new(j, "corrupt", json_real(p->corrupt));
	if (p->rate != 0)
		json_object_set_new(j, "rate", json_integer((json_int_t)
		    p->rate));
	json_object_set_new(j, "queue", json_integer(p->queue));
	if (p->mtu != 0)
		json_object_set_new(j, "mtu", json_integer(p->mtu));
	if (p->reorder)
		json_object_set_new(j, "reorder", json_true());
	if (p->down != LINKSPEC_UP)
		json_object_set_new(j, "down", json_string(p->down ==
		    LINKSPEC_DOWN_REJECT ? "reject" : "drop"));
	if (p->seed_set)
		json_object_set_new(j, "seed", json_integer((json_int_t)
		    p->seed));
	return j;
}

static int
linkspec_json_uint(json_t *o, const char *key, uint64_t max, uint64_t *out,
    char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return cause_set(cause, "%s must be an integer 0..%llu", key,
		    (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
linkspec_json_prob(json_t *o, const char *key, double *out, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= 0 &&
	    json_number_value(v) <= 1))
		return cause_set(cause, "%s must be a number 0..1", key);
	*out = json_number_value(v);
	return 0;
}

int
linkspec_from_json(json_t *o, struct link_profile *p, char **cause)
{
	json_t		*v;
	const char	*s;
	uint64_t	 u;

	linkspec_init(p);
	if (!json_is_object(o))
		return cause_set(cause, "a link profile must be an object");
	if (linkspec_json_uint(o, "delay_us", LINKSPEC_DELAY_MAX,
	    &p->delay_us, cause) == -1 ||
	    linkspec_json_uint(o, "jitter_us", LINKSPEC_DELAY_MAX,
	    &p->jitter_us, cause) == -1 ||
	    linkspec_json_uint(o, "rate", LINKSPEC_RATE_MAX, &p->rate,
	    cause) == -1 ||
	    linkspec_json_prob(o, "loss", &p->loss, cause) == -1 ||
	    linkspec_json_prob(o, "loss_corr", &p->loss_corr, cause) == -1 ||
	    linkspec_json_prob(o, "duplicate", &p->duplicate, cause) == -1 ||
	    linkspec_json_prob(o, "corrupt", &p->corrupt, cause) == -1)
		return -1;
	u = p->queue;
	if (linkspec_json_uint(o, "queue", LINKSPEC_QUEUE_MAX, &u,
	    cause) == -1)
		return -1;
	p->queue = (uint32_t)u;
	u = 0;
	if (linkspec_json_uint(o, "mtu", LINKSPEC_MTU_MAX, &u, cause) == -1)
		return -1;
	p->mtu = (uint32_t)u;
	if ((v = json_object_get(o, "seed")) != NULL && !json_is_null(v)) {
		if (linkspec_json_uint(o, "seed", INT64_MAX, &p->seed,
		    cause) == -1)
			return -1;
		p->seed_set = 1;
	}
	if ((v = json_object_get(o, "reorder")) != NULL) {
		if (!json_is_boolean(v))
			return cause_set(cause, "reorder must be true or "
			    "false");
		p->reorder = json_is_true(v);
	}
	if ((v = json_object_get(o, "down")) != NULL && !json_is_null(v)) {
		s = json_string_value(v);
		if (s != NULL && strcmp(s, "drop") == 0)
			p->down = LINKSPEC_DOWN_DROP;
		else if (s != NULL && strcmp(s, "reject") == 0)
			p->down = LINKSPEC_DOWN_REJECT;
		else
			return cause_set(cause, "down must be \"drop\" or "
			    "\"reject\"");
	}
	return linkspec_check(p, cause);
}

static void
linkspec_cat(char *buf, size_t len, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
linkspec_cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t	 n = strlen(buf);
	va_list	 ap;

	if (n >= len)
		return;
	if (n > 0 && n + 1 < len)
		buf[n++] = ' ';
	buf[n] = '\0';
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static const char *
linkspec_fmt_us(uint64_t us, char *b, size_t len)
{
	if (us % 1000000 == 0)
		snprintf(b, len, "%llus", (unsigned long long)(us / 1000000));
	else if (us % 1000 == 0)
		snprintf(b, len, "%llums", (unsigned long long)(us / 1000));
	else
		snprintf(b, len, "%lluus", (unsigned long long)us);
	return b;
}

char *
linkspec_fmt(const struct link_profile *p, char *buf, size_t len)
{
	char	 t[32];

	buf[0] = '\0';
	if (p->down != LINKSPEC_UP)
		linkspec_cat(buf, len, "down%s", p->down ==
		    LINKSPEC_DOWN_REJECT ? " reject" : "");
	if (p->delay_us != 0)
		linkspec_cat(buf, len, "delay %s", linkspec_fmt_us(p->delay_us,
		    t, sizeof(t)));
	if (p->jitter_us != 0)
		linkspec_cat(buf, len, "jitter %s", linkspec_fmt_us(
		    p->jitter_us, t, sizeof(t)));
	if (p->loss > 0)
		linkspec_cat(buf, len, "loss %g%%", p->loss * 100);
	if (p->loss_corr > 0)
		linkspec_cat(buf, len, "loss-corr %g%%", p->loss_corr * 100);
	if (p->duplicate > 0)
		linkspec_cat(buf, len, "duplicate %g%%", p->duplicate * 100);
	if (p->corrupt > 0)
		linkspec_cat(buf, len, "corrupt %g%%", p->corrupt * 100);
	if (p->rate != 0) {
		if (p->rate % 1000000000 == 0)
			linkspec_cat(buf, len, "rate %llugbit",
			    (unsigned long long)(p->rate / 1000000000));
		else if (p->rate % 1000000 == 0)
			linkspec_cat(buf, len, "rate %llumbit",
			    (unsigned long long)(p->rate / 1000000));
		else if (p->rate % 1000 == 0)
			linkspec_cat(buf, len, "rate %llukbit",
			    (unsigned long long)(p->rate / 1000));
		else
			linkspec_cat(buf, len, "rate %llubit",
			    (unsigned long long)p->rate);
	}
	if (p->queue != LINKSPEC_QUEUE_DEF)
		linkspec_cat(buf, len, "queue %u", p->queue);
	if (p->mtu != 0)
		linkspec_cat(buf, len, "mtu %u", p->mtu);
	if (p->reorder)
		linkspec_cat(buf, len, "reorder");
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	return buf;
}
