/* SPDX-License-Identifier: ISC */
/*
 * linkcost - what link entries cost the router per packet, in process:
 * netd's router (netd/router.c) with the link table (netd/link.c) on
 * 18 ports whose tun writes are discarded, so only the router's own
 * work is timed, without the system calls that dominate bench/links.
 *
 *   linkcost [-n PACKETS] [-r ROUNDS]
 *
 * Routes PACKETS 1500-byte TCP packets from container b to container a
 * with no entry, and with 100 entries between 16 other containers
 * (delay 10 ms, loss 1 %: the hook registered, no entry matching),
 * alternately ROUNDS times, and prints the median nanoseconds per
 * packet of each and the nanoseconds the entries add.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "link.h"
#include "linkspec.h"
#include "packet.h"
#include "router.h"
#include "ev.h"
#include "util.h"

#define NCTR	18

static ssize_t
linkcost_write(int fd, const void *p, size_t len,
    const struct packet_csum *csum)
{
	(void)fd;
	(void)p;
	return (ssize_t)len;
}

static double
linkcost_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A 1500-byte TCP ACK with data, src -> dst. */
static size_t
linkcost_pkt(uint8_t *p, uint32_t src, uint32_t dst)
{
	size_t	 len = 1500;
	uint16_t c;

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40;
	p[8] = 64;
	p[9] = 6;
	p[12] = (uint8_t)(src >> 24); p[13] = (uint8_t)(src >> 16);
	p[14] = (uint8_t)(src >> 8); p[15] = (uint8_t)src;
	p[16] = (uint8_t)(dst >> 24); p[17] = (uint8_t)(dst >> 16);
	p[18] = (uint8_t)(dst >> 8); p[19] = (uint8_t)dst;
	c = packet_cksum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 0x30; p[21] = 0x39; p[22] = 0x14; p[23] = 0x75;
	p[32] = 0x50;		/* data offset 5 */
	p[33] = 0x10;		/* ACK */
	return len;
}

static double
linkcost_run(struct router *r, struct rport *gw, const uint8_t *p,
    size_t len, long n)
{
	double	 t0;
	long	 i;

	t0 = linkcost_now();
	for (i = 0; i < n; i++)
		router_packet(r, gw, p, len, NULL);
	return (linkcost_now() - t0) / (double)n;
}

static int
linkcost_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct router		*r;
	struct ev		*ev;
	struct link_table	*t;
	struct rport		 gw, port[NCTR];
	struct link_profile	 lp;
	struct cidr		 pool;
	uint8_t			 pkt[1500];
	double			 none[64], idle[64];
	long			 n = 2000000;
	int			 rounds = 7, i, j, k, c;
	size_t			 len;
	char			*cause = NULL;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: linkcost [-n packets] "
			    "[-r rounds]\n");
			return 2;
		}
	}
	if (n <= 0 || rounds <= 0 || rounds > 64)
		return 2;
	(void)cidr_parse("10.249.0.0/16", &pool, NULL);
	r = router_new(&pool, 0x0af90001);
	r->write = linkcost_write;
	memset(&gw, 0, sizeof(gw));
	gw.fd = 100;
	gw.addr = 0x0af90001;
	gw.gateway = 1;
	router_add(r, &gw);
	memset(port, 0, sizeof(port));
	for (i = 0; i < NCTR; i++) {
		port[i].fd = 101 + i;
		port[i].addr = 0x0af90002 + (uint32_t)i;
		router_add(r, &port[i]);
	}
	if ((ev = ev_new()) == NULL)
		return 1;
	t = link_table_new(r, ev);
	linkspec_init(&lp);
	lp.delay_us = 10000;
	lp.loss = 0.01;
	len = linkcost_pkt(pkt, port[1].addr, port[0].addr);
	for (k = 0; k < rounds; k++) {
		none[k] = linkcost_run(r, &gw, pkt, len, n);
		for (i = 2, c = 0; i < NCTR && c < 100; i++)
			for (j = i + 1; j < NCTR && c < 100; j++, c++)
				if (link_set(t, LINK_PAIR, port[i].addr, "c",
				    port[j].addr, "d", &lp, &cause) == NULL) {
					fprintf(stderr, "%s\n", cause);
					return 1;
				}
		if (c != 100 || t->nlinks != 100)
			return 1;
		idle[k] = linkcost_run(r, &gw, pkt, len, n);
		while (t->links != NULL)
			link_rm(t, t->links);
	}
	qsort(none, (size_t)rounds, sizeof(double), linkcost_cmp);
	qsort(idle, (size_t)rounds, sizeof(double), linkcost_cmp);
	printf("none %.1f ns/packet; 100 idle entries %.1f ns/packet; "
	    "+%.1f ns\n", none[rounds / 2], idle[rounds / 2],
	    idle[rounds / 2] - none[rounds / 2]);
	link_table_free(t);
	ev_free(ev);
	router_free(r);
	return 0;
}
