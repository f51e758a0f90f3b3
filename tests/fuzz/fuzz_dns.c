/* SPDX-License-Identifier: ISC */
/*
 * fuzz_dns.c - libFuzzer entry for netd's DNS parsing and answers.
 *
 * The input is a message as a client (or an upstream) would send it,
 * after one byte that picks the transport and the client's address.
 * Checked beyond "no crash": every reply fits the client's limit and
 * parses as a response to one question; a query that is forwarded
 * parses as a query. The same bytes, as text, go through the
 * /etc/hosts editor: adding our block and removing it again gives what
 * removing it from the original gives, and adding it twice gives what
 * adding it once gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dns_zone *
fuzz_zone(void)
{
	static struct dns_zone	*z;
	struct cidr		 pool = { 0x0ad50000u, 16 };

	if (z == NULL) {
		z = dns_zone_new(&pool, 0x0ad50001u);
		dns_zone_add(z, "shop-web", 0x0ad5000au, "shop", "web");
		dns_zone_add(z, "shop-db", 0x0ad5000bu, "shop", "db");
		dns_zone_add(z, "lone", 0x0ad5000cu, NULL, NULL);
	}
	return z;
}

static void
fuzz_hosts(const uint8_t *data, size_t size)
{
	char	*text, *a, *b, *c, *d;

	text = malloc(size + 1);
	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	a = dns_hosts_edit(text, "p", fuzz_zone());
	b = dns_hosts_edit(a, "p", NULL);
	c = dns_hosts_edit(text, "p", NULL);
	d = dns_hosts_edit(a, "p", fuzz_zone());
	if (strcmp(b, c) != 0 || strcmp(a, d) != 0)
		abort();
	free(d);
	free(a);
	free(b);
	free(c);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[DNS_MSG_MAX];
	static const uint32_t	 clients[] = { 0x0ad5000au, 0x0ad5000cu,
	    0xc0000201u, 0x0ad50001u };
	struct dns_question	 q;
	enum dns_verdict	 v;
	size_t			 outlen, limit;
	int			 tcp, rcode;

	if (size < 1)
		return 0;
	tcp = data[0] & 1;
	limit = tcp ? DNS_MSG_MAX : DNS_EDNS_MAX;
	v = dns_answer(fuzz_zone(), clients[(data[0] >> 1) & 3], data + 1,
	    size - 1, tcp, out, limit, &outlen);
	if (v == DNS_REPLY) {
		if (outlen < DNS_HDR_LEN || outlen > limit)
			abort();
		if (!(out[2] & 0x80))
			abort();
		if (out[5] == 1 &&
		    dns_parse_reply_question(out, outlen, &q) == -1)
			abort();
	} else if (v == DNS_FORWARD &&
	    dns_parse_query(data + 1, size - 1, &q, &rcode) == -1)
		abort();
	(void)dns_parse_reply_question(data + 1, size - 1, &q);
	if (size < 4096)
		fuzz_hosts(data + 1, size - 1);
	return 0;
}
