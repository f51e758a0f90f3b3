/* SPDX-License-Identifier: ISC */
/*
 * linkspec.h - a link's impairments (delay, loss, rate, down...): the
 * model shared by the CLI, stack files and netd's link emulation, its
 * parsers ("50ms", "1%", "10mbit") and its JSON form.
 */
#ifndef BERTH_LINKSPEC_H
#define BERTH_LINKSPEC_H

#include <stdint.h>

#include <jansson.h>

#define LINKSPEC_DELAY_MAX	(60ULL * 1000000)	/* 60 s, in us */
#define LINKSPEC_RATE_MAX	(100ULL * 1000000000)	/* 100 gbit */
#define LINKSPEC_QUEUE_DEF	1000	/* packets, like netem's limit */
#define LINKSPEC_QUEUE_MAX	100000
#define LINKSPEC_MTU_MIN	68	/* RFC 791 */
#define LINKSPEC_MTU_MAX	65535
#define LINKSPEC_STRLEN		256

enum linkspec_down {
	LINKSPEC_UP = 0,
	LINKSPEC_DOWN_DROP,	/* a partition: packets vanish */
	LINKSPEC_DOWN_REJECT,	/* refused with ICMP admin-prohibited */
};

struct link_profile {
	uint64_t		 delay_us;
	uint64_t		 jitter_us;
	double			 loss;		/* 0..1 */
	double			 loss_corr;	/* 0: independent losses */
	double			 duplicate;
	double			 corrupt;
	uint64_t		 rate;		/* bit/s, 0: unlimited */
	uint32_t		 queue;		/* packets held at most */
	uint32_t		 mtu;		/* 0: no limit */
	int			 reorder;	/* jitter may reorder */
	enum linkspec_down	 down;
	uint64_t		 seed;
	int			 seed_set;
};

/* An unimpaired profile (queue at its default). */
void	 linkspec_init(struct link_profile *);
/* Whether the profile does anything at all. */
int	 linkspec_active(const struct link_profile *);
/* "50ms", "1.5s", "200us", "0" -> microseconds. */
int	 linkspec_duration(const char *, uint64_t *us, char **cause);
/* "10mbit", "512kbit", "1gbit", "9600bit" -> bit/s. */
int	 linkspec_rate(const char *, uint64_t *bps, char **cause);
/* "1%", "0.5%", "0.01" -> 0..1. */
int	 linkspec_prob(const char *, double *, char **cause);
/* Check the values together (ranges, jitter <= delay...). */
int	 linkspec_check(const struct link_profile *, char **cause);
json_t	*linkspec_json(const struct link_profile *);
int	 linkspec_from_json(json_t *, struct link_profile *, char **cause);
/* A one-line summary ("delay 50ms jitter 5ms loss 1%"), "-" if none. */
char	*linkspec_fmt(const struct link_profile *, char *, size_t);

#endif
